import { createHash } from 'node:crypto';
import type { ConnectorState } from '@assay/sdk';
import { ConflictError } from '@assay/sdk';
import type { Knex } from 'knex';
import { createPendingStateStore } from '../database/pending-state-store.ts';

/** Identifies what a load's state belongs to. */
export interface StateKey {
  readonly connectionId: string;
  readonly stream: string;
  readonly dataset: string;
}

/**
 * Connector state per (connection, stream, dataset), with the sequence of the commit that made it durable. Each
 * commit of a load takes the next sequence as its Delta `txn` version (appId from {@link txnAppId}) and the row is
 * advanced only after the commit; {@link IngestStateStore.recover} repairs the one gap this leaves — a commit
 * that landed while the process died before the row moved — from the pending state saved just before it.
 */
export interface IngestStateStore {
  /** The committed state; promotes a pending state whose commit is found in the table's txns. */
  recover(
    key: StateKey,
    committedTxn: number | undefined,
  ): Promise<{ sequence: number; state: ConnectorState | undefined }>;
  /** Saves the state a commit with `sequence` is about to make durable. */
  prepare(key: StateKey, sequence: number, state: ConnectorState | undefined): Promise<void>;
  /** Marks `sequence` committed with its state. */
  advance(key: StateKey, sequence: number, state: ConnectorState | undefined): Promise<void>;
  /** Holds the load lock of `key` while `work` runs; `INGEST_ALREADY_RUNNING` when another load holds it. */
  exclusive<T>(key: StateKey, work: () => Promise<T>): Promise<T>;
}

/** The Delta txn appId of a load key: stable, and short enough for any reader. */
export function txnAppId(key: StateKey): string {
  return `assay-ingest:${key.connectionId}:${createHash('sha256').update(`${key.stream}\u0000${key.dataset}`).digest('hex').slice(0, 16)}`;
}

export function createIngestStateStore(db: Knex): IngestStateStore {
  const states = createPendingStateStore<StateKey, ConnectorState>(db, {
    table: 'core_ingest_state',
    keyColumns: (key) => ({ connection_id: key.connectionId, stream: key.stream, dataset: key.dataset }),
  });

  return {
    recover: (key, committedTxn) => states.recover(key, committedTxn),
    prepare: (key, sequence, state) => states.prepare(key, sequence, state),
    advance: (key, sequence, state) => states.advance(key, sequence, state),

    async exclusive(key, work) {
      const lockId = createHash('sha256').update(txnAppId(key)).digest().readBigInt64BE(0).toString();
      // A session-level advisory lock on one pooled connection, held for the whole load.
      const connection = await db.client.acquireConnection();
      try {
        const result = await connection.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [lockId]);
        if (result.rows[0]?.locked !== true) {
          throw new ConflictError(
            `A load of stream "${key.stream}" into ${key.dataset} from this connection is already running`,
            { code: 'INGEST_ALREADY_RUNNING' },
          );
        }
        try {
          return await work();
        } finally {
          await connection.query('SELECT pg_advisory_unlock($1::bigint)', [lockId]).catch(() => undefined);
        }
      } finally {
        await db.client.releaseConnection(connection);
      }
    },
  };
}
