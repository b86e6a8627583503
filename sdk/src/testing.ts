import type { CheckDefinition } from './check.ts';
import type { Knex } from 'knex';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { ConnectorContext, ConnectorDefinition, ConnectorState, DiscoveredColumn, ReadItem } from './connector.ts';
import type { OperatorDefinition } from './operator.ts';
import type { Plugin } from './plugin.ts';
import type { TObject } from './schema.ts';
import type { ServiceRef } from './service-ref.ts';

/** A running platform for tests. */
export interface TestPlatform {
  /**
   * Sends a request through the full HTTP stack without a socket, as a platform admin (who may do anything in
   * any workspace) unless the request carries its own `authorization` or `cookie` header.
   */
  inject(options: InjectOptions | string): Promise<LightMyRequestResponse>;
  /** Sends a request without credentials. */
  injectAnonymous(options: InjectOptions | string): Promise<LightMyRequestResponse>;
  /** Creates a workspace (the platform admin is its admin). */
  createWorkspace(slug: string): Promise<void>;
  /**
   * Creates a user holding `role` in `workspace` and an API token for it; send the token as
   * `authorization: Bearer <token>` to act as that user.
   */
  createMember(input: { workspace: string; role: string; email?: string }): Promise<{ userId: string; token: string }>;
  /** A root service instance, e.g. `platform.get(coreServices.database)`. */
  get<T>(ref: ServiceRef<T>): T;
  /** The test database's connection string (a fresh database for this platform). */
  readonly databaseUrl: string;
  /** The platform's home directory (`ASSAY_HOME`): the lake is `<home>/lake`. */
  readonly home: string;
  readonly db: Knex;
  /** Stops the platform and drops its database. */
  close(): Promise<void>;
}

/** Options of {@link startTestPlatform}. */
export interface TestPlatformOptions {
  /** Plugins to load in addition to the built-in ones, as values made by `definePlugin`. */
  plugins?: readonly Plugin[];
  /** Load built-in plugins found in the installation (default false: only `plugins`). */
  builtins?: boolean;
  /** `pluginConfig` section of `assay.yaml`. */
  pluginConfig?: Record<string, unknown>;
  /** Work queue jobs in this process (default true). */
  worker?: boolean;
}

/**
 * Boots the real core with the given plugins against a real PostgreSQL: `TEST_DATABASE_URL` when set (a fresh
 * database is created and dropped per platform), or the embedded server `npm test` starts.
 *
 * @example
 * ```ts
 * import { after, test } from 'node:test';
 * import assert from 'node:assert/strict';
 * import { definePlugin, defineOperator, Type } from '@assay/sdk';
 * import { startTestPlatform } from '@assay/sdk/testing';
 *
 * const plugin = definePlugin({
 *   id: 'hello',
 *   platform: '^0.1.0',
 *   operators: [
 *     defineOperator({
 *       type: 'hello', version: 1, title: 'Hello', category: 'utility',
 *       config: Type.Object({}),
 *       async run() { return {}; },
 *     }),
 *   ],
 * });
 *
 * const platform = await startTestPlatform({ plugins: [plugin] });
 * after(() => platform.close());
 *
 * test('lists my operator', async () => {
 *   const res = await platform.inject('/api/v1/operators');
 *   assert.equal(res.statusCode, 200);
 * });
 * ```
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const core = await coreModule<{ startTestPlatform(options: TestPlatformOptions): Promise<TestPlatform> }>(
    'test-platform',
  );
  return core.startTestPlatform(options);
}

/**
 * Loads a test module of `@assay/core` at run time: core depends on the sdk, so the sdk cannot depend on core at
 * build time. Plugin packages list `@assay/core` as a dev dependency and import only the sdk.
 */
async function coreModule<T>(name: string): Promise<T> {
  const specifier = `@assay/core/${name}`;
  return (await import(specifier)) as T;
}

/** A file or batch a connector yields, as core's readers take it. */
export type TestDataItem = Exclude<ReadItem, { kind: 'state' }>;

