import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { LightMyRequestResponse } from 'fastify';
import { literal } from '../../engine/dataset-view.ts';
import { QUARANTINE_COLUMNS } from '../../ingest/quarantine-writer.ts';
import { stagedFilesIn } from '../../lake/delta-write/staged-files.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import { startCoreTestPlatform } from '../../testing/test-platform.ts';

/** One row to seed, as the quarantine table stores it. */
export interface SeedRow {
  readonly loadId: string;
  /** ISO 8601 with offset. */
  readonly at: string;
  readonly check: string;
  readonly source: string;
  readonly line: number | null;
  readonly column: string | null;
  readonly errorType: string;
  readonly reason: string;
  readonly raw: string;
  readonly runId: string;
}

/**
 * Six rows as loads and checks leave them: three a check set aside in run-1 (JSON, one with a 64-bit integer),
 * two a CSV load could not cast in run-2 (JSON of the line's fields) and one line it could not parse (raw text).
 */
export const SEED_ROWS: readonly SeedRow[] = [
  ...[
    '{"id":1,"amount":-5,"name":"ann"}',
    '{"id":2,"amount":-7,"name":"bob"}',
    '{"id":3,"amount":0,"name":"cy","big":12345678901234567890}',
  ].map((raw) => ({
    loadId: 'run-1',
    at: '2025-01-01T10:00:00Z',
    check: 'positive.amount',
    source: 'sales/clean',
    line: null,
    column: 'amount',
    errorType: 'rule',
    reason: 'amount must be positive',
    raw,
    runId: 'run-1',
  })),
  ...(
    [
      [2, 'CAST', 'amount', '{"id":"10","amount":"12,50","city":"Oslo"}'],
      [3, 'CAST', 'amount', '{"id":"11","amount":"7,25","city":"Lima"}'],
      [4, 'UNQUOTED_VALUE', null, '12,"x,Rome'],
    ] as const
  ).map(([line, errorType, column, raw]) => ({
    loadId: 'load-2',
    at: '2025-01-01T11:00:00Z',
    check: 'ingest.parse',
    source: 'orders.csv',
    line,
    column,
    errorType,
    reason: `${errorType} on line ${line}`,
    raw,
    runId: 'run-2',
  })),
];

/** Appends `rows` to the quarantine table of `dataset` through the lake, as one commit. */
export async function seedQuarantine(
  lake: LakeService,
  workspace: string,
  dataset: string,
  rows: readonly SeedRow[] = SEED_ROWS,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'assay-quarantine-seed-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const text = (value: string | null) => (value === null ? 'NULL' : literal(value));
    const values = rows.map(
      (row) =>
        `(${text(row.loadId)}, CAST(${literal(row.at)} AS TIMESTAMPTZ), ${text(row.check)}, ${text(row.source)}, ` +
        `CAST(${row.line ?? 'NULL'} AS BIGINT), ${text(row.column)}, ${text(row.errorType)}, ${text(row.reason)}, ` +
        `${text(row.raw)}, ${text(row.runId)})`,
    );
    const names = QUARANTINE_COLUMNS.map((column) => column.name).join(', ');
    const casts = QUARANTINE_COLUMNS.map((column) => `CAST(${column.name} AS ${column.type}) AS ${column.name}`);
    const path = join(dir, 'seed.parquet');
    await connection.run(
      `COPY (SELECT ${casts.join(', ')} FROM (VALUES ${values.join(', ')}) AS t(${names})) TO ${literal(path)} (FORMAT parquet)`,
    );
    await lake.quarantine(workspace, dataset).write({
      mode: 'append',
      staged: await stagedFilesIn(path, []),
      columns: QUARANTINE_COLUMNS,
      provenance: { operation: 'WRITE', operationParameters: { mode: 'Append', reason: 'test seed' } },
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A booted platform with a workspace, its admin, an engineer and a viewer, and the quarantine API at hand. */
export interface QuarantineTestApi {
  readonly platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
  readonly workspace: string;
  readonly engineer: { userId: string; token: string };
  readonly viewer: { userId: string; token: string };
  /** Calls `…/datasets/<dataset as layer/name>/quarantine<path>` as the admin, or with `token`. */
  call(
    method: 'GET' | 'PATCH' | 'POST',
    dataset: string,
    path: string,
    body?: object,
    token?: string,
  ): Promise<LightMyRequestResponse>;
  /** Seeds {@link SEED_ROWS} into a new dataset's quarantine and returns its name. */
  seeded(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Boots the platform for a quarantine test file (real Postgres, lake on local disk, no worker). */
export async function startQuarantineTestApi(workspace: string): Promise<QuarantineTestApi> {
  const platform = await startCoreTestPlatform({ worker: false });
  await platform.createWorkspace(workspace);
  const engineer = await platform.createMember({ workspace, role: 'engineer' });
  const viewer = await platform.createMember({ workspace, role: 'viewer' });
  return {
    platform,
    workspace,
    engineer,
    viewer,
    call: (method, dataset, path, body, token) =>
      platform.inject({
        method,
        url: `/api/v1/workspaces/${workspace}/datasets/${dataset.replace('.', '/')}/quarantine${path}`,
        ...(body === undefined ? {} : { payload: body }),
        ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
      }),
    seeded: async (name) => {
      await seedQuarantine(platform.platform.lake, workspace, name);
      return name;
    },
    close: () => platform.close(),
  };
}
