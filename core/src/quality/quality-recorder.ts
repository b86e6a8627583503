import { incidentOpened, incidentUpdated, type EventBus, type Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import type { CheckOutcome } from './check-outcome.ts';
import { incidentEvent, recordFailure } from './incidents/incident-store.ts';

/** Whose checks a recorder keeps. */
export interface QualityRecorderOptions {
  readonly db: Knex;
  readonly events?: EventBus | undefined;
  readonly logger: Logger;
  readonly workspace: string;
  readonly dataset: string;
  readonly pipeline: { readonly id: string; readonly name: string };
  readonly jobId: string;
  readonly runId: string;
  readonly partitionKey?: string | undefined;
}

/** Keeps a job run's check results: history for the checks that need it, results, incidents. */
export interface QualityRecorder {
  /** Earlier observed values of a check on the dataset, oldest first (other runs only). */
  history(checkId: string): Promise<Array<{ observed: number; at: Date }>>;
  /** Persists the outcomes (with the version they judged, if one was committed) and opens or updates incidents. */
  record(outcomes: readonly CheckOutcome[], version: number | undefined): Promise<void>;
}

/** How many earlier observations a history-based check sees: a year of daily runs. */
const HISTORY_LIMIT = 400;

export function createQualityRecorder(options: QualityRecorderOptions): QualityRecorder {
  const { db, workspace, dataset } = options;
  return {
    async history(checkId) {
      const rows = (await db('core_check_results')
        .where({ workspace, dataset, check_id: checkId })
        .whereNotNull('observed')
        .andWhereNot('run_id', options.runId)
        .orderBy('observed_at', 'desc')
        .limit(HISTORY_LIMIT)
        .select('observed', 'observed_at')) as Array<{ observed: number; observed_at: Date }>;
      return rows.reverse().map((row) => ({ observed: Number(row.observed), at: row.observed_at }));
    },
    async record(outcomes, version) {
      if (outcomes.length === 0) return;
      await db('core_check_results').insert(
        outcomes.map((outcome) => ({
          workspace,
          dataset,
          check_id: outcome.id,
          check_type: outcome.type,
          kind: outcome.kind,
          action: outcome.action,
          weight: outcome.weight,
          status: outcome.status,
          passed: outcome.passed,
          checked: outcome.checked,
          failing: outcome.failing,
          failing_percent: outcome.failingPercent,
          observed: outcome.observed,
          baseline: outcome.baseline ?? null,
          note: outcome.note ?? null,
          sample: JSON.stringify(outcome.sample),
          duration_ms: Math.round(outcome.durationMs),
          delta_version: version ?? null,
          pipeline_id: options.pipeline.id,
          pipeline: options.pipeline.name,
          job_id: options.jobId,
          run_id: options.runId,
          partition_key: options.partitionKey ?? null,
        })),
      );
      for (const outcome of outcomes.filter((o) => o.status !== 'passed')) {
        const { incident, opened } = await recordFailure(db, {
          workspace,
          dataset,
          checkId: outcome.id,
          checkType: outcome.type,
          action: outcome.action,
          pipeline: options.pipeline.name,
          jobId: options.jobId,
          runId: options.runId,
          result: {
            status: outcome.status,
            checked: outcome.checked,
            failing: outcome.failing,
            failingPercent: outcome.failingPercent,
            observed: outcome.observed,
            ...(outcome.note === undefined ? {} : { note: outcome.note }),
            sample: outcome.sample,
            ...(version === undefined ? {} : { version }),
            ...(options.partitionKey === undefined ? {} : { partition: options.partitionKey }),
          },
        });
        options.events
          ?.publish(opened ? incidentOpened : incidentUpdated, incidentEvent(incident))
          .catch((error: unknown) => {
            options.logger.warn({ err: error, incident: incident.id }, 'an incident event could not be published');
          });
      }
    },
  };
}
