import { InputError } from '@assay/sdk';
import type { Knex } from 'knex';
import { createPendingStateStore, type PendingStateStore } from '../../database/pending-state-store.ts';

/** Whose state it is. */
export interface JobStateKey {
  readonly pipelineId: string;
  readonly jobId: string;
}

/** Job state is small by design (watermarks, positions): a bound keeps the metadata database healthy. */
const MAX_STATE_BYTES = 1024 * 1024;

/** Per (pipeline, job) operator state in `core_job_state`, committed together with the job's write. */
export function createJobStateStore(db: Knex): PendingStateStore<JobStateKey, unknown> {
  return createPendingStateStore<JobStateKey, unknown>(db, {
    table: 'core_job_state',
    keyColumns: (key) => ({ pipeline_id: key.pipelineId, job_id: key.jobId }),
  });
}

/** The Delta txn appId of a job's writes; its version is the run sequence. */
export function jobTxnAppId(key: JobStateKey): string {
  return `assay-job:${key.pipelineId}:${key.jobId}`;
}

/**
 * One job run's `setState` calls, saved at the right moment: a value set before the write is stored as pending
 * before the commit and promoted after it; if the write turns out to have been committed by an earlier attempt of
 * this run, the value is dropped, since that attempt's state was committed with the data. A value set after the
 * write, or by a job that never writes, is saved when the job succeeds. All under the run's sequence.
 */
export class JobStateTracker {
  /** The committed state this run starts from. */
  readonly committed: unknown;
  readonly #store: PendingStateStore<JobStateKey, unknown>;
  readonly #key: JobStateKey;
  readonly #sequence: number;
  #unsaved: { value: unknown } | undefined;
  #preparing: { value: unknown } | undefined;

  constructor(store: PendingStateStore<JobStateKey, unknown>, key: JobStateKey, sequence: number, committed: unknown) {
    this.#store = store;
    this.#key = key;
    this.#sequence = sequence;
    this.committed = committed;
  }

  set(value: unknown): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new InputError(`Job "${this.#key.jobId}": setState needs a JSON value: ${(error as Error).message}`, {
        code: 'JOB_STATE_INVALID',
        cause: error,
      });
    }
    if (text !== undefined && Buffer.byteLength(text) > MAX_STATE_BYTES) {
      throw new InputError(
        `Job "${this.#key.jobId}": the state is ${Buffer.byteLength(text)} bytes as JSON, more than ${MAX_STATE_BYTES}; ` +
          'keep positions and watermarks in it, not data',
        { code: 'JOB_STATE_TOO_LARGE' },
      );
    }
    // A copy taken now: the operator may go on mutating its object.
    this.#unsaved = { value: text === undefined ? undefined : (JSON.parse(text) as unknown) };
  }

  /** Before the write's commit: the state set so far becomes pending. */
  async beforeCommit(): Promise<void> {
    // A write that failed and is tried again prepares the same state again, unless a newer one was set since.
    this.#preparing = this.#unsaved ?? this.#preparing;
    this.#unsaved = undefined;
    if (this.#preparing !== undefined) await this.#store.prepare(this.#key, this.#sequence, this.#preparing.value);
  }

  /** After the commit: promote the pending state, or drop it when the commit was an earlier attempt's. */
  async afterCommit(skipped: boolean): Promise<void> {
    const prepared = this.#preparing;
    this.#preparing = undefined;
    if (prepared !== undefined && !skipped) await this.#store.advance(this.#key, this.#sequence, prepared.value);
  }

  /** The write was found committed before it staged anything: what was set before it is dropped. */
  discardBeforeWrite(): void {
    this.#unsaved = undefined;
  }

  /** When the job succeeds: save what was set after the write, or without one. */
  async finish(): Promise<void> {
    if (this.#unsaved !== undefined) await this.#store.advance(this.#key, this.#sequence, this.#unsaved.value);
    this.#unsaved = undefined;
  }
}
