import { InputError, type InputChanges } from '@assay/sdk';
import { existsSync } from 'node:fs';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import { localDataFiles } from '../../lake/snapshot-files.ts';
import type { PinnedInput } from './job-inputs.ts';
import type { JobSession } from './job-session.ts';

/**
 * `ctx.engine.changes`: compares the data files of an input's pinned snapshot with those of an earlier version and
 * adds views of the added and the removed files' rows to the session, which must not be open yet.
 */
export async function inputChanges(
  inputs: readonly PinnedInput[],
  session: JobSession,
  dataset: string,
  since: number,
): Promise<InputChanges | undefined> {
  const input = inputs.find((candidate) => candidate.dataset === dataset);
  if (input === undefined) {
    throw new InputError(
      `changes(${dataset}): it is not one of the job's inputs (${inputs.map((i) => i.dataset).join(', ')})`,
      {
        code: 'ENGINE_CHANGES_INVALID',
        details: { dataset },
      },
    );
  }
  if (!Number.isInteger(since) || since < 0) {
    throw new InputError(`changes(${dataset}, ${since}): the version must be a whole number >= 0`, {
      code: 'ENGINE_CHANGES_INVALID',
      details: { dataset, since },
    });
  }
  const current = input.snapshot;
  if (since >= current.version) return undefined;
  const earlier = await input.table.snapshot({ version: since }).catch(() => undefined);
  if (earlier === undefined) return undefined;
  const before = new Set(earlier.files.map((file) => file.path));
  const after = new Set(current.files.map((file) => file.path));
  const added: DeltaSnapshot = { ...current, files: current.files.filter((file) => !before.has(file.path)) };
  const removed: DeltaSnapshot = { ...earlier, files: earlier.files.filter((file) => !after.has(file.path)) };
  // A vacuumed file cannot be read: the caller recomputes in full rather than miss its rows.
  const removedLocal = await localDataFiles(removed).catch(() => undefined);
  if (removedLocal === undefined || [...removedLocal.values()].some((path) => !existsSync(path))) return undefined;
  const base = `changes.${dataset.replace('.', '__')}`;
  const views = { added: `${base}__added`, removed: `${base}__removed` };
  const opened = !session.addViews([
    { table: input.table, snapshot: added, name: views.added },
    { table: input.table, snapshot: removed, name: views.removed },
  ]);
  if (opened) {
    throw new InputError(
      `changes(${dataset}) came after the engine's first query or write: ask for changes first, the session's ` +
        'views are fixed once it opens',
      { code: 'ENGINE_CHANGES_TOO_LATE', details: { dataset } },
    );
  }
  return { since, version: current.version, ...views };
}
