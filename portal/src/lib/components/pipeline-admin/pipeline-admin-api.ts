import type { Answer } from '$lib/api/answer';
import type { components, paths } from '$lib/api/schema';

type PIPELINE = '/api/v1/workspaces/{ws}/pipelines/{name}';

/** A pipeline with its current document, schedule and paused state. */
export type Pipeline = Answer<paths[PIPELINE]['get']>;
/** One entry of a pipeline's version history. */
export type VersionEntry = Answer<paths[`${PIPELINE}/versions`]['get']>['items'][number];
/** One version with its document and its changes against the one before. */
export type VersionDetail = Answer<paths[`${PIPELINE}/versions/{version}`]['get']>;
/** The changes between two versions. */
export type VersionsDiff = Answer<paths[`${PIPELINE}/diff`]['get']>;
/** The schedule (with its next fire times) and triggers as the scheduler sees them. */
export type TriggerStatus = components['schemas']['TriggerStatus'];
export type BackfillPreview = components['schemas']['BackfillPreview'];
/** The run a backfill started. */
export type BackfillRun = paths[`${PIPELINE}/backfills`]['post']['responses'][202]['content']['application/json'];

/** `spec.schedule` of a pipeline document. */
export interface Schedule {
  cron: string;
  timezone?: string;
}

/** One of `spec.triggers`. */
export type Trigger =
  | { type: 'pipeline_succeeded'; pipeline: string }
  | { type: 'new_files'; connection: string; stream?: string; pollSeconds?: number };
