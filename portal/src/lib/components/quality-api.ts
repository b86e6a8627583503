import type { Answer } from '$lib/api/answer';
import type { paths } from '$lib/api/schema';

type Json<P extends keyof paths, M extends 'get' | 'post' | 'patch'> = Answer<paths[P][M]>;

type DATASET = '/api/v1/workspaces/{ws}/datasets/{layer}/{name}';

/** An incident as listed (no sample). */
export type Incident = Json<'/api/v1/workspaces/{ws}/quality/incidents', 'get'>['items'][number];
/** An incident with its masked latest failing sample and its notes. */
export type IncidentDetail = Json<'/api/v1/workspaces/{ws}/quality/incidents/{id}', 'get'>;
export type IncidentState = Incident['state'];
/** One page of quarantined rows. */
export type QuarantinePage = Json<`${DATASET}/quarantine`, 'get'>;
export type QuarantineRow = QuarantinePage['rows'][number];
export type QuarantineSummary = Json<`${DATASET}/quarantine/summary`, 'get'>;
export type FixResult = Json<`${DATASET}/quarantine/fix`, 'post'>;
export type ReprocessRun = Json<`${DATASET}/quarantine/reprocess`, 'post'>;
export type DatasetProfile = Json<`${DATASET}/profile`, 'get'>;
export type Suggestions = Json<`${DATASET}/suggestions`, 'get'>;
export type Suggestion = Suggestions['suggestions'][number];
export type AcceptResult = Json<`${DATASET}/suggestions/accept`, 'post'>;
/** A check as the accept route takes it. */
export type AcceptCheck = NonNullable<
  paths[`${DATASET}/suggestions/accept`]['post']['requestBody']
>['content']['application/json']['checks'][number];

/** Which rows a quarantine action applies to: picked rows, or all rows of a check or a run. */
export interface QuarantineScope {
  ids?: string[];
  check?: string;
  runId?: string;
}

/** `silver.orders` as the path parameters of the dataset routes, or undefined when it is not `layer.name`. */
export function datasetParts(dataset: string): { layer: string; name: string } | undefined {
  const match = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(dataset.trim());
  return match === null ? undefined : { layer: match[1]!, name: match[2]! };
}

/** A cell of a sample or a quarantined row as text: NULL stays visible, objects as compact JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
