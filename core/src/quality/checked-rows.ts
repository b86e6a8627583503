import type { CompiledCheck } from '@assay/sdk';
import { literal, quote } from '../engine/dataset-view.ts';
import type { EngineSession, SessionColumn } from '../engine/engine-session.ts';
import { evaluateChecks, type CheckToRun } from './evaluate-checks.ts';
import { outcomeOf, type CheckOutcome } from './check-outcome.ts';
import { checkAction, ROW_ACTIONS, type DeclaredCheck, type JobCheckToRun } from './job-checks.ts';

/** Where the runner's own views live in a job's session. */
export const CHECK_VIEWS = {
  /** The rows the job writes, materialized once so every pass reads the same rows. */
  rows: 'assay_checks.rows',
  /** Those rows without the dropped and quarantined ones, with fixes applied: what is staged. */
  written: 'assay_checks.written',
  /** The output table as it was when the job started. */
  current: 'assay_checks.current',
  /** The version about to be published. */
  candidate: 'assay_checks.candidate',
} as const;

/** The job's checks split by what they judge, and the outcome of the row actions. */
export interface CheckedRows {
  /**
   * The SQL to stage the output from: {@link CHECK_VIEWS.written} after row actions; the rows as they are when the
   * job has none (they are then checked in the staged output, so they are written once).
   */
  readonly source: string;
  /** Whether {@link CHECK_VIEWS.written} exists (row actions); otherwise it is to be made over the staged output. */
  readonly materialized: boolean;
  /** Rows to quarantine with `_rule`, `_reason` and `_column`; undefined when there are none to look for. */
  readonly quarantine: string | undefined;
  /** Outcomes of the drop, quarantine and fix checks. */
  readonly outcomes: CheckOutcome[];
  /** How many rows the job meant to write (before any was dropped or quarantined); undefined without row actions. */
  readonly rows: number | undefined;
  /** The other checks, compiled: they judge the version about to be published. */
  readonly versionChecks: JobCheckToRun[];
}

/** How the rows are checked. */
export interface RowCheckOptions {
  readonly layer: string;
  readonly now: Date;
  /** The merge's delete marker column, when the rows carry one: rows it marks are deletes and are not checked. */
  readonly deleteFlag?: string | undefined;
  readonly sampleSize?: number;
}

/**
 * Applies the drop, quarantine and fix checks to the rows a job writes (`staging`, its columns `columns`): the rows
 * are materialized once as a Parquet file of the session and judged in one counting pass; a row failing a quarantine
 * check goes to quarantine (with every check it failed), one failing a drop check is left out, and a failing fix
 * check's expressions replace its values. The other checks are compiled and returned to judge the version. Without
 * row actions nothing is materialized.
 */
export async function checkRows(
  session: EngineSession,
  staging: string,
  columns: readonly SessionColumn[],
  checks: readonly DeclaredCheck[],
  options: RowCheckOptions,
): Promise<CheckedRows> {
  const dataColumns = columns.filter((column) => column.name !== options.deleteFlag);
  const compiled = checks.map((check) => {
    const ctx = { relation: CHECK_VIEWS.rows, quote, columns: dataColumns, now: options.now };
    const result = check.definition.compile(ctx, check.config as never) as CompiledCheck;
    return { check: toRun(check, checkAction(check, options.layer, result.kind)), compiled: result };
  });
  const rowActions = compiled.filter(({ check }) => ROW_ACTIONS.has(check.action));
  const versionChecks = compiled.filter(({ check }) => !ROW_ACTIONS.has(check.action)).map(({ check }) => check);
  if (rowActions.length === 0) {
    return {
      source: staging,
      materialized: false,
      quarantine: undefined,
      outcomes: [],
      rows: undefined,
      versionChecks,
    };
  }
  const copy = await session.copyToParquet(staging, 'checked.parquet');
  await session.createFileView(CHECK_VIEWS.rows, copy.path);
  const live = options.deleteFlag === undefined ? undefined : `NOT ${quote(options.deleteFlag)}`;
  const fails = (check: JobCheckToRun, predicate: string) =>
    `(${
      [live, check.where]
        .filter((part) => part !== undefined)
        .map((part) => `(${part})`)
        .join(' AND ') || 'true'
    }) ` + `AND NOT coalesce((${predicate}), true)`;

  const started = Date.now();
  const results = await evaluateChecks(
    session,
    CHECK_VIEWS.rows,
    rowActions.map(({ check }) => ({ ...check, where: scopeOf(live, check.where) })),
    options.sampleSize === undefined ? {} : { sampleSize: options.sampleSize },
  );
  const durationMs = Date.now() - started;
  let outcomes = results.map((result, index) => outcomeOf(result, rowActions[index]!.check, durationMs));

  const failing = (action: string) =>
    rowActions
      .filter(({ check }, index) => check.action === action && results[index]!.failing > 0)
      .map(({ check, compiled }) => ({ check, fails: fails(check, (compiled as { predicate: string }).predicate) }));
  const quarantined = failing('quarantine');
  const dropped = failing('drop');
  const fixed = failing('fix');
  const removed = [...quarantined, ...dropped].map(({ fails }) => `(${fails})`);
  const replacements = new Map<string, string>();
  for (const { check, fails } of fixed) {
    for (const [column, expression] of Object.entries(check.fix ?? {})) {
      const type = dataColumns.find((c) => c.name === column)?.type ?? 'VARCHAR';
      const otherwise = replacements.get(column) ?? quote(column);
      replacements.set(column, `CASE WHEN ${fails} THEN CAST((${expression}) AS ${type}) ELSE ${otherwise} END`);
    }
  }
  outcomes = await withFixedValues(session, outcomes, fixed, dataColumns, options.sampleSize ?? 10);
  const replace =
    replacements.size === 0
      ? ''
      : ` REPLACE (${[...replacements].map(([column, sql]) => `${sql} AS ${quote(column)}`).join(', ')})`;
  const keep = removed.length === 0 ? '' : ` WHERE NOT (${removed.join(' OR ')})`;
  await session.createView(CHECK_VIEWS.written, `SELECT *${replace} FROM ${CHECK_VIEWS.rows}${keep}`);

  return {
    source: `SELECT * FROM ${CHECK_VIEWS.written}`,
    materialized: true,
    quarantine: quarantined.length === 0 ? undefined : quarantineSelect(quarantined, options.deleteFlag),
    outcomes,
    rows: copy.rows,
    versionChecks,
  };
}

