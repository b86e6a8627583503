import type { DatasetView } from '../../engine/dataset-view.ts';
import type { Engine } from '../../engine/engine.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import type { PinnedInput } from './job-inputs.ts';

/** The job's sandboxed engine session, opened on first use: a job that never queries (ingest) never pays for it. */
export interface JobSession {
  get(): Promise<EngineSession>;
  /** Adds views before the session opens; false once it has (its views and files are then fixed). */
  addViews(datasets: readonly SessionDataset[]): boolean;
  /** Closes the session if it was opened, removing its scratch files. */
  close(): Promise<void>;
}

/**
 * A dataset the session shows as a view: an input, the output as it was before the job run, or an input's changes
 * (under their own `name`; a dataset's own name otherwise).
 */
export type SessionDataset =
  | (Pick<PinnedInput, 'table' | 'snapshot' | 'rowFilter'> & { readonly name?: string })
  /** A view made elsewhere: the rows a reprocess takes from quarantine. */
  | { readonly view: DatasetView };

/**
 * A session whose views are the datasets at their pinned snapshots (`<layer>.<name>`), the only relations and files
 * its SQL may touch. Aborting `signal` interrupts the running statement.
 */
export function createJobSession(engine: Engine, inputs: readonly SessionDataset[], signal: AbortSignal): JobSession {
  let opening: Promise<EngineSession> | undefined;
  const datasets = [...inputs];
  return {
    addViews(added) {
      if (opening !== undefined) return false;
      datasets.push(...added);
      return true;
    },
    get() {
      opening ??= (async () => {
        const views = await Promise.all(
          datasets.map(async (input) => {
            if ('view' in input) return input.view;
            const view = await input.table.view(
              input.snapshot,
              input.rowFilter === undefined ? {} : { rowFilter: input.rowFilter },
            );
            return input.name === undefined ? view : { ...view, name: input.name };
          }),
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
