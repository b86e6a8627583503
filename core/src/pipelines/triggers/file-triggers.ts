import { createHash } from 'node:crypto';
import { AssayError, type Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import type { IngestService } from '../../ingest/ingest-service.ts';
import type { JobSpec } from '../document/pipeline-document.ts';
import type { RunService } from '../runs/run-service.ts';
import { startTriggeredRun } from './start-triggered-run.ts';
import { triggeredPipelines, type TriggeredPipeline } from './triggered-pipelines.ts';

/** How often a `new_files` trigger probes its connection unless it says otherwise. */
export const DEFAULT_POLL_SECONDS = 60;

type FileTrigger = Extract<NonNullable<TriggeredPipeline['spec']['triggers']>[number], { type: 'new_files' }>;

/**
 * Probes every due `new_files` trigger: the pipeline's ingest jobs that read the trigger's connection (and stream)
 * ask their connector what a load would pick up now. New files start one run, keyed by the fingerprint of exactly
 * those files, so the same files never start a second run; once the run's ingest has loaded them the probe finds
 * nothing new. A failing probe is recorded on the trigger and tried again at its next poll.
 */
export async function sweepFileTriggers(options: {
  db: Knex;
  ingest: Pick<IngestService, 'probe'>;
  runs: Pick<RunService, 'startRun'>;
  logger: Logger;
  now?: Date;
}): Promise<{ probed: number; started: number }> {
  const { db, logger } = options;
  const now = options.now ?? new Date();
  const pipelines = await triggeredPipelines(db, { specContains: { triggers: [{ type: 'new_files' }] } });
  let probed = 0;
  let started = 0;
  for (const pipeline of pipelines.filter((p) => p.pausedAt === null)) {
    const checks = await lastChecks(db, pipeline.id);
    for (const [index, trigger] of (pipeline.spec.triggers ?? []).entries()) {
      if (trigger.type !== 'new_files') continue;
      const name = `new_files:${index}`;
      const last = checks.get(name);
      const pollMs = (trigger.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
      if (last !== undefined && now.getTime() - last.getTime() < pollMs - 500) continue;
      probed++;
      const outcome = await probeTrigger(options, pipeline, trigger).catch((error: unknown) => ({
        newItems: 0,
        fingerprint: '',
        error: error instanceof AssayError ? `${error.message} [${error.code}]` : String(error),
      }));
      await recordCheck(db, pipeline.id, name, now, outcome.newItems, outcome.error);
      if (outcome.error !== undefined) {
        logger.warn({ pipeline: pipeline.name, trigger: name, error: outcome.error }, 'new-files probe failed');
        continue;
      }
      if (outcome.newItems === 0) continue;
      const result = await startTriggeredRun(
        options.runs,
        pipeline,
        {
          type: 'files',
          key: `files:${outcome.fingerprint}`,
          details: { connection: trigger.connection, newFiles: outcome.newItems },
        },
        logger,
      );
      if ('started' in result) started++;
    }
  }
  return { probed, started };
}

async function probeTrigger(
  options: { ingest: Pick<IngestService, 'probe'> },
  pipeline: TriggeredPipeline,
  trigger: FileTrigger,
): Promise<{ newItems: number; fingerprint: string; error?: string }> {
  const jobs = pipeline.spec.jobs.filter((job) => readsConnection(job, trigger));
  if (jobs.length === 0) {
    return {
      newItems: 0,
      fingerprint: '',
      error: `no ingest job of the pipeline reads connection "${trigger.connection}"${trigger.stream === undefined ? '' : ` stream "${trigger.stream}"`}`,
    };
  }
  const hash = createHash('sha256');
  let newItems = 0;
  for (const job of jobs) {
    const config = job.config ?? {};
    const probe = await options.ingest.probe({
      workspace: pipeline.workspace,
      connection: trigger.connection,
      stream: String(config.stream),
      streamConfig: (config.streamConfig as Record<string, unknown> | undefined) ?? {},
      dataset: job.output!,
    });
    if (probe === undefined) {
      return {
        newItems: 0,
        fingerprint: '',
        error: `the connector of "${trigger.connection}" cannot tell new files without reading them`,
      };
    }
    newItems += probe.newItems;
    hash.update(`${job.id}\u0000${probe.fingerprint}\n`);
  }
  return { newItems, fingerprint: newItems === 0 ? '' : hash.digest('hex') };
}

function readsConnection(job: JobSpec, trigger: FileTrigger): boolean {
  const config = job.config ?? {};
  return (
    job.operator === 'ingest' &&
    job.output !== undefined &&
    (job.connection ?? config.connection) === trigger.connection &&
    (trigger.stream === undefined || config.stream === trigger.stream)
  );
}

async function lastChecks(db: Knex, pipelineId: string): Promise<Map<string, Date>> {
  const rows = await db('core_pipeline_trigger_checks')
    .where({ pipeline_id: pipelineId })
    .select<Array<{ trigger: string; checked_at: Date }>>('trigger', 'checked_at');
  return new Map(rows.map((row) => [row.trigger, row.checked_at]));
}

async function recordCheck(
  db: Knex,
  pipelineId: string,
  trigger: string,
  at: Date,
  newItems: number,
  error: string | undefined,
): Promise<void> {
  const row = { checked_at: at, new_items: newItems, error: error ?? null };
  await db('core_pipeline_trigger_checks')
    .insert({ pipeline_id: pipelineId, trigger, ...row })
    .onConflict(['pipeline_id', 'trigger'])
    .merge(row);
}
