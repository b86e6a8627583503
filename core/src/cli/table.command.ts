import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../engine/dataset-view.ts';
import { engineError } from '../engine/engine-errors.ts';
import { readHistory } from '../lake/delta/table-history.ts';
import { loadSnapshot, type DeltaSnapshot } from '../lake/delta/snapshot.ts';
import { snapshotSelectSql } from '../lake/delta/snapshot-sql.ts';
import { localDataFiles } from '../lake/snapshot-files.ts';
import { resolveTableLocation, type TableLocation } from '../lake/table-location.ts';
import type { AssayConfig } from '../config/config.schema.ts';
import { openDatabase } from '../database/open-database.ts';
import { WorkspaceStore } from '../workspaces/workspace-store.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { databaseNotMigrated } from './database-not-migrated.ts';
import { cliLogger } from './platform-session.ts';
import { printTable } from './print-table.ts';
import { requireWorkspace } from './require-workspace.ts';

export const tableUsage = `assay table info|history|read <path | s3://bucket/path | layer.name> [options]
      Inspects any Delta table (also one Spark or Databricks wrote): --version N | --timestamp T, --json,
      history --limit N, read --limit N [--out file.parquet], --workspace <ws> for layer.name (which needs the
      database, to check that the workspace exists).`;

/**
 * `assay table info|history|read`: inspect a Delta table without starting the server. A path or `s3://` location
 * needs nothing else; a dataset name (`layer.name`) is looked up in an existing workspace.
 */
export async function tableCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      version: { type: 'string' },
      timestamp: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      workspace: { type: 'string', default: 'default' },
    },
  });
  const [action, target] = positionals;
  if (!['info', 'history', 'read'].includes(action ?? '') || target === undefined || positionals.length > 2) {
    throw new InputError(`Usage: ${tableUsage}`, { code: 'USAGE' });
  }
  const config = configFor(values);
  const location = resolveTableLocation(target, {
    lake: config.lake,
    workspace: values.workspace,
    s3: config.s3,
    cacheDirectory: join(config.home, 'cache'),
    cacheMaxBytes: config.engine.cacheGb * 1024 ** 3,
    env: process.env,
  });
  if (location.workspace !== undefined) await assertWorkspace(config, location.workspace);
  const limit = values.limit === undefined ? undefined : positiveInteger('--limit', values.limit);
  if (action === 'history') return history(location, values.json, limit);
  const snapshot = await loadSnapshot(location.storage, {
    tablePath: location.tablePath,
    ...(values.version === undefined ? {} : { version: positiveInteger('--version', values.version, 0) }),
    ...(values.timestamp === undefined ? {} : { timestamp: timestampOf(values.timestamp) }),
  });
  if (action === 'info') return info(snapshot, values.json);
  return read(snapshot, {
    json: values.json,
    limit: limit ?? (values.out === undefined ? 20 : undefined),
    out: values.out,
  });
}

/** A dataset name reads from a workspace's part of the lake: the workspace must exist, as for every command. */
async function assertWorkspace(config: AssayConfig, workspace: string): Promise<void> {
  const database = await openDatabase(config, cliLogger(config));
  try {
    await requireWorkspace(new WorkspaceStore(database.db), workspace);
  } catch (error) {
    throw databaseNotMigrated(error, 'workspace') ?? error;
  } finally {
    await database.close();
  }
}

function info(snapshot: DeltaSnapshot, json: boolean): number {
  const rows = snapshot.files.every((f) => f.stats?.numRecords !== undefined)
    ? snapshot.files.reduce((sum, f) => sum + (f.stats?.numRecords ?? 0), 0)
    : undefined;
  const summary = {
    table: snapshot.storage.describe(snapshot.tableRoot),
    version: snapshot.version,
    timestamp: new Date(snapshot.timestamp).toISOString(),
    protocol: snapshot.protocol,
    partitionColumns: snapshot.partitionColumns,
    files: snapshot.files.length,
    bytes: snapshot.files.reduce((sum, f) => sum + f.size, 0),
    rows,
    schema: snapshot.schema.fields.map((f) => ({
      name: f.name,
      type: typeof f.type === 'string' ? f.type : JSON.stringify(f.type),
      nullable: f.nullable,
    })),
  };
  if (json) {
    console.log(JSON.stringify(summary));
    return 0;
  }
  console.log(`Table       ${summary.table}`);
  console.log(`Version     ${summary.version} (${summary.timestamp})`);
  console.log(`Protocol    reader ${summary.protocol.minReaderVersion}, writer ${summary.protocol.minWriterVersion}`);
  console.log(`Partitions  ${summary.partitionColumns.join(', ') || '(none)'}`);
  console.log(`Files       ${summary.files} (${summary.bytes} bytes)`);
  console.log(`Rows        ${rows ?? 'unknown (files without statistics)'}`);
  printTable(summary.schema.map((c) => ({ column: c.name, type: c.type, nullable: c.nullable })));
  return 0;
}

async function history(location: TableLocation, json: boolean, limit: number | undefined): Promise<number> {
  const entries = await readHistory(location.storage, { tablePath: location.tablePath, limit: limit ?? 20 });
  if (json) {
    for (const entry of entries) console.log(JSON.stringify(entry));
    return 0;
  }
  printTable(
    entries.map((e) => ({
      version: e.version,
      timestamp: new Date(e.timestamp).toISOString(),
      operation: e.operation ?? '',
      added: e.added,
      removed: e.removed,
      user: e.user ?? '',
    })),
  );
  return 0;
}

/** Streams rows through DuckDB: NDJSON, a Parquet file, or a readable table of the first rows. */
async function read(
  snapshot: DeltaSnapshot,
  options: { json: boolean; limit: number | undefined; out: string | undefined },
): Promise<number> {
  const files = await localDataFiles(snapshot);
  const select = snapshotSelectSql(snapshot, (path) => files.get(path)!);
  const sql = `SELECT * FROM (${select})${options.limit === undefined ? '' : ` LIMIT ${options.limit}`}`;
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const rows: Record<string, unknown>[] = [];
  try {
    if (options.out !== undefined) {
      const result = await connection.run(`COPY (${sql}) TO ${literal(resolve(options.out))} (FORMAT parquet)`);
      console.log(`Wrote ${result.rowsChanged} rows of version ${snapshot.version} to ${resolve(options.out)}`);
      return 0;
    }
    const stream = await connection.stream(sql);
    for await (const chunk of stream.yieldRowObjectJson()) {
      if (options.json) for (const row of chunk) console.log(JSON.stringify(row));
      else rows.push(...chunk);
    }
  } catch (error) {
    throw engineError(error, undefined);
  }
  if (!options.json)
    printTable(
      rows,
      snapshot.schema.fields.map((f) => f.name),
    );
  return 0;
}

function positiveInteger(flag: string, value: string, minimum = 1): number {
  if (!/^\d+$/.test(value) || Number(value) < minimum) {
    throw new InputError(`${flag} must be an integer of at least ${minimum}, got "${value}"`, { code: 'USAGE' });
  }
  return Number(value);
}

function timestampOf(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new InputError(`--timestamp must be an ISO date-time or epoch milliseconds, got "${value}"`, {
      code: 'USAGE',
    });
  }
  return parsed;
}
