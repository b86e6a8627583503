import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AssayError, InputError } from '@assay/sdk';
import type { ResourceAttributes } from '../auth/authorizer.ts';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import type { DatasetGovernance } from '../governance/dataset-governance.ts';
import type { LakeService } from './lake-service.ts';
import type { LakeStorage } from './storage/lake-storage.ts';

/** One dataset as the list shows it: the latest version's statistics and the dataset's governance. */
export interface DatasetSummary {
  /** `layer.name` */
  readonly dataset: string;
  readonly layer: string;
  readonly name: string;
  /** The latest commit (held or not). */
  readonly version: number;
  /** What readers see; null while the only versions are held back by checks. */
  readonly publishedVersion: number | null;
  /** Set while checks hold the latest commits back from readers. */
  readonly heldVersion: number | null;
  /** ISO time of the latest commit. */
  readonly updatedAt: string;
  /** From the latest version's file statistics; null when a file has none. */
  readonly rows: number | null;
  readonly sizeBytes: number;
  readonly files: number;
  readonly owner: string | null;
  readonly classification: string | null;
  readonly tags: readonly string[];
}

/** What the list is asked for. */
export interface DatasetListQuery {
  readonly layer?: string;
  /** Case-insensitive part of `layer.name`. */
  readonly search?: string;
  readonly limit: number;
  /** From the previous page's `nextCursor`. */
  readonly cursor?: string;
  /**
   * Whether the caller may read a dataset with these attributes (ABAC: "analysts read gold only"); a dataset it may
   * not read is left out, as if it did not exist. All are listed when absent.
   */
  readonly canRead?: (attributes: ResourceAttributes) => Promise<boolean>;
}

/** A page of datasets, ordered by layer then name. */
export interface DatasetPage {
  readonly items: DatasetSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

const PART = /^[a-z][a-z0-9_]*$/;
/** Sorts after every character a valid path segment may hold, to skip a whole "directory" in a listing. */
const PAST = '\u{10FFFF}';
/** Snapshots read at once: each reads a log from storage. */
const CONCURRENCY = 8;

/**
 * Lists a workspace's datasets, the Delta tables at `<ws>/<layer>/<name>/_delta_log` of the lake (quarantine tables,
 * under `_quarantine`, are not datasets). Names are found first, filtered and paged; only the page's tables have
 * their logs read. InputError `DATASET_CURSOR_INVALID` for a cursor this list did not hand out.
 */
export async function listDatasets(
  lake: LakeService,
  policies: Pick<DataPolicyService, 'governance'>,
  workspace: string,
  query: DatasetListQuery,
): Promise<DatasetPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const needle = query.search?.trim().toLowerCase() ?? '';
  const names = (await datasetNames(lake.storage, workspace, query.layer))
    .filter((dataset) => needle === '' || dataset.includes(needle))
    .filter((dataset) => after === undefined || dataset > after);
  const items: DatasetSummary[] = [];
  let considered = 0;
  // Datasets the caller may not read are skipped, so a page takes names in batches until it is full.
  while (considered < names.length && items.length < query.limit) {
    const batch = names.slice(considered, considered + query.limit - items.length);
    considered += batch.length;
    for (const item of await mapLimited(batch, (dataset) => summaryOf(lake, policies, workspace, dataset, query))) {
      if (item !== undefined) items.push(item);
    }
  }
  // The cursor names the last dataset shown, never a hidden one.
  const last = items.at(-1);
  return { items, nextCursor: considered < names.length && last !== undefined ? encodeCursor(last.dataset) : null };
}

/** `layer.name` of every Delta table of the workspace (of one layer when given), sorted. */
export async function datasetNames(storage: LakeStorage, workspace: string, layer?: string): Promise<string[]> {
  const root = layer === undefined ? `${workspace}/` : `${workspace}/${layer}/`;
  const local = storage.localPath(root);
  const found = local === undefined ? await scanObjects(storage, workspace, root) : await scanDirectory(local, layer);
  return [...new Set(found)].sort();
}

