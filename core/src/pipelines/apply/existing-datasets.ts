import type { LakeService } from '../../lake/lake-service.ts';

const DATASET = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;

/**
 * Which of `datasets` (`layer.name`) exist as Delta tables in the workspace's part of the lake: those with a
 * `_delta_log/` entry. Asked once before validation, because the validator's lookups are synchronous.
 */
export async function existingDatasets(
  lake: LakeService,
  workspace: string,
  datasets: Iterable<string>,
): Promise<Set<string>> {
  const found = new Set<string>();
  await Promise.all(
    [...new Set(datasets)].map(async (dataset) => {
      const match = DATASET.exec(dataset);
      if (match === null) return;
      for await (const _entry of lake.storage.list(`${workspace}/${match[1]}/${match[2]}/_delta_log/`)) {
        found.add(dataset);
        break;
      }
    }),
  );
  return found;
}
