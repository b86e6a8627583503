import { defineEvent } from './events.ts';
import { Type, type Static } from './schema.ts';

const RunError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  /** The job that failed first, when a job's failure failed the run. */
  job: Type.Optional(Type.String()),
});

/**
 * A pipeline run ended: `succeeded` (every job succeeded or was skipped), `failed` or `cancelled`. Published at
 * least once per run (a process that dies right after the run finished leaves it to the next sweep), so a
 * subscriber that starts work keys it by `runId`.
 *
 * @example
 * ```ts
 * import { coreServices, definePlugin, runFinished } from '@assay/sdk';
 * export default definePlugin({
 *   id: 'run-alerts',
 *   platform: '^0.1.0',
 *   register(env) {
 *     env.registerInit({
 *       deps: { events: coreServices.events, log: coreServices.logger },
 *       async init({ events, log }) {
 *         await events.subscribe(runFinished, 'failures', async (run) => {
 *           if (run.status === 'failed') log.warn({ run: run.runId, error: run.error }, 'pipeline run failed');
 *         });
 *       },
 *     });
 *   },
 * });
 * ```
 */
export const runFinished = defineEvent({
  topic: 'run.finished',
  schema: Type.Object({
    runId: Type.String(),
    workspace: Type.String(),
    pipeline: Type.String(),
    pipelineId: Type.String(),
    /** The pipeline version the run executed. */
    version: Type.Integer(),
    /** The run's number within its pipeline (1, 2, …). */
    sequence: Type.Integer(),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]),
    trigger: Type.String(),
    actor: Type.Optional(Type.String()),
    startedAt: Type.Optional(Type.String()),
    finishedAt: Type.String(),
    durationMs: Type.Optional(Type.Integer()),
    error: Type.Optional(RunError),
  }),
});

/** The payload of {@link runFinished}. */
export type RunFinished = Static<typeof runFinished.schema>;

/**
 * A job of a pipeline run ended: `succeeded`, `failed` (after its last attempt) or `cancelled`. Best effort: a
 * process that dies between the job's end and the publish loses the event (the run's own record keeps the facts).
 *
 * @example
 * ```ts
 * import { jobFinished, type EventBus } from '@assay/sdk';
 * export function watchWrites(events: EventBus): () => void {
 *   return events.listen(jobFinished, (job) => {
 *     if (job.status === 'succeeded' && job.output !== undefined) console.log(`${job.output} is at ${job.deltaVersion}`);
 *   });
 * }
 * ```
 */
export const jobFinished = defineEvent({
  topic: 'job.finished',
  schema: Type.Object({
    runId: Type.String(),
    jobRunId: Type.String(),
    workspace: Type.String(),
    pipeline: Type.String(),
    pipelineId: Type.String(),
    jobId: Type.String(),
    /** The partition the job run computed, in a backfill. */
    partition: Type.Optional(Type.String()),
    operator: Type.String(),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]),
    attempt: Type.Integer(),
    rowsWritten: Type.Integer(),
    /** The dataset the job writes, if any. */
    output: Type.Optional(Type.String()),
    /** The output's Delta version after the job. */
    deltaVersion: Type.Optional(Type.Integer()),
    error: Type.Optional(RunError),
  }),
});

/** The payload of {@link jobFinished}. */
export type JobFinished = Static<typeof jobFinished.schema>;
