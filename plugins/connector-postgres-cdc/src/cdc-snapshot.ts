import { changeLogBatch, type ChangeLogRow, type ReadItem } from '@assay/sdk';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CapturedTable } from './cdc-catalog.ts';
import { connect, quoteIdent, quoteTable } from './cdc-client.ts';
import type { CdcConnection } from './cdc-config.ts';
import { copyRows } from './copy-text.ts';
import { changePosition, lsnValue } from './lsn.ts';
import { imageJson, keyJson } from './row-image.ts';

export const BATCH_ROWS = 10_000;

/**
 * Creates the stream's slot on a replication connection with `EXPORT_SNAPSHOT` and, when `copy` is set, copies the
 * table inside that exported snapshot as op `r` rows. The snapshot is the database exactly at the slot's consistent
 * point: every transaction committed before it is in the copy, every one after it is streamed from the slot, so
 * nothing is lost or doubled between the two. Returns the position just before the consistent point, the first
 * state of the stream.
 */
export async function* createSlotWithSnapshot(
  config: CdcConnection,
  admin: pg.Client,
  slot: string,
  table: CapturedTable,
  copy: boolean,
  signal: AbortSignal,
): AsyncGenerator<ReadItem, bigint> {
  const replication = await connect(config, true);
  let position: bigint;
  let snapshotTime: string;
  try {
    const created = await replication.query<{ consistent_point: string; snapshot_name: string | null }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput ${copy ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`,
    );
    const { consistent_point: consistentPoint, snapshot_name: snapshotName } = created.rows[0]!;
    // A commit record may start exactly at the consistent point; the state must not skip it.
    position = lsnValue(consistentPoint) - 1n;
    if (!copy) return position;
    await admin.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await admin.query(`SET TRANSACTION SNAPSHOT '${snapshotName!.replaceAll("'", "''")}'`);
    snapshotTime = (await admin.query<{ now: Date }>('SELECT now()')).rows[0]!.now.toISOString();
  } finally {
    // The importing transaction holds the snapshot now; the walsender is no longer needed.
    await replication.end().catch(() => undefined);
  }
  try {
    const columns = table.columns.map(quoteIdent).join(', ');
    const stream = admin.query(copyTo(`COPY (SELECT ${columns} FROM ${quoteTable(table.name)}) TO STDOUT`));
    const abort = () => stream.destroy(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    try {
      let rows: ChangeLogRow[] = [];
      let sequence = 0;
      for await (const values of copyRows(stream)) {
        const image = Object.fromEntries(table.columns.map((name, i) => [name, values[i] ?? null]));
        rows.push({
          op: 'r',
          sourcePosition: changePosition(position, ++sequence),
          eventTime: snapshotTime,
          sourceTable: table.name,
          txId: null,
          key: keyJson(table.keyColumns, image),
          before: null,
          after: imageJson(image),
        });
        if (rows.length >= BATCH_ROWS) {
          yield { kind: 'batch', batch: changeLogBatch(rows), source: sourceOf(config, table.name) };
          rows = [];
        }
      }
      if (rows.length > 0) yield { kind: 'batch', batch: changeLogBatch(rows), source: sourceOf(config, table.name) };
    } finally {
      signal.removeEventListener('abort', abort);
    }
    await admin.query('COMMIT');
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return position;
}

export function sourceOf(config: CdcConnection, table: string): string {
  return `postgres-cdc://${config.host}:${config.port}/${config.database}/${table}`;
}
