import type { Knex } from 'knex';

/** The state row's layout: its key columns and the four state columns every such table has. */
export interface PendingStateTable<K> {
  /** e.g. `core_ingest_state`: columns `sequence`, `state`, `pending_sequence`, `pending_state`, `updated_at`. */
  readonly table: string;
  /** The key's column values, e.g. `{ pipeline_id, job_id }`. */
  keyColumns(key: K): Record<string, string>;
}

/** A committed state and the sequence of the commit that made it durable. */
export interface CommittedState<S> {
  readonly sequence: number;
  readonly state: S | undefined;
}

/**
 * State that must move together with a Delta commit (a connector's position, an operator's watermark) kept in
 * PostgreSQL beside the lake, which cannot share a transaction with it. Each commit carries a Delta `txn` whose
 * version is the commit's sequence: the state is saved as pending first ({@link prepare}), the commit lands, then
 * the state is promoted ({@link advance}). A process that dies between the commit and the promotion leaves a
 * pending state whose commit the table shows; {@link recover} promotes it on the next run, so the state never
 * lags behind the data nor runs ahead of it.
 */
export interface PendingStateStore<K, S> {
  /** The committed state; promotes a pending state whose commit the table's txn (`committedTxn`) shows landed. */
  recover(key: K, committedTxn: number | undefined): Promise<CommittedState<S>>;
  /** Saves the state a commit with `sequence` is about to make durable. */
  prepare(key: K, sequence: number, state: S | undefined): Promise<void>;
  /** Marks `sequence` committed with its state (creating the row when there is none) and drops any pending state. */
  advance(key: K, sequence: number, state: S | undefined): Promise<void>;
}

interface StateRow<S> {
  sequence: string;
  state: S | null;
  pending_sequence: string | null;
  pending_state: S | null;
}

/** A {@link PendingStateStore} over one table of the metadata database. */
export function createPendingStateStore<K, S>(db: Knex, layout: PendingStateTable<K>): PendingStateStore<K, S> {
  const { table } = layout;
  const conflict = (key: K) => Object.keys(layout.keyColumns(key));
  const advance = async (key: K, sequence: number, state: S | undefined): Promise<void> => {
    await db(table)
      .insert({ ...layout.keyColumns(key), sequence, state: json(state), pending_sequence: null, pending_state: null })
      .onConflict(conflict(key))
      .merge({ sequence, state: json(state), pending_sequence: null, pending_state: null, updated_at: db.fn.now() });
  };

  return {
    advance,

    async recover(key, committedTxn) {
      const row = await db(table)
        .where(layout.keyColumns(key))
        .first<StateRow<S> | undefined>('sequence', 'state', 'pending_sequence', 'pending_state');
      if (row === undefined) return { sequence: 0, state: undefined };
      const pending = row.pending_sequence === null ? undefined : Number(row.pending_sequence);
      if (pending !== undefined && committedTxn !== undefined && committedTxn >= pending) {
        await advance(key, pending, row.pending_state ?? undefined);
        return { sequence: pending, state: row.pending_state ?? undefined };
      }
      // A pending state whose commit never landed: that commit's sequence stays used (never reused), its state is void.
      return { sequence: Math.max(Number(row.sequence), pending ?? 0), state: row.state ?? undefined };
    },

    async prepare(key, sequence, state) {
      await db(table)
        .insert({
          ...layout.keyColumns(key),
          sequence: 0,
          state: null,
          pending_sequence: sequence,
          pending_state: json(state),
        })
        .onConflict(conflict(key))
        .merge({ pending_sequence: sequence, pending_state: json(state), updated_at: db.fn.now() });
    },
  };
}

function json(state: unknown): string | null {
  return state === undefined ? null : JSON.stringify(state);
}
