import { UserError, type ConnectorContext, type ConnectorState, type ReadItem } from '@assay/sdk';
import { makeData, RecordBatch, Schema, Struct, vectorFromArray } from 'apache-arrow';
import type { Connection as CallbackConnection, RowDataPacket } from 'mysql2';
import type { Connection, FieldPacket } from 'mysql2/promise';
import { connect } from './mysql-client.ts';
import type { MysqlConnection, MysqlStream } from './mysql-config.ts';
import { readError } from './mysql-failure.ts';
import { mappingOf, type ColumnMapping, type MysqlField } from './mysql-types.ts';

/** The SELECT a stream reads before any incremental condition. */
export function baseQuery(streamName: string, config: MysqlStream): string {
  if (config.table !== undefined && config.query !== undefined) {
    throw new UserError('Give either table or query, not both', { code: 'SOURCE_CONFIG_INVALID' });
  }
  if (config.query !== undefined) {
    const query = config.query.trim().replace(/;\s*$/, '');
    if (!/^(select|with)\b/i.test(query)) {
      throw new UserError('query must be a single SELECT', { code: 'SOURCE_CONFIG_INVALID' });
    }
    return query;
  }
  const table = config.table ?? streamName;
  return `SELECT * FROM ${table.split('.').map(quoteIdent).join('.')}`;
}

export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * One read in a consistent-snapshot, read-only transaction: the upper watermark and the rows from one snapshot (see
 * the README for why this is tie-safe), streamed row by row from the server into Arrow batches of `batchRows` rows
 * with backpressure, so memory stays bounded whatever the table's size.
 */
export async function* readStream(
  ctx: ConnectorContext,
  config: MysqlConnection,
  stream: { name: string; config: MysqlStream },
  state: ConnectorState | undefined,
): AsyncGenerator<ReadItem> {
  const settings = stream.config;
  if (settings.mode === 'incremental' && settings.watermark === undefined) {
    throw new UserError('An incremental stream needs a watermark column', { code: 'SOURCE_CONFIG_INVALID' });
  }
  const base = baseQuery(stream.name, settings);
  const connection = await connect(config).catch((error: unknown) => {
    throw readError(error, config);
  });
  const abort = () => connection.destroy();
  ctx.signal.addEventListener('abort', abort, { once: true });
  const source = `mysql://${config.host}:${config.port}/${config.database}/${settings.table ?? stream.name}`;
  let upper: string | null = null;
  const previous = (state as { watermark?: string | null } | undefined)?.watermark ?? null;
  try {
    await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const mappings = (await fieldsOf(connection, base)).map(mappingOf);
    let sql = base;
    const params: unknown[] = [];
    if (settings.mode === 'incremental') {
      const column = quoteIdent(settings.watermark!);
      const [rows] = await connection.query<Array<{ upper: string | null } & RowDataPacket>>(
        `SELECT CAST(max(${column}) AS CHAR) AS upper FROM (${base}) AS src`,
      );
      upper = rows[0]?.upper ?? null;
      const conditions = [`${column} <= ?`];
      params.push(upper);
      if (previous !== null) {
        conditions.push(
          settings.lookbackSeconds > 0
            ? `${column} >= (? - INTERVAL ${settings.lookbackSeconds} SECOND)`
            : `${column} >= ?`,
        );
        params.push(previous);
      }
      sql =
        upper === null
          ? `SELECT * FROM (${base}) AS src WHERE false`
          : `SELECT * FROM (${base}) AS src WHERE ${conditions.join(' AND ')}`;
    }
    for await (const batch of batches(connection, sql, params, mappings, settings.batchRows)) {
      yield { kind: 'batch', batch, source };
    }
    await connection.query('COMMIT');
  } catch (error) {
    throw readError(error, config);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    await connection.end().catch(() => connection.destroy());
  }
  yield {
    kind: 'state',
    state: settings.mode === 'incremental' ? { column: settings.watermark!, watermark: upper ?? previous } : {},
  };
}

export async function fieldsOf(connection: Connection, query: string): Promise<MysqlField[]> {
  const [, fields] = await connection.query({ sql: `SELECT * FROM (${query}) AS src LIMIT 0` });
  return (fields as FieldPacket[]).map((f) => f as unknown as MysqlField);
}

/** Streams the rows (the driver's row stream, paused while a batch is handed over) into Arrow batches. */
async function* batches(
  connection: Connection,
  sql: string,
  params: unknown[],
  mappings: readonly ColumnMapping[],
  batchRows: number,
): AsyncGenerator<RecordBatch> {
  // The promise wrapper has no row stream; its underlying callback connection does.
  const core = (connection as unknown as { connection: CallbackConnection }).connection;
  const rows = core.query({ sql, values: params, rowsAsArray: true }).stream({ highWaterMark: batchRows });
  let columns: unknown[][] = mappings.map(() => []);
  let count = 0;
  for await (const row of rows as AsyncIterable<unknown[]>) {
    for (let i = 0; i < mappings.length; i++) {
      const value = row[i];
      columns[i]!.push(value === null || value === undefined ? null : mappings[i]!.convert(value));
    }
    if (++count === batchRows) {
      yield toBatch(mappings, columns);
      columns = mappings.map(() => []);
      count = 0;
    }
  }
  if (count > 0) yield toBatch(mappings, columns);
}

function toBatch(mappings: readonly ColumnMapping[], columns: unknown[][]): RecordBatch {
  const schema = new Schema(mappings.map((m) => m.field));
  const vectors = mappings.map((m, i) => vectorFromArray(columns[i]!, m.field.type));
  const data = makeData({
    type: new Struct(schema.fields),
    length: columns[0]?.length ?? 0,
    children: vectors.map((v) => v.data[0]!),
  });
  return new RecordBatch(schema, data);
}
