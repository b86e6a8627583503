import { UserError } from '@assay/sdk';
import { quote } from '../engine/dataset-view.ts';
import type { EngineSession, SessionColumn } from '../engine/engine-session.ts';
import type { DatasetPublications } from '../lake/dataset-publications.ts';
import type { LakeTable } from '../lake/lake-service.ts';
import { candidateSql, type CandidateWrite } from './candidate-version.ts';
import { outcomeOf, type CheckOutcome } from './check-outcome.ts';
import { CHECK_VIEWS, checkRows } from './checked-rows.ts';
import { evaluateChecks } from './evaluate-checks.ts';
import type { DeclaredCheck } from './job-checks.ts';
import type { QualityRecorder } from './quality-recorder.ts';

/** A job's checks and where their results go. */
export interface OutputQuality {
  readonly checks: readonly DeclaredCheck[];
  /** The output's layer: it decides the default actions. */
  readonly layer: string;
  readonly workspace: string;
  readonly recorder: QualityRecorder;
  readonly publications: DatasetPublications;
  /** The time the checks observe (freshness, weekday of history-based checks). */
  readonly now: Date;
}

/** What the checks decided about a write, before anything is committed. */
export interface CheckVerdict {
  /** The SQL to stage the output from: dropped and quarantined rows left out, fixes applied. */
  readonly source: string;
  readonly quarantine: string | undefined;
  readonly outcomes: CheckOutcome[];
  /** How many rows the job meant to write, before any was dropped or quarantined. */
  readonly rows: number;
  /** The staged output. */
  readonly staged: { readonly path: string; readonly rows: number };
  /** Failing `gate` and `rollback` checks: the new version is committed but not published. */
  readonly holding: readonly CheckOutcome[];
  readonly rollback: boolean;
}

/**
 * Runs a job's checks on what it is about to write (`staging`): the row actions on the written rows, then every
 * other check on the version about to be published ({@link candidateSql}). A failing `fail` check ends the job here,
 * with its results recorded and nothing committed: `DQ_CHECK_FAILED`.
 */
export async function checkOutput(
  session: EngineSession,
  staging: string,
  columns: readonly SessionColumn[],
  write: Omit<CandidateWrite, 'deleteFlag'> & { readonly deleteFlag?: string | undefined },
  quality: OutputQuality,
  where: string,
  stage: (source: string) => Promise<{ path: string; rows: number }>,
): Promise<CheckVerdict> {
  const rows = await checkRows(session, staging, columns, quality.checks, {
    layer: quality.layer,
    now: quality.now,
    deleteFlag: write.deleteFlag,
  });
  const staged = await stage(rows.source);
  if (!rows.materialized) await viewStaged(session, staged, columns, write.stagedPartitions);
  await session.createView(CHECK_VIEWS.candidate, candidateSql(write));
  const started = Date.now();
  const results = await evaluateChecks(session, CHECK_VIEWS.candidate, rows.versionChecks, {
    history: (checkId) => quality.recorder.history(checkId),
    now: quality.now,
  });
  const durationMs = Date.now() - started;
  const outcomes = [
    ...rows.outcomes,
    ...results.map((result, index) => outcomeOf(result, rows.versionChecks[index]!, durationMs)),
  ];
  const failed = outcomes.filter((outcome) => outcome.status === 'failed');
  if (failed.length > 0) {
    await quality.recorder.record(outcomes, undefined);
    throw new UserError(
      `${where}: ${failed.length === 1 ? 'check' : 'checks'} ${failed.map(describe).join('; ')} failed, so nothing ` +
        'was written: fix the data or the check, then run the job again',
      {
        code: 'DQ_CHECK_FAILED',
        details: { checks: failed.map(({ id, failing, observed, note }) => ({ id, failing, observed, note })) },
      },
    );
  }
  const holding = outcomes.filter((outcome) => outcome.status === 'gated' || outcome.status === 'rolled_back');
  return {
    source: rows.source,
    quarantine: rows.quarantine,
    outcomes,
    rows: rows.rows ?? staged.rows,
    staged,
    holding,
    rollback: holding.some((outcome) => outcome.status === 'rolled_back'),
  };
}

