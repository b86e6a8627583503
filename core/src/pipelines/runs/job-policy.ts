import type { JobSpec, PipelineSpec } from '../document/pipeline-document.ts';

/** How often and how long a job may run, from the job, else the pipeline's `defaults`, else these. */
export interface JobPolicy {
  /** First attempt plus retries. */
  readonly maxAttempts: number;
  /** Before the first retry; doubled for each further one (capped at an hour). */
  readonly retryDelaySeconds: number;
  readonly timeoutMs: number;
}

/** Retries of operational failures when neither the job nor the pipeline says. */
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRY_DELAY_SECONDS = 10;
export const DEFAULT_TIMEOUT_MINUTES = 240;
/**
 * pg-boss fails any job still active after 24 hours; a job is stopped (`JOB_TIMEOUT`) a little before that so the
 * run records why instead of seeing its worker's job expire.
 */
export const MAX_TIMEOUT_MS = (24 * 60 - 10) * 60_000;
const MAX_RETRY_DELAY_SECONDS = 3600;

/** The job's policy within its pipeline. */
export function jobPolicy(spec: Pick<PipelineSpec, 'defaults'>, job: JobSpec): JobPolicy {
  const defaults = spec.defaults ?? {};
  const retries = job.retries ?? defaults.retries ?? DEFAULT_RETRIES;
  const timeoutMinutes = job.timeoutMinutes ?? defaults.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
  return {
    maxAttempts: retries + 1,
    retryDelaySeconds: job.retryDelaySeconds ?? defaults.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS,
    timeoutMs: Math.min(MAX_TIMEOUT_MS, Math.round(timeoutMinutes * 60_000)),
  };
}

/**
 * Whether a failed attempt is tried again: user errors never are; unexpected ones (bugs) at most once, as a
 * retry rarely fixes them; operational ones while attempts are left.
 */
export function retryAllowed(policy: JobPolicy, attempt: number, errorClass: string): boolean {
  if (errorClass === 'user') return false;
  const limit = errorClass === 'unexpected' ? Math.min(policy.maxAttempts, 2) : policy.maxAttempts;
  return attempt < limit;
}

/** Seconds before retry number `attempt` (the attempt that failed: 1 → the base delay). */
export function retryDelay(policy: JobPolicy, attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, policy.retryDelaySeconds * 2 ** Math.max(0, attempt - 1));
}
