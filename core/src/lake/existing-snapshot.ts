import { AssayError } from '@assay/sdk';
import type { DeltaSnapshot } from './delta/snapshot.ts';
import type { LakeTable } from './lake-service.ts';

/** The table's latest snapshot, or undefined when the table does not exist yet (its first write creates it). */
export async function snapshotOrUndefined(table: Pick<LakeTable, 'snapshot'>): Promise<DeltaSnapshot | undefined> {
  try {
    return await table.snapshot();
  } catch (error) {
    if (error instanceof AssayError && error.code === 'DELTA_TABLE_NOT_FOUND') return undefined;
    throw error;
  }
}
