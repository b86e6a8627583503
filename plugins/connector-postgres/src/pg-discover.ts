import type { DiscoveredStream } from '@assay/sdk';
import { connect, quoteTable } from './pg-client.ts';
import type { PostgresConnection } from './pg-config.ts';
import { readError } from './pg-failure.ts';
import { columnsOf } from './pg-read.ts';
import { isCursorType } from './pg-types.ts';

/** Tables and views of the configured schemas with columns, primary key, cursor candidates, size and a sample. */
export async function discoverStreams(config: PostgresConnection): Promise<DiscoveredStream[]> {
  const client = await connect(config).catch((error: unknown) => {
    throw readError(error, config, '');
  });
  try {
    const tables = await client.query<{ schema: string; name: string; kind: string; estimate: string }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, greatest(c.reltuples, 0)::bigint AS estimate
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname = ANY($1) AND NOT c.relispartition
        ORDER BY 1, 2`,
      [config.schemas],
    );
    const streams: DiscoveredStream[] = [];
    for (const table of tables.rows) {
      const name = `${table.schema}.${table.name}`;
      const columns = await columnsOf(client, `SELECT * FROM ${quoteTable(name)}`);
      const key = await client.query<{ column: string }>(
        `SELECT a.attname AS column FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
        [quoteTable(name)],
      );
      const sample = await client.query(`SELECT row_to_json(t)::text AS row FROM ${quoteTable(name)} t LIMIT 5`);
      streams.push({
        name,
        columns,
        ...(key.rows.length === 0 ? {} : { primaryKey: key.rows.map((r) => r.column) }),
        cursorFields: columns.filter((c) => isCursorType(c.type)).map((c) => c.name),
        sample: sample.rows.map((r: { row: string }) => JSON.parse(r.row) as Record<string, unknown>),
        details: {
          kind: { r: 'table', v: 'view', m: 'materialized view', p: 'partitioned table' }[table.kind],
          estimatedRows: Number(table.estimate),
        },
      });
    }
    return streams;
  } finally {
    await client.end().catch(() => undefined);
  }
}