/** A real connector context over a temporary work directory; `dispose()` removes it. */
export function createConnectorContext(
  options: { signal?: AbortSignal; uploadsDir?: string; pluginConfig?: unknown } = {},
): Promise<ConnectorContext & { dispose(): Promise<void> }> {
  return coreModule<{ createConnectorContext: typeof createConnectorContext }>('connector-testing').then((core) =>
    core.createConnectorContext(options),
  );
}

/** Reads a whole stream: every item the connector yields, and the last state. */
export async function readAll<C extends TObject, S extends TObject>(
  connector: ConnectorDefinition<C, S>,
  ctx: ConnectorContext,
  config: unknown,
  stream: { name: string; config?: unknown },
  state?: ConnectorState,
): Promise<{ items: ReadItem[]; state: ConnectorState | undefined }> {
  const core = await coreModule<{ readAll: typeof readAll }>('connector-testing');
  return core.readAll(connector, ctx, config, stream, state);
}

/** An item's rows and rejected lines as core's readers (the ingest engine's) see them. */
export async function itemRows(
  item: TestDataItem,
  columns?: ReadonlyArray<{ name: string; type: string }>,
): Promise<{ rows: Record<string, unknown>[]; rejects: Record<string, unknown>[] }> {
  const core = await coreModule<{ itemRows: typeof itemRows }>('connector-testing');
  return core.itemRows(item, columns);
}

/** An item's columns as core's readers see them. */
export async function describeItem(item: TestDataItem): Promise<DiscoveredColumn[]> {
  const core = await coreModule<{ describeItem: typeof describeItem }>('connector-testing');
  return core.describeItem(item);
}

/** Runs `select` over the latest version of a dataset of a test platform's lake, the table named `t`. */
export async function queryDataset(
  platform: Pick<TestPlatform, 'home'>,
  workspace: string,
  dataset: string,
  select: string,
): Promise<Record<string, unknown>[]> {
  const core = await coreModule<{ queryDataset: typeof queryDataset }>('connector-testing');
  return core.queryDataset(platform, workspace, dataset, select);
}

/** A private PostgreSQL server (e.g. with `wal_level=logical`) for tests that need server settings of their own. */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  settings?: Readonly<Record<string, string>>;
}): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const core = await coreModule<{ startEmbeddedPostgres: typeof startEmbeddedPostgres }>('embedded-postgres');
  return core.startEmbeddedPostgres(options);
}

/** One job of an operator test. */
export interface TestJob {
  readonly operator: OperatorDefinition;
  readonly id?: string;
  readonly config?: Record<string, unknown>;
  readonly inputs?: readonly string[];
  readonly output?: string;
  /** As a pipeline job declares them: the partition column, and which inputs a partition run narrows. */
  readonly partitions?: { readonly column: string; readonly inputs?: Readonly<Record<string, string>> };
}

/** Facts of the run a test job runs in; fresh ones by default. */
export interface TestRun {
  readonly runSequence?: number;
  readonly attempt?: number;
  readonly runId?: string;
  readonly signal?: AbortSignal;
  readonly actor?: string;
  readonly trigger?: string;
  /** Runs the job for one partition, as a backfill does: `{ key: '2026-03-01', start: '2026-03-01', end: '2026-03-02' }`. */
  readonly partition?: { readonly key: string; readonly start: string; readonly end: string };
}

/** What one job attempt did. */
export interface TestJobResult {
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsUpdated: number;
  readonly rowsDeleted: number;
  readonly rowsQuarantined: number;
  readonly deltaVersion?: number;
  /** True when an earlier attempt of the same run had committed: nothing was written again. */
  readonly skipped: boolean;
  readonly inputVersions: Record<string, number>;
  readonly metrics: Record<string, number>;
}

