import { UserError, type ConnectorContext, type ConnectorState, type ReadItem } from '@assay/sdk';
import { describeTable, dropSlot, ensurePublication, slotStatus, type CapturedTable } from './cdc-catalog.ts';
import { connect, qualified, readError, slotOf } from './cdc-client.ts';
import type { CdcConnection, CdcStream } from './cdc-config.ts';
import { createSlotWithSnapshot } from './cdc-snapshot.ts';
import { slotLostMessage, streamChanges } from './cdc-stream.ts';
import { lsnKey, lsnText, lsnValue } from './lsn.ts';

/**
 * One load of a table's changes: on the first load (or a re-snapshot) create the slot and copy the table in its
 * exported snapshot, then stream changes after the committed LSN. State: `{ lsn }`, the commit LSN (16 hex digits)
 * of the last transaction in Bronze. The slot is advanced only after the engine resumes the read past the state,
 * i.e. once the rows and the state are committed.
 */
export async function* readChanges(
  ctx: ConnectorContext,
  config: CdcConnection,
  stream: { name: string; config: CdcStream },
  state: ConnectorState | undefined,
): AsyncGenerator<ReadItem> {
  const name = qualified(stream.name);
  if (!config.tables.map(qualified).includes(name)) {
    throw new UserError(`Stream ${stream.name} is not one of the connection's tables (${config.tables.join(', ')})`, {
      code: 'CDC_TABLE_NOT_CONFIGURED',
      details: { stream: stream.name, tables: config.tables },
    });
  }
  const slot = stream.config.slot ?? slotOf(config, name);
  let committed = typeof state?.lsn === 'string' ? lsnValue(state.lsn) : undefined;
  let table: CapturedTable;
  let confirmedFlush: bigint;
  const admin = await connect(config).catch((error: unknown) => {
    throw readError(error, config);
  });
  try {
    table = await describeTable(admin, name);
    await ensurePublication(admin, config, name);
    let slotNow = await slotStatus(admin, slot);
    if (committed !== undefined && (slotNow === undefined || slotNow.lost)) {
      const why = slotNow === undefined ? 'it no longer exists' : "its WAL was removed (wal_status = 'lost')";
      if (!stream.config.resnapshot) {
        throw new UserError(slotLostMessage(slot, name, why), {
          code: 'CDC_SLOT_LOST',
          details: { slot, table: name, lsn: lsnKey(committed) },
        });
      }
      ctx.log.warn({ slot, table: name, code: 'CDC_SLOT_LOST' }, 'replication slot lost: re-snapshotting the table');
      committed = undefined;
    }
    if (committed === undefined && slotNow !== undefined) {
      if (config.snapshot === 'never' && !slotNow.lost && !stream.config.resnapshot) {
        // An existing slot without a snapshot wanted: stream from where the slot stands.
        committed = lsnValue(slotNow.confirmedFlush ?? '0/0') - 1n;
      } else if (config.createSlot || stream.config.resnapshot) {
        // A slot left by a first load that never committed (or a lost one): a snapshot needs a new slot.
        await dropSlot(admin, slot);
        slotNow = undefined;
      } else {
        throw new UserError(
          `Slot "${slot}" exists but ${name} has no committed position, and a consistent snapshot needs a new slot: ` +
            `drop it (SELECT pg_drop_replication_slot('${slot}')), set createSlot: true, or use snapshot: 'never'`,
          { code: 'CDC_SNAPSHOT_NEEDS_NEW_SLOT', details: { slot, table: name } },
        );
      }
    }
    if (committed === undefined) {
      if (!config.createSlot && !stream.config.resnapshot) {
        throw new UserError(`Replication slot "${slot}" does not exist: create it or set createSlot: true`, {
          code: 'CDC_SLOT_NOT_FOUND',
          details: { slot, table: name },
        });
      }
      const copy = config.snapshot === 'initial' || stream.config.resnapshot;
      committed = yield* createSlotWithSnapshot(config, admin, slot, table, copy, ctx.signal);
      yield { kind: 'state', state: { lsn: lsnKey(committed) } };
      slotNow = await slotStatus(admin, slot);
    }
    confirmedFlush = lsnValue(slotNow?.confirmedFlush ?? lsnText(committed + 1n));
  } catch (error) {
    throw readError(error, config);
  } finally {
    await admin.end().catch(() => undefined);
  }

  let last;
  try {
    last = yield* streamChanges(config, slot, table, committed, confirmedFlush, stream.config, ctx.signal);
  } catch (error) {
    throw readError(error, config);
  }
  if (last === undefined) return;
  yield { kind: 'state', state: { lsn: lsnKey(last.commitLsn) } };
  // Reached only once the ingest engine has committed the rows and this LSN: now the server may forget them.
  try {
    await confirmSlot(config, slot, last.endLsn);
  } catch (error) {
    // The commit stands; the next load replays these transactions and skips them by LSN.
    ctx.log.warn({ slot, error: (error as Error).message, code: 'CDC_CONFIRM_FAILED' }, 'slot not advanced');
  }
}

/** Moves the slot's `confirmed_flush_lsn` to `lsn`, waiting a moment for the walsender to let go of the slot. */
async function confirmSlot(config: CdcConnection, slot: string, lsn: bigint): Promise<void> {
  const admin = await connect(config);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query('SELECT pg_replication_slot_advance($1, $2::pg_lsn)', [slot, lsnText(lsn)]);
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
