// Test kit for connector plugins: a real ConnectorContext and the real item readers, so a connector's tests see
// its files and batches exactly as the ingest engine will.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorState,
  DiscoveredColumn,
  ReadItem,
  TObject,
} from '@assay/sdk';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pino from 'pino';
import { createItemReader } from '../ingest/formats/item-reader.ts';
import { REJECTS_TABLE, REJECTS_TABLE_DDL, type DataItem } from '../ingest/formats/item-relation.ts';
import { readFailure } from '../ingest/formats/read-errors.ts';
import { sampleItem } from '../ingest/formats/sample-item.ts';
import { loadSnapshot } from '../lake/delta/snapshot.ts';
import { snapshotSelectSql } from '../lake/delta/snapshot-sql.ts';
import { localDataFiles } from '../lake/snapshot-files.ts';
import { createLocalStorage } from '../lake/storage/local-storage.ts';

/** A connector context with a fresh work directory; `dispose()` removes it. */
export async function createConnectorContext(
  options: { signal?: AbortSignal; uploadsDir?: string; pluginConfig?: unknown } = {},
): Promise<ConnectorContext & { dispose(): Promise<void> }> {
  const workDir = await mkdtemp(join(tmpdir(), 'assay-connector-'));
  return {
    log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    signal: options.signal ?? new AbortController().signal,
    workDir,
    uploadsDir: options.uploadsDir ?? join(workDir, '.uploads'),
    pluginConfig: options.pluginConfig ?? {},
    describeFile: (file) => describeItem({ kind: 'file', source: file.path, ...file }),
    sampleFile: (file, rows = 5) =>
      withConnection((connection) =>
        sampleItem(createItemReader(), connection, { kind: 'file', source: file.path, ...file }, rows),
      ),
    dispose: () => rm(workDir, { recursive: true, force: true }),
  };
}

/** Everything one read yields; after each `state` item the read is resumed as if the state had been committed. */
export async function readAll<C extends TObject, S extends TObject>(
  connector: ConnectorDefinition<C, S>,
  ctx: ConnectorContext,
  config: unknown,
  stream: { name: string; config?: unknown },
  state?: ConnectorState,
): Promise<{ items: ReadItem[]; state: ConnectorState | undefined }> {
  const items: ReadItem[] = [];
  let last = state;
  for await (const item of connector.read(
    ctx,
    config as never,
    { name: stream.name, config: (stream.config ?? {}) as never },
    state,
  )) {
    items.push(item);
    if (item.kind === 'state') last = item.state;
  }
  return { items, state: last };
}

/** The columns core's readers see in a file or batch. */
export async function describeItem(item: DataItem): Promise<DiscoveredColumn[]> {
  return withConnection((connection) => createItemReader().describe(connection, item));
}

/**
 * Loads a file or batch through the real readers with its described columns and types (or `columns` when given),
 * returning the rows that loaded (JSON-safe) and the rows the readers rejected.
 */
export async function itemRows(
  item: DataItem,
  columns?: ReadonlyArray<{ name: string; type: string }>,
): Promise<{ rows: Record<string, unknown>[]; rejects: Record<string, unknown>[] }> {
  return withConnection(async (connection) => {
    const reader = createItemReader();
    await connection.run(REJECTS_TABLE_DDL);
    const target = columns ?? (await reader.describe(connection, item));
    const relation = await reader.open(connection, item, target);
    try {
      let rows: Record<string, unknown>[];
      try {
        rows = (await connection.runAndReadAll(relation.sql)).getRowObjectsJson() as Record<string, unknown>[];
        await relation.finish();
      } catch (error) {
        throw readFailure(item, error);
      }
      const rejects = (
        await connection.runAndReadAll(`SELECT * FROM ${REJECTS_TABLE} ORDER BY line`)
      ).getRowObjectsJson() as Record<string, unknown>[];
      return { rows, rejects };
    } finally {
      await relation.release();
    }
  });
}

async function withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Runs `select` over a dataset of a test platform's local lake, the dataset's latest snapshot being the relation
 * `t` (e.g. `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM t`), and returns the rows (JSON-safe).
 */
export async function queryDataset(
  platform: { home: string },
  workspace: string,
  dataset: string,
  select: string,
): Promise<Record<string, unknown>[]> {
  const [layer, name] = dataset.split('.');
  const storage = createLocalStorage(join(platform.home, 'lake'));
  return withConnection(async (connection) => {
    const snapshot = await loadSnapshot(storage, { tablePath: `${workspace}/${layer}/${name}`, connection });
    const files = await localDataFiles(snapshot);
    const relation = snapshotSelectSql(snapshot, (path) => files.get(path)!);
    const reader = await connection.runAndReadAll(`WITH t AS (${relation}) ${select}`);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  });
}
