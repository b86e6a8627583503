import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OperationalError, UserError, type ConnectorContext, type ConnectorState, type ReadItem } from '@assay/sdk';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { connect } from './pg-client.ts';
import type { PostgresConnection, PostgresStream } from './pg-config.ts';
import { readError } from './pg-failure.ts';
import { baseQuery, incrementalQuery, upperBoundQuery, type IncrementalState } from './pg-stream-query.ts';
import { duckdbTypeOf } from './pg-types.ts';

/**
 * One read of a stream: in a REPEATABLE READ, READ ONLY transaction (one snapshot for the bounds and the rows) the
 * rows go through `COPY (…) TO STDOUT (FORMAT csv)` straight into a file — no row becomes a JS object — which is
 * handed over with the column types from the catalog, then the new watermark.
 */
export async function* readStream(
  ctx: ConnectorContext,
  config: PostgresConnection,
  stream: { name: string; config: PostgresStream },
  state: ConnectorState | undefined,
): AsyncGenerator<ReadItem> {
  const settings = stream.config;
  if (settings.mode === 'incremental' && settings.watermark === undefined) {
    throw new UserError('An incremental stream needs a watermark column', { code: 'SOURCE_CONFIG_INVALID' });
  }
  const base = baseQuery(stream.name, settings);
  const client = await connect(config).catch((error: unknown) => {
    throw readError(error, config, base);
  });
  const abort = () => void client.end().catch(() => undefined);
  ctx.signal.addEventListener('abort', abort, { once: true });
  const file = join(ctx.workDir, `${stream.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.csv`);
  let sql = base;
  let upper: string | null = null;
  let columns: Array<{ name: string; type: string; nullable: boolean }>;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    columns = await columnsOf(client, base);
    if (settings.mode === 'incremental') {
      upper = (await client.query<{ upper: string | null }>(upperBoundQuery(base, settings))).rows[0]?.upper ?? null;
      const query = incrementalQuery(base, settings, state, upper);
      sql = inline(client, query.sql, query.params);
    }
    const copy = client.query(copyTo(`COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER true, NULL '\\N')`));
    await pipeline(copy, createWriteStream(file), { signal: ctx.signal });
    await client.query('COMMIT');
  } catch (error) {
    if (ctx.signal.aborted) {
      throw new OperationalError('The read was cancelled', { code: 'CANCELLED', cause: error });
    }
    throw readError(error, config, sql);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
  yield {
    kind: 'file',
    path: file,
    format: 'csv',
    // COPY writes NULL as \N and an empty string as "": they must not be read as the same thing.
    options: { csv: { header: true, delimiter: ',', quote: '"', escape: '"', nullString: '\\N' } },
    source: `postgres://${config.host}:${config.port}/${config.database}/${settings.table ?? stream.name}`,
    columns,
  };
  if (settings.mode === 'incremental') {
    const previous = (state as IncrementalState | undefined)?.watermark ?? null;
    yield { kind: 'state', state: { column: settings.watermark!, watermark: upper ?? previous } };
  } else {
    yield { kind: 'state', state: {} };
  }
}

/** The result columns of a query with their DuckDB types, from the row description of a zero-row run. */
export async function columnsOf(
  client: pg.Client,
  query: string,
): Promise<Array<{ name: string; type: string; nullable: boolean }>> {
  const result = await client.query(`SELECT * FROM (${query}) AS src LIMIT 0`);
  return result.fields.map((field) => ({
    name: field.name,
    type: duckdbTypeOf(field.dataTypeID, field.dataTypeModifier),
    nullable: true,
  }));
}

/** Parameters written into the statement as literals: COPY takes no bind parameters. */
function inline(client: pg.Client, sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, index: string) => client.escapeLiteral(String(params[Number(index) - 1])));
}