/** Core's real job executor over a fresh database and lake, for operator tests. */
export interface JobTestKit {
  readonly workspace: string;
  /** Writes the rows of a plain DuckDB `select` to a dataset (fixture inputs); returns the new version. */
  writeDataset(
    dataset: string,
    select: string,
    options?: { mode?: 'append' | 'overwrite'; partitionBy?: string[] },
  ): Promise<number>;
  /** A dataset's rows (the latest version by default), in no particular order. */
  rows(dataset: string, version?: number): Promise<Record<string, unknown>[]>;
  /** The dataset's latest version; undefined when it does not exist. */
  version(dataset: string): Promise<number | undefined>;
  /**
   * The dataset's quarantined rows (empty when none), as `{ rule, reason, column, row }` with `row` the original
   * row parsed from JSON, in no particular order.
   */
  quarantined(
    dataset: string,
  ): Promise<Array<{ rule: string; reason: string; column: string | null; row: Record<string, unknown> }>>;
  /** The latest version's partition columns and number of data files. */
  layout(dataset: string): Promise<{ partitionColumns: string[]; files: number }>;
  /** Runs one attempt of `job` through the real executor. */
  runJob(job: TestJob, run?: TestRun): Promise<TestJobResult>;
  close(): Promise<void>;
}

/** Starts a {@link JobTestKit}: real PostgreSQL (as {@link startTestPlatform}), DuckDB and a local lake. */
export async function createJobTestKit(options: { workspace?: string } = {}): Promise<JobTestKit> {
  const core = await coreModule<{ createJobTestKit: typeof createJobTestKit }>('job-testing');
  return core.createJobTestKit(options);
}

/** Rows in a canonical order (by their JSON, keys sorted), so two results compare as multisets. */
export function sortedRows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const canonical = (row: Record<string, unknown>) =>
    JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  return [...rows].sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
}

/** A check of a check-type test: the definition, its config, and the job-level `where` and `mostly`. */
export interface TestCheck {
  readonly id?: string;
  readonly definition: Pick<CheckDefinition, 'type' | 'compile'>;
  readonly config: Record<string, unknown>;
  readonly where?: string;
  readonly mostly?: number;
}

/** What one check found, as the pipeline runner reports it. */
export interface TestCheckResult {
  readonly id: string;
  readonly type: string;
  readonly kind: 'row' | 'aggregate';
  readonly passed: boolean;
  readonly checked: number;
  readonly failing: number;
  readonly failingPercent: number;
  readonly observed: number | null;
  readonly sample: Record<string, unknown>[];
  /** An explanation: schema mismatches, `insufficient history: 2 of 4 observations on a Monday`, a change in %. */
  readonly note?: string;
  /** Checks judged against history: the value compared with (previous, rolling or seasonal median), or null. */
  readonly baseline?: number | null;
}

/** Options of {@link evaluateChecks}. */
export interface TestCheckOptions {
  /** Failing rows kept per row check (default 10). */
  sampleSize?: number;
  /**
   * Earlier observations of each history-based check, by check id (`check_1`, `check_2`... for checks without an
   * id), oldest first, as the runner reads them from earlier runs' results.
   */
  history?: Readonly<Record<string, ReadonlyArray<{ readonly observed: number; readonly at: Date }>>>;
  /** The time of this observation (freshness lag, weekday seasonality); now by default. */
  now?: Date;
}

/**
 * Evaluates checks with core's evaluator, for check-type tests: `datasets` (`layer.name` → a DuckDB SELECT of
 * fixture rows) become sandboxed views, and the checks run against `target` (row checks in one pass), at
 * `options.now` and with `options.history` as the earlier observations.
 */
export async function evaluateChecks(
  datasets: Readonly<Record<string, string>>,
  target: string,
  checks: readonly TestCheck[],
  options: TestCheckOptions = {},
): Promise<TestCheckResult[]> {
  const core = await coreModule<{
    evaluateTestChecks: (...args: Parameters<typeof evaluateChecks>) => Promise<TestCheckResult[]>;
  }>('check-testing');
  return core.evaluateTestChecks(datasets, target, checks, options);
}
