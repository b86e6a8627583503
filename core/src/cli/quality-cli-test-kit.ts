import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AssayConfig } from '../config/config.schema.ts';
import { loadConfig } from '../config/load-config.ts';
import { literal } from '../engine/dataset-view.ts';
import { stagedFilesIn } from '../lake/delta-write/staged-files.ts';
import { startPlatform, type Platform } from '../platform/platform.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { startQualitySession, type QualitySession, type QualitySessionStarter } from './quality-session.ts';

type StartOptions = Parameters<QualitySessionStarter>[1];

/** A real platform (database, lake, event bus) for the quality commands' tests, with seeding helpers. */
export interface QualityCliKit {
  readonly platform: Platform;
  readonly config: AssayConfig;
  readonly workspace: string;
  /** The options of every session the commands started, in order. */
  readonly starts: StartOptions[];
  /** Sessions on the kit's platform (closing one leaves the platform running); `events: false` gives no bus. */
  starter(options?: { events?: QualitySession['events'] | false }): QualitySessionStarter;
  /** The real starter, which boots a platform of its own on the kit's database and lake. */
  readonly bootingStarter: QualitySessionStarter;
  /** Commits `count` versions (one row each) to a dataset of the kit's workspace. */
  commit(dataset: string, count: number): Promise<void>;
  /** Inserts a check result; `failing > 0` fails it. */
  result(row: Partial<ResultSeed> & Pick<ResultSeed, 'dataset' | 'check_id'>): Promise<void>;
  /** Inserts an incident and returns its id. */
  incident(row: Partial<IncidentSeed> & Pick<IncidentSeed, 'dataset' | 'check_id'>): Promise<string>;
  /** Payloads of the events published on `topic`, oldest first. */
  events(topic: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

interface ResultSeed {
  dataset: string;
  check_id: string;
  check_type: string;
  kind: string;
  weight: number;
  action: string;
  status: string;
  passed: boolean;
  checked: number;
  failing: number;
  failing_percent: number;
  observed: number | null;
  note: string | null;
  sample: string;
  delta_version: number | null;
  run_id: string | null;
  observed_at: Date;
}

interface IncidentSeed {
  dataset: string;
  check_id: string;
  check_type: string;
  action: string;
  state: string;
  count: number;
  pipeline: string | null;
  job_id: string | null;
  first_run_id: string | null;
  last_run_id: string | null;
  last_result: string;
  assignee: string | null;
  last_seen_at: Date;
}

export async function startQualityCliKit(workspace = 'dq'): Promise<QualityCliKit> {
  const database: TestDatabase = await createTestDatabase();
  const home = await mkdtemp(join(tmpdir(), 'assay-quality-cli-'));
  const config = loadConfig({
    env: {},
    cwd: home,
    overrides: { home, databaseUrl: database.url, logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' },
  });
  const platform = await startPlatform({ config, role: 'worker', works: false, includeBuiltins: false });
  await platform.identity.workspaces.create({ slug: workspace });
  const { db } = platform;
  const starts: StartOptions[] = [];
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await mkdir(join(home, 'staging'));

  return {
    platform,
    config,
    workspace,
    starts,
    starter: (options = {}) => {
      return async (_config, startOptions) => {
        starts.push(startOptions);
        const events = options.events === false ? undefined : (options.events ?? platform.events);
        return { db, lake: platform.lake, events, close: async () => undefined };
      };
    },
    bootingStarter: async (_config, startOptions) => {
      starts.push(startOptions);
      return startQualitySession(config, startOptions);
    },
    async commit(dataset, count) {
      const table = platform.lake.table(workspace, dataset);
      for (let i = 0; i < count; i += 1) {
        const file = join(home, 'staging', `${randomUUID()}.parquet`);
        await connection.run(`COPY (SELECT ${i}::INTEGER AS id) TO ${literal(file)} (FORMAT parquet)`);
        await table.write({
          mode: 'append',
          staged: await stagedFilesIn(file, []),
          columns: [{ name: 'id', type: 'INTEGER' }],
          provenance: { operation: 'WRITE', user: 'test' },
        });
      }
    },
    async result(row) {
      const failing = row.failing ?? 0;
      await db('core_check_results').insert({
        workspace,
        check_type: row.check_id.split('.')[0],
        kind: 'row',
        action: 'warn',
        weight: 1,
        status: failing > 0 ? 'warned' : 'passed',
        passed: failing === 0,
        checked: 10,
        failing,
        failing_percent: failing * 10,
        sample: '[]',
        duration_ms: 3,
        ...row,
      });
    },
    async incident(row) {
      const id = randomUUID();
      await db('core_dq_incidents').insert({
        id,
        workspace,
        check_type: row.check_id.split('.')[0],
        action: 'warn',
        state: 'open',
        count: 1,
        last_result: JSON.stringify({ status: 'warned', checked: 10, failing: 2, failingPercent: 20, sample: [] }),
        ...row,
      });
      return id;
    },
    async events(topic) {
      const rows = (await db('core_events').where({ topic }).orderBy('id').select('payload')) as Array<{
        payload: Record<string, unknown>;
      }>;
      return rows.map((row) => row.payload);
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
      await platform.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
