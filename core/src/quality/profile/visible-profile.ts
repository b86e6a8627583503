import { AssayError, NotFoundError, type Principal } from '@assay/sdk';
import type { Engine } from '../../engine/engine.ts';
import type { DataPolicyService } from '../../governance/data-policy-service.ts';
import { duckdbType } from '../../lake/delta/delta-schema.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import type { LakeService, LakeTable } from '../../lake/lake-service.ts';
import { profileDataset } from './profile-dataset.ts';
import type { DatasetProfile } from './profile.schemas.ts';

/** Profiles may read a whole (sampled) table: more time than a preview. */
const PROFILE_TIMEOUT_MS = 120_000;

/** What a caller's profile of a dataset is made from. */
export interface ProfileDeps {
  readonly lake: LakeService;
  readonly engine: Engine;
  readonly policies: DataPolicyService;
}

/** A profile of one version of a dataset as one caller sees it. */
export interface VisibleProfile {
  readonly dataset: string;
  readonly version: number;
  /** A row filter hides rows from the caller: the counts are of the rows they see. */
  readonly rowFiltered: boolean;
  readonly profile: DatasetProfile;
}

/**
 * Profiles `dataset` (the published version unless `version` is given) through a sandboxed engine session whose view
 * carries the caller's column masks and row filter, as the preview does: a profile never shows more than the rows
 * would. Masked columns are flagged. 404 `DATASET_NOT_FOUND` when there is no such dataset.
 */
export async function visibleProfile(
  deps: ProfileDeps,
  principal: Principal,
  workspace: string,
  dataset: string,
  options: { version?: number | undefined; sample?: number | undefined },
): Promise<VisibleProfile> {
  const table = deps.lake.table(workspace, dataset);
  const snapshot = await snapshotOf(table, options.version);
  const access = await deps.policies.dataAccessFor(principal, workspace, {
    name: table.name,
    columns: snapshot.schema.fields.map((field) => ({ name: field.name, type: duckdbType(field.type) })),
  });
  const session = await deps.engine.openSession({
    views: [await table.view(snapshot, access)],
    timeoutMs: PROFILE_TIMEOUT_MS,
  });
  try {
    // The view's columns, not the table's: a mask may change a column's type (a hash is text).
    const columns = (await session.describe(`SELECT * FROM ${table.name}`)).map(({ name, type }) => ({
      name,
      type,
      masked: Object.hasOwn(access.masks, name),
    }));
    const profile = await profileDataset(session, table.name, columns, {
      ...(options.sample === undefined ? {} : { sample: options.sample }),
    });
    return { dataset, version: snapshot.version, rowFiltered: access.rowFilter !== undefined, profile };
  } finally {
    await session.close();
  }
}

async function snapshotOf(table: LakeTable, version: number | undefined): Promise<DeltaSnapshot> {
  try {
    return await (version === undefined ? table.published() : table.snapshot({ version }));
  } catch (error) {
    if (error instanceof AssayError && error.code === 'DELTA_TABLE_NOT_FOUND') {
      throw new NotFoundError(`No dataset ${table.name}: nothing was written to it yet, or the name is wrong`, {
        code: 'DATASET_NOT_FOUND',
        details: { dataset: table.name },
        cause: error,
      });
    }
    throw error;
  }
}
