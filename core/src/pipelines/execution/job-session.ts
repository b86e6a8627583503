import type { Engine } from '../../engine/engine.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import type { PinnedInput } from './job-inputs.ts';

/** The job's sandboxed engine session, opened on first use: a job that never queries (ingest) never pays for it. */
export interface JobSession {
  get(): Promise<EngineSession>;
  /** Closes the session if it was opened, removing its scratch files. */
  close(): Promise<void>;
}

/** A dataset the session shows as a view: an input, or the output as it was before the job run. */
export type SessionDataset = Pick<PinnedInput, 'table' | 'snapshot' | 'rowFilter'>;

/**
 * A session whose views are the datasets at their pinned snapshots (`<layer>.<name>`), the only relations and files
 * its SQL may touch. Aborting `signal` interrupts the running statement.
 */
export function createJobSession(engine: Engine, inputs: readonly SessionDataset[], signal: AbortSignal): JobSession {
  let opening: Promise<EngineSession> | undefined;
  return {
    get() {
      opening ??= (async () => {
        const views = await Promise.all(
          inputs.map((input) =>
            input.table.view(input.snapshot, input.rowFilter === undefined ? {} : { rowFilter: input.rowFilter }),
          ),
        );
        return engine.openSession({ views, signal });
      })();
      return opening;
    },
    async close() {
      if (opening === undefined) return;
      const session = await opening.catch(() => undefined);
      await session?.close();
    },
  };
}
