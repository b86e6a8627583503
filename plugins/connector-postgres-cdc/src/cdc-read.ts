import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  CHANGE_LOG_COLUMNS,
  changeLogBatch,
  rowJson,
  UserError,
  type ChangeLogRow,
  type ConnectorContext,
  type ConnectorState,
  type ReadItem,
} from '@assay/sdk';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { clientConfig, connect, namesOf, quoteTable, readError } from './cdc-client.ts';
import type { CdcConnection, CdcStream } from './cdc-config.ts';
import { changePosition, lsnAfter, lsnKey } from './lsn.ts';

const BATCH_ROWS = 10_000;

/**
 * One load of a table's changes. The first load (or a re-snapshot) creates the slot with an exported snapshot and
 * copies the table as it was at the slot's consistent point (op `r`), so nothing between the copy and the stream
 * is lost or doubled. Every load then streams from the committed LSN until idle, and only after the ingest engine
 * has committed the changes and the new LSN does it advance the slot: a crash before that commit replays the
 * changes (nothing lost), one after it skips them by LSN (nothing doubled).
 */
export async function* readChanges(
  ctx: ConnectorContext,
  config: CdcConnection,
  stream: { name: string; config: CdcStream },
  state: ConnectorState | undefined,
): AsyncGenerator<ReadItem> {
  const table = stream.config.table ?? stream.name;
  const { slot, publication } = namesOf(config, table);
  const admin = await connect(config).catch((error: unknown) => {
    throw readError(error, config);
  });
  let committed = state?.lsn as string | undefined;
  let keyColumns: string[];
  try {
    await ensurePublication(admin, publication, table);
    keyColumns = await primaryKeyOf(admin, table);
    const existing = await slotOf(admin, slot);
    if (committed !== undefined && (existing === undefined || existing.walStatus === 'lost')) {
      if (!stream.config.resnapshot) {
        throw new UserError(
          `The replication slot ${slot} of ${table} is ${existing === undefined ? 'gone' : 'invalidated (its WAL was removed)'}: ` +
            'changes after the last load can no longer be read. Load the stream again with resnapshot: true to copy ' +
            'the table afresh',
          { code: 'CDC_SLOT_LOST', details: { slot, table, lsn: committed } },
        );
      }
      committed = undefined;
    }
    if (committed === undefined) {
      if (existing !== undefined) await admin.query('SELECT pg_drop_replication_slot($1)', [slot]);
      const snapshot = await createSlotAndSnapshot(
        ctx,
        config,
        admin,
        slot,
        table,
        stream.config.snapshot === 'initial',
      );
      if (snapshot.file !== undefined) {
        yield {
          kind: 'file',
          path: snapshot.file,
          format: 'csv',
          options: { csv: { header: true, delimiter: ',', quote: '"', escape: '"', nullString: '\\N' } },
          source: `postgres-cdc://${config.host}/${config.database}/${table}@snapshot`,
          columns: CHANGE_LOG_COLUMNS,
          landed: true,
        };
      }
      committed = snapshot.lsn;
      yield { kind: 'state', state: { lsn: committed } };
    }
  } catch (error) {
    throw readError(error, config);
  } finally {
    await admin.end().catch(() => undefined);
  }

  const changes = await collectChanges(config, slot, publication, committed, stream.config, ctx.signal, keyColumns);
  for (let i = 0; i < changes.rows.length; i += BATCH_ROWS) {
    yield {
      kind: 'batch',
      batch: changeLogBatch(changes.rows.slice(i, i + BATCH_ROWS)),
      source: `postgres-cdc://${config.host}/${config.database}/${table}`,
    };
  }
  if (changes.lastLsn === undefined || !lsnAfter(changes.lastLsn, committed)) return;
  yield { kind: 'state', state: { lsn: changes.lastLsn } };
  // Reached only once the ingest engine has committed the changes and this LSN.
  await advanceSlot(config, slot, changes.lastLsn);
}