/**
 * A fix check's sample records each change: the failing rows as they were, each with `_fixed` holding the values
 * its fix expressions gave them.
 */
async function withFixedValues(
  session: EngineSession,
  outcomes: CheckOutcome[],
  fixed: ReadonlyArray<{ check: JobCheckToRun; fails: string }>,
  columns: readonly SessionColumn[],
  sampleSize: number,
): Promise<CheckOutcome[]> {
  if (fixed.length === 0 || sampleSize === 0) return outcomes;
  const samples = new Map<string, Record<string, unknown>[]>();
  for (const { check, fails } of fixed) {
    const after = Object.entries(check.fix ?? {}).map(([column, expression]) => {
      const type = columns.find((c) => c.name === column)?.type ?? 'VARCHAR';
      return `${literal(column)}: CAST((${expression}) AS ${type})`;
    });
    const rows: Record<string, unknown>[] = [];
    const sql = `SELECT *, {${after.join(', ')}} AS _fixed FROM ${CHECK_VIEWS.rows} WHERE ${fails} LIMIT ${sampleSize}`;
    for await (const chunk of session.stream(sql)) rows.push(...chunk);
    samples.set(check.id, rows);
  }
  return outcomes.map((outcome) =>
    samples.has(outcome.id) ? { ...outcome, sample: samples.get(outcome.id)! } : outcome,
  );
}

/** The declared check as the evaluator runs it, with its action resolved. */
export function toRun(check: DeclaredCheck, action: JobCheckToRun['action']): JobCheckToRun {
  const column = typeof check.config.column === 'string' ? check.config.column : undefined;
  return {
    id: check.id,
    definition: check.definition,
    config: check.config,
    where: check.where,
    mostly: check.mostly,
    action,
    weight: check.weight ?? 1,
    fix: check.fix,
    column,
  };
}

function scopeOf(live: string | undefined, where: string | undefined): CheckToRun['where'] {
  if (live === undefined) return where;
  return where === undefined ? live : `(${live}) AND (${where})`;
}

/** The rows failing a quarantine check, as the quarantine writer takes them: named by the first check they fail. */
function quarantineSelect(
  quarantined: ReadonlyArray<{ check: JobCheckToRun; fails: string }>,
  deleteFlag: string | undefined,
): string {
  const first = (value: (check: JobCheckToRun) => string) =>
    `CASE ${quarantined.map(({ check, fails }) => `WHEN ${fails} THEN ${value(check)}`).join(' ')} END`;
  const failed = quarantined.map(({ check, fails }) => `CASE WHEN ${fails} THEN ${literal(check.id)} END`);
  const exclude = deleteFlag === undefined ? '' : ` EXCLUDE (${quote(deleteFlag)})`;
  return (
    `SELECT *${exclude}, ${first((check) => literal(check.id))} AS _rule, ` +
    `'failed ' || concat_ws(', ', ${failed.join(', ')}) AS _reason, ` +
    `${first((check) => (check.column === undefined ? 'NULL' : literal(check.column)))} AS _column ` +
    `FROM ${CHECK_VIEWS.rows} WHERE ${quarantined.map(({ fails }) => `(${fails})`).join(' OR ')}`
  );
}
