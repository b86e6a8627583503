import type { Answer as Json } from '$lib/api/answer';
import type { paths } from '$lib/api/schema';

type Dataset = '/api/v1/workspaces/{ws}/datasets/{layer}/{name}';

/** A page of the dataset list. */
export type DatasetPage = Json<paths['/api/v1/workspaces/{ws}/datasets']['get']>;
/** One row of the dataset list. */
export type DatasetSummary = DatasetPage['items'][number];
/** GET of one dataset: schema, version, stats, held state. */
export type DatasetInfo = Json<paths[Dataset]['get']>;
/** One commit of a dataset's history. */
export type HistoryItem = Json<paths[`${Dataset}/history`]['get']>['items'][number];
/** A preview of rows (masked as the caller sees them). */
export type DatasetPreview = Json<paths[`${Dataset}/preview`]['get']>;
/** A dataset's governance: owner, classification, tags, columns. */
export type DatasetGovernance = Json<paths[`${Dataset}/governance`]['get']>;
/** A dataset's quality: score over time and the latest check results. */
export type DatasetQuality = Json<paths[`${Dataset}/quality`]['get']>;

/** The layers of the medallion, in pipeline order. */
export const LAYERS = ['bronze', 'silver', 'gold'] as const;

/** `1.2 MB`, for sizes in a table. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A row count with thousands separators, or a dash when the statistics do not say. */
export function formatCount(count: number | null): string {
  return count === null ? '—' : count.toLocaleString('en-US');
}