/** {@link CHECK_VIEWS.written} over the staged output: the rows exactly as they will be committed. */
async function viewStaged(
  session: EngineSession,
  staged: { path: string; rows: number },
  columns: readonly SessionColumn[],
  partitionColumns: readonly string[],
): Promise<void> {
  if (staged.rows === 0) {
    // Nothing was staged (a partitioned write leaves no folder): the view is the rows' shape, without rows.
    const typed = columns.map((column) => `CAST(NULL AS ${column.type}) AS ${quote(column.name)}`);
    await session.createView(CHECK_VIEWS.written, `SELECT ${typed.join(', ')} WHERE false`);
    return;
  }
  const partitions = partitionColumns.map((name) => ({
    name,
    type: columns.find((column) => column.name === name)?.type ?? 'VARCHAR',
  }));
  await session.createFileView(CHECK_VIEWS.written, staged.path, { partitions });
}

/**
 * Before the commit: when checks hold the new version back, the dataset is held first, so that a crash between the
 * two can only leave readers on the earlier version — never on the unjudged one.
 */
export async function holdBeforeCommit(
  verdict: CheckVerdict,
  quality: OutputQuality,
  table: Pick<LakeTable, 'name' | 'published'>,
  latestVersion: number | undefined,
  runId: string,
): Promise<{ published: number | null } | undefined> {
  if (verdict.holding.length === 0) return undefined;
  const publication = await quality.publications.get(quality.workspace, table.name);
  // Already held: readers stay on the last good version, not on the held commit before this one.
  const published =
    publication === undefined || publication.held === null ? (latestVersion ?? null) : publication.published;
  await quality.publications.hold(quality.workspace, table.name, {
    published,
    held: (latestVersion ?? -1) + 1,
    checks: verdict.holding.map((outcome) => outcome.id),
    runId,
  });
  return { published };
}

/**
 * After the commit: publishes the version the checks passed, or holds it (`gate`), or restores the last published
 * version (`rollback`, a RESTORE commit) and fails the job with `DQ_ROLLED_BACK`. The results are recorded either way.
 */
export async function settleAfterCommit(
  verdict: CheckVerdict,
  quality: OutputQuality,
  table: LakeTable,
  committed: { version: number },
  held: { published: number | null } | undefined,
  provenance: { runId: string; user?: string | undefined; where: string },
): Promise<void> {
  const { workspace, publications, recorder } = quality;
  if (held === undefined) {
    await publications.publish(workspace, table.name, committed.version, committed.version);
    await recorder.record(verdict.outcomes, committed.version);
    return;
  }
  const checks = verdict.holding.map((outcome) => outcome.id);
  await publications.hold(workspace, table.name, {
    published: held.published,
    held: committed.version,
    checks,
    runId: provenance.runId,
  });
  if (!verdict.rollback || held.published === null) {
    await recorder.record(verdict.outcomes, committed.version);
    return;
  }
  const restored = await table.restore(held.published, {
    runId: provenance.runId,
    ...(provenance.user === undefined ? {} : { user: provenance.user }),
    operationParameters: { reason: 'rollback', checks, rolledBack: committed.version },
  });
  await publications.publish(workspace, table.name, restored.version, restored.version);
  await recorder.record(verdict.outcomes, committed.version);
  throw new UserError(
    `${provenance.where}: ${verdict.holding
      .filter((o) => o.action === 'rollback')
      .map(describe)
      .join('; ')} ` +
      `failed on version ${committed.version}, so ${table.name} was restored to version ${held.published} ` +
      `(now version ${restored.version})`,
    {
      code: 'DQ_ROLLED_BACK',
      details: {
        dataset: table.name,
        rolledBack: committed.version,
        restoredTo: held.published,
        version: restored.version,
        checks,
      },
    },
  );
}

function describe(outcome: CheckOutcome): string {
  const what =
    outcome.kind === 'row'
      ? `${outcome.failing} of ${outcome.checked} rows`
      : `observed ${outcome.observed === null ? 'NULL' : outcome.observed}`;
  return `"${outcome.id}" (${what}${outcome.note === undefined ? '' : `, ${outcome.note}`})`;
}
