import { UserError, type EventBus, type Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import { quote } from '../engine/dataset-view.ts';
import type { Engine } from '../engine/engine.ts';
import type { DeltaSnapshot } from '../lake/delta/snapshot.ts';
import { snapshotOrUndefined } from '../lake/existing-snapshot.ts';
import type { LakeService, LakeTable } from '../lake/lake-service.ts';
import { outcomeOf, type CheckOutcome } from './check-outcome.ts';
import type { OutputQuality } from './checked-output.ts';
import { CHECK_VIEWS, toRun } from './checked-rows.ts';
import { evaluateChecks } from './evaluate-checks.ts';
import { checkAction, ROW_ACTIONS, type DeclaredCheck } from './job-checks.ts';
import { createQualityRecorder } from './quality-recorder.ts';

/** The job run whose checks are applied. */
export interface JobQualityOptions {
  readonly db: Knex;
  readonly lake: LakeService;
  readonly engine: Engine;
  readonly events?: EventBus | undefined;
  readonly logger: Logger;
  readonly workspace: string;
  readonly pipeline: { readonly id: string; readonly name: string };
  readonly jobId: string;
  readonly runId: string;
  readonly partitionKey?: string | undefined;
  readonly checks: readonly DeclaredCheck[];
  readonly table: LakeTable;
  /** The output as it was when the job started. */
  readonly initial: DeltaSnapshot | undefined;
  readonly signal: AbortSignal;
  /** `Job "<id>" of pipeline <name>`, for messages. */
  readonly where: string;
}

/** A job's checks around its run: the output applies them to its write; commits the operator made itself, here. */
export interface JobQuality {
  /** For the job's output: its write runs the checks before it commits. */
  readonly output: OutputQuality;
  /**
   * Before the operator runs: readers are kept on the current version until the checks have judged what the job
   * commits, so a commit the operator makes itself (ingest) is never visible unjudged.
   */
  beforeRun(): Promise<void>;
  /**
   * After the operator succeeded without writing through its output: judges the version it committed itself (if
   * any), and publishes or holds it. Returns the outcomes, or undefined when it committed nothing.
   */
  afterSelfCommit(): Promise<CheckOutcome[] | undefined>;
  /** After a failed run: lifts the hold of {@link beforeRun} when the job committed nothing. */
  afterFailure(): Promise<void>;
}

export function createJobQuality(options: JobQualityOptions): JobQuality {
  const { lake, workspace, table, initial, runId } = options;
  const dataset = table.name;
  const publications = lake.publications;
  const recorder = createQualityRecorder({ ...options, dataset });
  const output: OutputQuality = {
    checks: options.checks,
    layer: dataset.split('.')[0]!,
    workspace,
    recorder,
    publications,
    now: new Date(),
  };
  let pinned = false;
  let lastGood: number | null | undefined;

  return {
    output,
    async beforeRun() {
      if (initial === undefined) return;
      const publication = await publications.get(workspace, dataset);
      if (publication !== undefined && publication.held !== null) return;
      await publications.hold(workspace, dataset, {
        published: initial.version,
        held: initial.version + 1,
        checks: [],
        runId,
      });
      pinned = true;
    },
    async afterFailure() {
      if (!pinned) return;
      const latest = await snapshotOrUndefined(table);
      if (latest?.version === initial?.version) await publications.release(workspace, dataset, runId);
    },
    async afterSelfCommit() {
      const latest = await snapshotOrUndefined(table);
      if (latest === undefined || latest.version === initial?.version) {
        if (pinned) await publications.release(workspace, dataset, runId);
        return undefined;
      }
      const publication = await publications.get(workspace, dataset);
      lastGood =
        publication === undefined || publication.held === null ? (initial?.version ?? null) : publication.published;
      const outcomes = await judge(latest);
      const holding = outcomes.filter((outcome) => ['failed', 'gated', 'rolled_back'].includes(outcome.status));
      if (holding.length === 0) {
        await publications.publish(workspace, dataset, latest.version, latest.version);
        await recorder.record(outcomes, latest.version);
        return outcomes;
      }
      await publications.hold(workspace, dataset, {
        published: lastGood,
        held: latest.version,
        checks: holding.map((outcome) => outcome.id),
        runId,
      });
      await recorder.record(outcomes, latest.version);
      const stopping = holding.filter((outcome) => outcome.action !== 'gate');
      if (stopping.length > 0) {
        // The operator's own state already records what it loaded: restoring the table would lose those rows for
        // good, so the version is held back instead, for someone to approve or repair.
        throw new UserError(
          `${options.where}: ${stopping.map((outcome) => `"${outcome.id}"`).join(', ')} failed on version ` +
            `${latest.version}, which the job committed as it loaded; readers keep version ${lastGood ?? 'none'} ` +
            'until it is approved or a later run passes',
          {
            code: 'DQ_CHECK_FAILED',
            details: { dataset, held: latest.version, published: lastGood, checks: stopping.map((o) => o.id) },
          },
        );
      }
      return outcomes;
    },
  };

  /** The checks of a job that committed by itself, on the version it committed. */
  async function judge(latest: DeltaSnapshot): Promise<CheckOutcome[]> {
    const view = { ...(await table.view(latest)), name: CHECK_VIEWS.candidate };
    const session = await options.engine.openSession({ views: [view], signal: options.signal });
    try {
      const columns = await session.describe(`SELECT * FROM ${CHECK_VIEWS.candidate}`);
      const checks = options.checks.map((check) => {
        const ctx = { relation: CHECK_VIEWS.candidate, quote, columns, now: output.now };
        const kind = check.definition.compile(ctx, check.config as never).kind;
        const action = checkAction(check, output.layer, kind, { selfCommitted: true });
        if (ROW_ACTIONS.has(action)) {
          throw new UserError(
            `${options.where} commits its rows itself (as ingest does), so check "${check.id}" cannot ${action} them: ` +
              'ingest quarantines the rows that do not parse; use warn, fail or gate here and act on rows in the ' +
              'job that reads this dataset',
            { code: 'CHECK_ACTION_INVALID', details: { check: check.id, action } },
          );
        }
        return toRun(check, action);
      });
      const started = Date.now();
      const results = await evaluateChecks(session, CHECK_VIEWS.candidate, checks, {
        history: (checkId: string) => recorder.history(checkId),
        now: output.now,
      });
      return results.map((result, index) => outcomeOf(result, checks[index]!, Date.now() - started));
    } finally {
      await session.close();
    }
  }
}
