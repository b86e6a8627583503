import { changeLogBatch, UserError, type ChangeLogRow, type ReadItem } from '@assay/sdk';
import { LogicalReplicationService, type Pgoutput } from 'pg-logical-replication';
import type { CapturedTable } from './cdc-catalog.ts';
import { clientConfig } from './cdc-client.ts';
import type { CdcConnection, CdcStream } from './cdc-config.ts';
import { BATCH_ROWS, sourceOf } from './cdc-snapshot.ts';
import { changePosition, lsnText, lsnValue } from './lsn.ts';
import { RawPgoutputPlugin } from './raw-pgoutput.ts';
import { imageJson, keyJson } from './row-image.ts';

/** The last transaction a stream went through: its commit LSN (the state) and end LSN (what the slot confirms). */
export interface StreamEnd {
  readonly commitLsn: bigint;
  readonly endLsn: bigint;
}

type Image = Record<string, string | null | undefined>;

/**
 * Streams the slot from `after` (exclusive: transactions whose commit LSN is not after it are skipped) and yields
 * the table's changes as change-log batches, whole transactions only: the stream ends at a commit, when no message
 * came for `idleMs`, or at the first commit after `maxChanges` changes or `maxDurationMs`. Nothing is acknowledged
 * here: keep-alives are answered with the slot's own confirmed position. Backpressure: while a full batch waits to
 * be taken, the replication socket is paused.
 */
export async function* streamChanges(
  config: CdcConnection,
  slot: string,
  table: CapturedTable,
  after: bigint,
  confirmedFlush: bigint,
  settings: CdcStream,
  signal: AbortSignal,
): AsyncGenerator<ReadItem, StreamEnd | undefined> {
  const service = new LogicalReplicationService(clientConfig(config), {
    acknowledge: { auto: false, timeoutSeconds: 0 },
    flowControl: { enabled: true },
  });
  const plugin = new RawPgoutputPlugin({ protoVersion: 1, publicationNames: [config.publication] });
  const [schemaName, tableName] = splitName(table.name);
  const started = Date.now();
  let lastMessage = Date.now();
  let rows: ChangeLogRow[] = [];
  let changes = 0;
  let last: StreamEnd | undefined;
  let transaction: { lsn: bigint; time: string; xid: string; skip: boolean; sequence: number } | undefined;
  let finished = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let room: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const release = () => {
    room?.();
    room = undefined;
  };
  const finish = (error?: unknown) => {
    if (error !== undefined && failure === undefined) failure = error;
    finished = true;
    release();
    notify();
  };
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (transaction !== undefined) return;
      if (now - lastMessage >= settings.idleMs || now - started >= settings.maxDurationMs) finish();
    },
    Math.min(100, Math.max(10, settings.idleMs / 5)),
  );
  const onAbort = () => finish(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });

  service.on('error', (error: unknown) => finish(error));
  service.on('start', () => {
    lastMessage = Date.now();
  });
  service.on('heartbeat', (_lsn: string, _time: number, shouldRespond: boolean) => {
    // The library reports `lsn + 1` as flushed; answering with confirmed - 1 leaves the slot where it is.
    if (shouldRespond) void service.acknowledge(lsnText(confirmedFlush - 1n)).catch(() => undefined);
  });
  service.on('data', async (_lsn: string, message: Pgoutput.Message) => {
    if (finished) return;
    lastMessage = Date.now();
    switch (message.tag) {
      case 'begin': {
        const lsn = lsnValue(message.commitLsn ?? '0/0');
        const time = new Date(Number(BigInt(message.commitTime as bigint) / 1000n)).toISOString();
        transaction = { lsn, time, xid: String(message.xid), skip: lsn <= after, sequence: 0 };
        return;
      }
      case 'insert':
      case 'update':
      case 'delete': {
        const { relation } = message;
        if (transaction === undefined || transaction.skip) return;
        if (relation.schema !== schemaName || relation.name !== tableName) return;
        const before = message.tag === 'insert' ? null : ((message.old ?? message.key) as Image | null);
        const image = message.tag === 'delete' ? null : (message.new as Image);
        rows.push({
          op: message.tag === 'insert' ? 'c' : message.tag === 'update' ? 'u' : 'd',
          sourcePosition: changePosition(transaction.lsn, ++transaction.sequence),
          eventTime: transaction.time,
          sourceTable: table.name,
          txId: transaction.xid,
          key: keyJson(table.keyColumns, image ?? before),
          before: imageJson(before),
          after: imageJson(image),
        });
        changes++;
        if (rows.length >= BATCH_ROWS) {
          notify();
          await new Promise<void>((resolve) => (room = resolve));
        }
        return;
      }
      case 'commit': {
        if (transaction !== undefined && !transaction.skip) {
          last = { commitLsn: transaction.lsn, endLsn: lsnValue(message.commitEndLsn ?? '0/0') };
        }
        transaction = undefined;
        if (changes >= settings.maxChanges || Date.now() - started >= settings.maxDurationMs) finish();
        return;
      }
      default:
        return;
    }
  });
  // Transactions committed before `after` are not decoded again by the server once the slot confirmed them.
  service.subscribe(plugin, slot, lsnText(after > 0n ? after : 0n)).catch((error: unknown) => finish(error));

  try {
    for (;;) {
      if (failure !== undefined) throw slotFailure(failure, slot, table.name);
      if (rows.length >= BATCH_ROWS || (finished && rows.length > 0)) {
        const batch = rows.length > BATCH_ROWS ? rows.slice(0, BATCH_ROWS) : rows;
        rows = rows.length > BATCH_ROWS ? rows.slice(BATCH_ROWS) : [];
        yield { kind: 'batch', batch: changeLogBatch(batch), source: sourceOf(config, table.name) };
        release();
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    finished = true;
    clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
    release();
    await service.destroy().catch(() => undefined);
  }
  return last;
}

function splitName(table: string): [string, string] {
  const dot = table.indexOf('.');
  return [table.slice(0, dot), table.slice(dot + 1)];
}

/** A slot invalidated or dropped while it was being read is reported like one found lost at the start. */
function slotFailure(error: unknown, slot: string, table: string): unknown {
  const message = (error as Error | undefined)?.message ?? '';
  if (/can no longer get changes|has been invalidated|does not exist/i.test(message) && /slot/i.test(message)) {
    return new UserError(slotLostMessage(slot, table, message), {
      code: 'CDC_SLOT_LOST',
      cause: error,
      details: { slot, table },
    });
  }
  return error;
}

export function slotLostMessage(slot: string, table: string, why: string): string {
  return (
    `The replication slot "${slot}" of ${table} is lost (${why}): changes since the last load can no longer be read. ` +
    'Load the stream once with streamConfig resnapshot: true to recreate the slot and copy the table again as op "r" rows'
  );
}
