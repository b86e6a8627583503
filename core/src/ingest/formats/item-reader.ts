// Minimal first version written by the lead to unblock integration; the formats helper replaces it.
import { UserError, type DiscoveredColumn } from '@assay/sdk';
import { literal, quote } from '../../engine/dataset-view.ts';
import {
  REJECTS_TABLE,
  type DataItem,
  type ItemReader,
  type ItemRelation,
  type TargetColumn,
} from './item-relation.ts';

let counter = 0;

export function createItemReader(): ItemReader {
  return {
    async describe(connection, item) {
      if (item.kind === 'file' && item.columns !== undefined) return [...item.columns];
      const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${scan(item, undefined)}`);
      return reader.getRowObjectsJson().map((row) => ({
        name: String(row.column_name),
        type: String(row.column_type),
        nullable: true,
      }));
    },
    async open(connection, item, columns) {
      const id = ++counter;
      if (item.kind === 'file' && item.format === 'csv') {
        const rejects = `rejects_${id}`;
        const scans = `rejects_scan_${id}`;
        const sql = `SELECT ${columns.map((c) => quote(c.name)).join(', ')} FROM ${scan(item, columns, { rejects, scans })}`;
        return {
          sql,
          async finish() {
            const result = await connection.run(
              `INSERT INTO ${REJECTS_TABLE} SELECT ${literal(item.source)}, line, column_name, upper(replace(error_type, ' ', '_')), error_message, csv_line FROM ${rejects}`,
            );
            return { rejected: Number(result.rowsChanged) };
          },
          async release() {
            await connection.run(`DROP TABLE IF EXISTS ${rejects}`);
            await connection.run(`DROP TABLE IF EXISTS ${scans}`);
          },
        } satisfies ItemRelation;
      }
      const select = columns.map((c) => `TRY_CAST(${quote(c.name)} AS ${c.type}) AS ${quote(c.name)}`).join(', ');
      return {
        sql: `SELECT ${select} FROM ${scan(item, undefined)}`,
        finish: async () => ({ rejected: 0 }),
        release: async () => undefined,
      };
    },
  };
}

function scan(
  item: DataItem,
  columns: readonly TargetColumn[] | undefined,
  rejects?: { rejects: string; scans: string },
): string {
  if (item.kind !== 'file') throw new UserError('batches are not supported yet', { code: 'INGEST_FORMAT_UNSUPPORTED' });
  const path = literal(item.path);
  switch (item.format) {
    case 'csv': {
      const options = [
        `header = ${item.options?.csv?.header ?? true}`,
        ...(columns === undefined
          ? []
          : [`columns = {${columns.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(', ')}}`]),
        ...(rejects === undefined
          ? []
          : [
              'store_rejects = true',
              `rejects_table = ${literal(rejects.rejects)}`,
              `rejects_scan = ${literal(rejects.scans)}`,
            ]),
      ];
      return `read_csv(${path}, ${options.join(', ')})`;
    }
    case 'parquet':
      return `read_parquet(${path})`;
    case 'ndjson':
      return `read_json(${path}, format = 'newline_delimited')`;
    case 'json':
      return `read_json(${path})`;
    default:
      throw new UserError(`format ${item.format} is not supported yet`, { code: 'INGEST_FORMAT_UNSUPPORTED' });
  }
}

export type { DiscoveredColumn };