/** The table's primary key columns (empty without one), which identify a row in the `key` column. */
async function primaryKeyOf(admin: pg.Client, table: string): Promise<string[]> {
  const keys = await admin.query<{ column: string }>(
    `SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [quoteTable(table)],
  );
  return keys.rows.map((k) => k.column);
}

async function ensurePublication(admin: pg.Client, publication: string, table: string): Promise<void> {
  const found = await admin.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (found.rowCount === 0) await admin.query(`CREATE PUBLICATION "${publication}" FOR TABLE ${quoteTable(table)}`);
}

async function slotOf(admin: pg.Client, slot: string): Promise<{ walStatus: string | null } | undefined> {
  const result = await admin.query<{ wal_status: string | null }>(
    'SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  return result.rows[0] === undefined ? undefined : { walStatus: result.rows[0].wal_status };
}

/** Creates the slot exporting a snapshot and, if asked, copies the table in that snapshot into a change-log file. */
async function createSlotAndSnapshot(
  ctx: ConnectorContext,
  config: CdcConnection,
  admin: pg.Client,
  slot: string,
  table: string,
  copy: boolean,
): Promise<{ lsn: string; file?: string }> {
  const replication = await connect(config, true);
  try {
    const created = await replication.query<{ consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT "${slot}" LOGICAL pgoutput EXPORT_SNAPSHOT`,
    );
    const { consistent_point: lsn, snapshot_name: snapshotName } = created.rows[0]!;
    if (!copy) return { lsn };
    const keys = await primaryKeyOf(admin, table);
    const key =
      keys.length === 0
        ? 'NULL::text'
        : `json_build_object(${keys.map((k) => `'${k.replaceAll("'", "''")}', t."${k.replaceAll('"', '""')}"`).join(', ')})::text`;
    const file = join(ctx.workDir, 'snapshot.csv');
    await admin.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await admin.query(`SET TRANSACTION SNAPSHOT '${snapshotName.replaceAll("'", "''")}'`);
    const select =
      `SELECT 'r' AS op, '${changePosition(lsn, 0)}' AS source_position, now() AS event_time, ` +
      `'${table.replaceAll("'", "''")}' AS source_table, NULL::text AS tx_id, ${key} AS key, NULL::text AS before, ` +
      `row_to_json(t)::text AS after FROM ${quoteTable(table)} AS t`;
    await pipeline(
      admin.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true, NULL '\\N')`)),
      createWriteStream(file),
      { signal: ctx.signal },
    );
    await admin.query('COMMIT');
    return { lsn, file };
  } finally {
    await replication.end().catch(() => undefined);
  }
}

/** Streams the slot from `from` until no change came for `idleMs` (or `maxChanges`), whole transactions only. */
async function collectChanges(
  config: CdcConnection,
  slot: string,
  publication: string,
  from: string,
  settings: CdcStream,
  signal: AbortSignal,
  primaryKey: readonly string[],
): Promise<{ rows: ChangeLogRow[]; lastLsn: string | undefined }> {
  const service = new LogicalReplicationService(clientConfig(config), {
    acknowledge: { auto: false, timeoutSeconds: 0 },
  });
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] });
  const rows: ChangeLogRow[] = [];
  let pending: ChangeLogRow[] = [];
  let lastLsn: string | undefined;
  let transaction: { lsn: string; time: string; xid: string; skip: boolean; sequence: number } | undefined;
  let failure: unknown;
  let idle: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    const rearm = () => {
      clearTimeout(idle);
      idle = setTimeout(resolve, settings.idleMs);
    };
    rearm();
    signal.addEventListener('abort', () => resolve(), { once: true });
    service.on('error', (error: Error) => {
      failure = error;
      resolve();
    });
    service.on('heartbeat', (_lsn: string, _time: number, shouldRespond: boolean) => {
      // Answer keep-alives with the committed position only: acknowledging more would lose changes on a crash.
      if (shouldRespond) void service.acknowledge(from).catch(() => undefined);
    });
    service.on('data', (_lsn: string, message: PgoutputMessage) => {
      rearm();
      switch (message.tag) {
        case 'begin': {
          const lsn = message.commitLsn ?? '0/0';
          const time = new Date(Number(BigInt(message.commitTime) / 1000n)).toISOString();
          transaction = { lsn, time, xid: String(message.xid), skip: !lsnAfter(lsn, from), sequence: 0 };
          pending = [];
          return;
        }
        case 'insert':
        case 'update':
        case 'delete': {
          if (transaction === undefined || transaction.skip) return;
          const relation = message.relation;
          const image = message.tag === 'delete' ? (message.old ?? message.key) : message.new;
          // With REPLICA IDENTITY FULL the relation's key is every column: the primary key names the row.
          const keyColumns = primaryKey.length > 0 ? primaryKey : relation.keyColumns;
          const keyValues =
            image === null || image === undefined ? null : Object.fromEntries(keyColumns.map((c) => [c, image[c]]));
          pending.push({
            op: message.tag === 'insert' ? 'c' : message.tag === 'update' ? 'u' : 'd',
            sourcePosition: changePosition(transaction.lsn, ++transaction.sequence),
            eventTime: transaction.time,
            sourceTable: `${relation.schema}.${relation.name}`,
            txId: transaction.xid,
            key: rowJson(keyValues),
            before: message.tag === 'insert' ? null : rowJson(message.old ?? message.key),
            after: message.tag === 'delete' ? null : rowJson(message.new),
          });
          return;
        }
        case 'commit': {
          if (transaction !== undefined && !transaction.skip) {
            rows.push(...pending);
            lastLsn = transaction.lsn;
          }
          pending = [];
          transaction = undefined;
          if (rows.length >= settings.maxChanges) resolve();
          return;
        }
        default:
          return;
      }
    });
  });
  service.subscribe(plugin, slot, from).catch((error: unknown) => {
    failure = error;
  });
  await done;
  clearTimeout(idle);
  await service.stop().catch(() => undefined);
  if (failure !== undefined) throw readError(failure, config);
  return { rows, lastLsn };
}

/** Moves the slot's confirmed position to `lsn` (the walsender may need a moment to let go of the slot). */
async function advanceSlot(config: CdcConnection, slot: string, lsn: string): Promise<void> {
  const admin = await connect(config);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query('SELECT pg_replication_slot_advance($1, $2)', [slot, lsn]);
        return;
      } catch (error) {
        if (attempt >= 50 || !/is active/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

type PgoutputMessage =
  | { tag: 'begin'; commitLsn: string | null; commitTime: bigint; xid: number }
  | { tag: 'commit'; commitLsn: string | null }
  | {
      tag: 'insert' | 'update' | 'delete';
      relation: { schema: string; name: string; keyColumns: string[] };
      key?: Record<string, unknown> | null;
      old?: Record<string, unknown> | null;
      new?: Record<string, unknown>;
    }
  | { tag: 'relation' | 'type' | 'origin' | 'truncate' | 'message' };

export { lsnKey };