/** A local lake: two levels of directories, each table known by its `_delta_log` directory. */
async function scanDirectory(root: string, layer: string | undefined): Promise<string[]> {
  const layers = layer === undefined ? (await directories(root)).filter((l) => PART.test(l)) : [layer];
  const found: string[] = [];
  for (const l of layers) {
    const base = layer === undefined ? join(root, l) : root;
    for (const name of (await directories(base)).filter((n) => PART.test(n))) {
      if ((await directories(join(base, name))).includes('_delta_log')) found.push(`${l}.${name}`);
    }
  }
  return found;
}

async function directories(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * An object store has no directories: list keys in order and, once a table is recognised (or a path is not one),
 * restart the listing after its prefix, so a table's many data files cost one request, not a walk over all of them.
 */
async function scanObjects(storage: LakeStorage, workspace: string, root: string): Promise<string[]> {
  const found: string[] = [];
  let startAfter: string | undefined;
  for (;;) {
    let skipTo: string | undefined;
    for await (const object of storage.list(root, startAfter === undefined ? {} : { startAfter })) {
      const [layer = '', name = '', ...rest] = object.path.slice(workspace.length + 1).split('/');
      if (rest.length === 0) continue;
      if (!PART.test(layer)) {
        skipTo = `${workspace}/${layer}/${PAST}`;
      } else {
        const prefix = `${workspace}/${layer}/${name}/`;
        if (PART.test(name) && (rest[0] === '_delta_log' || (await hasLog(storage, prefix)))) {
          found.push(`${layer}.${name}`);
        }
        skipTo = `${prefix}${PAST}`;
      }
      break;
    }
    if (skipTo === undefined) return found;
    startAfter = skipTo;
  }
}

async function hasLog(storage: LakeStorage, prefix: string): Promise<boolean> {
  for await (const object of storage.list(`${prefix}_delta_log/`, { recursive: false })) return object !== undefined;
  return false;
}

async function summaryOf(
  lake: LakeService,
  policies: Pick<DataPolicyService, 'governance'>,
  workspace: string,
  dataset: string,
  query: Pick<DatasetListQuery, 'canRead'>,
): Promise<DatasetSummary | undefined> {
  const table = lake.table(workspace, dataset);
  const [layer = '', name = ''] = dataset.split('.');
  const governance = await policies.governance(workspace, dataset);
  if (query.canRead !== undefined && !(await query.canRead(attributesOf(layer, name, governance)))) return undefined;
  try {
    const [snapshot, publication] = await Promise.all([table.snapshot(), lake.publications.get(workspace, dataset)]);
    const held = publication !== undefined && publication.held !== null;
    const withStats = snapshot.files.every((f) => f.stats?.numRecords !== undefined);
    return {
      dataset,
      layer,
      name,
      version: snapshot.version,
      publishedVersion: held ? publication.published : snapshot.version,
      heldVersion: held ? publication.held : null,
      updatedAt: new Date(snapshot.timestamp).toISOString(),
      rows: withStats ? snapshot.files.reduce((sum, f) => sum + (f.stats?.numRecords ?? 0), 0) : null,
      sizeBytes: snapshot.files.reduce((sum, f) => sum + f.size, 0),
      files: snapshot.files.length,
      owner: governance.owner,
      classification: governance.classification,
      tags: [...governance.tags],
    };
  } catch (error) {
    // Dropped between listing and reading: it is no longer a dataset.
    if (error instanceof AssayError && error.code === 'DELTA_TABLE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** What ABAC rules see of a dataset, as the route-level check of a single dataset builds it. */
function attributesOf(layer: string, name: string, governance: DatasetGovernance): ResourceAttributes {
  return {
    type: 'dataset',
    layer,
    name,
    tags: governance.tags,
    ...(governance.classification === null ? {} : { classification: governance.classification }),
    ...(governance.owner === null ? {} : { owner: governance.owner }),
  };
}

async function mapLimited<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

function encodeCursor(dataset: string): string {
  return Buffer.from(dataset, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const dataset = Buffer.from(cursor, 'base64url').toString('utf8');
  const [layer = '', name = '', ...rest] = dataset.split('.');
  if (rest.length > 0 || !PART.test(layer) || !PART.test(name)) {
    throw new InputError(`Cursor "${cursor}" is not one this list handed out: start again without a cursor`, {
      code: 'DATASET_CURSOR_INVALID',
    });
  }
  return dataset;
}
