import { AssayError, InputError } from '@assay/sdk';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import type { LakeService, LakeTable } from '../../lake/lake-service.ts';

/** An input dataset at the version this job run reads, whatever is committed to it meanwhile. */
export interface PinnedInput {
  readonly dataset: string;
  readonly table: LakeTable;
  readonly snapshot: DeltaSnapshot;
  /** Rows at that version from the files' statistics; undefined when a file carries none (or rows are filtered). */
  readonly rows: number | undefined;
  /** In a partition run: the predicate narrowing the view to the partition's rows. */
  readonly rowFilter?: string | undefined;
}

/**
 * Pins every input at its published version when the job starts (the latest, unless checks held newer commits
 * back), so all of the job's reads see one consistent state. Inputs that do not exist are reported together:
 * `JOB_INPUT_MISSING`, naming them; an input with no published version yet is `JOB_INPUT_NOT_PUBLISHED`.
 */
export async function pinInputs(
  lake: LakeService,
  workspace: string,
  jobId: string,
  datasets: readonly string[],
): Promise<PinnedInput[]> {
  const pinned: PinnedInput[] = [];
  const missing: string[] = [];
  for (const dataset of datasets) {
    const table = lake.table(workspace, dataset);
    const snapshot = await publishedOrUndefined(table, jobId);
    if (snapshot === undefined) missing.push(dataset);
    else pinned.push({ dataset, table, snapshot, rows: rowsOf(snapshot) });
  }
  if (missing.length > 0) {
    throw new InputError(
      `Job "${jobId}" reads ${missing.join(', ')}, which ${missing.length === 1 ? 'does' : 'do'} not exist in ` +
        `workspace ${workspace}: run the job that writes ${missing.length === 1 ? 'it' : 'them'} first`,
      { code: 'JOB_INPUT_MISSING', details: { job: jobId, datasets: missing } },
    );
  }
  return pinned;
}

async function publishedOrUndefined(table: LakeTable, jobId: string): Promise<DeltaSnapshot | undefined> {
  try {
    return await table.published();
  } catch (error) {
    if (error instanceof AssayError && error.code === 'DELTA_TABLE_NOT_FOUND') return undefined;
    if (error instanceof AssayError && error.code === 'DATASET_NOT_PUBLISHED') {
      throw new InputError(`Job "${jobId}" reads ${table.name}: ${error.message}`, {
        code: 'JOB_INPUT_NOT_PUBLISHED',
        details: { job: jobId, ...error.details },
        cause: error,
      });
    }
    throw error;
  }
}

function rowsOf(snapshot: DeltaSnapshot): number | undefined {
  let rows = 0;
  for (const file of snapshot.files) {
    if (file.stats?.numRecords === undefined) return undefined;
    rows += file.stats.numRecords;
  }
  return rows;
}
