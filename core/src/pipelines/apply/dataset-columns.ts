import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { LakeService } from '../../lake/lake-service.ts';

/**
 * Reads the columns of the workspace's datasets from their latest Delta schema, each dataset at most once per
 * reader; undefined for a dataset with no table yet.
 */
export function datasetColumnsReader(
  lake: LakeService,
  workspace: string,
): (dataset: string) => Promise<string[] | undefined> {
  const read = new Map<string, Promise<string[] | undefined>>();
  return (dataset) => {
    let columns = read.get(dataset);
    if (columns === undefined) {
      columns = snapshotOrUndefined(lake.table(workspace, dataset)).then((snapshot) =>
        snapshot?.schema.fields.map((field) => field.name),
      );
      read.set(dataset, columns);
    }
    return columns;
  };
}
