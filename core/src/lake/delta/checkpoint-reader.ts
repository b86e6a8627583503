import type { DuckDBConnection } from '@duckdb/node-api';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { corrupt, parseAction } from './delta-actions.ts';
import type { DeltaAction } from './delta-actions.ts';
import type { CheckpointFiles } from './delta-log-listing.ts';
import { localFileFor } from './local-file.ts';
import type { LocalFile } from './local-file.ts';

const ACTION_COLUMNS = ['protocol', 'metaData', 'add', 'remove', 'txn'] as const;

/**
 * Reads the actions of a classic checkpoint (single file or all parts of a multi-part one) with DuckDB's
 * `read_parquet`. Only the action columns replay needs are decoded, one JSON value per action.
 */
export async function readCheckpoint(
  storage: LakeStorage,
  checkpoint: CheckpointFiles,
  connection: DuckDBConnection,
): Promise<DeltaAction[]> {
  const where = storage.describe(checkpoint.parts[0]?.path ?? '');
  const locals: LocalFile[] = [];
  try {
    for (const part of checkpoint.parts) locals.push(await localFileFor(storage, part.path));
    const source = `read_parquet([${locals.map((local) => sqlString(local.path)).join(', ')}], union_by_name = true)`;
    let rows: Record<string, unknown>[];
    try {
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      const present = new Set(described.getRowObjectsJson().map((row) => String(row.column_name)));
      const columns = ACTION_COLUMNS.filter((column) => present.has(column));
      if (columns.length === 0) return [];
      const select = columns.map((column) => `to_json("${column}") AS "${column}"`).join(', ');
      const filter = columns.map((column) => `"${column}" IS NOT NULL`).join(' OR ');
      const result = await connection.runAndReadAll(`SELECT ${select} FROM ${source} WHERE ${filter}`);
      rows = result.getRowObjectsJson();
    } catch (error) {
      throw corrupt(where, `the checkpoint cannot be read as Parquet (${(error as Error).message})`, error);
    }
    const actions: DeltaAction[] = [];
    for (const [index, row] of rows.entries()) {
      const entry: Record<string, unknown> = {};
      for (const [column, json] of Object.entries(row)) {
        if (typeof json === 'string') entry[column] = JSON.parse(json);
      }
      const action = parseAction(entry, `${where} row ${index + 1}`);
      if (action !== undefined) actions.push(action);
    }
    return actions;
  } finally {
    await Promise.all(locals.map((local) => local.release()));
  }
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
