import type { Answer } from '$lib/api/answer';
import type { components, paths } from '$lib/api/schema';

type Json<T> = Answer<T>;

/** A run as listed and as the stream's `run` event sends it (no jobs). */
export type Run = components['schemas']['PipelineRun'];
/** A run with its job runs in topological order. */
export type RunWithJobs = Json<paths['/api/v1/workspaces/{ws}/runs/{id}']['get']>;
/** One job run (one partition of a job in a backfill). */
export type JobRun = components['schemas']['JobRun'];
export type RunStatus = Run['status'];
export type JobStatus = JobRun['status'];
/** One page of the run history. */
export type RunPage = Json<paths['/api/v1/workspaces/{ws}/runs']['get']>;

/** The statuses a run ends in: its stream ends with them, and only they can be resumed (but succeeded). */
export const FINISHED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];
export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelling',
  'cancelled',
];

/** A log line of the stream. */
export interface LogLine {
  jobId: string;
  partition: string | null;
  attempt: number;
  at: string;
  level: string;
  message: string;
}

/** The events of `GET …/runs/{id}/events`, by SSE event name. */
export type RunEvent =
  | { type: 'run'; data: Run }
  | { type: 'job'; data: JobRun }
  | { type: 'progress'; data: { jobId: string; partition: string | null; done: number; total: number | null } }
  | { type: 'log'; data: LogLine }
  | { type: 'end'; data: { status: RunStatus } };
