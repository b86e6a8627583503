import { checkConfig } from './check-config.ts';
import { checkIdOf } from './check-id.ts';
import type { DocumentProblem } from './document-problem.ts';
import { formatPath, type PathSegment } from './document-path.ts';
import type { JobCheck } from './pipeline-document.ts';
import { columnProblems } from './validate-check-columns.ts';
import type { CheckSqlParser } from './validate-check-parser.ts';
import { regexProblems } from './validate-check-regex.ts';
import { checkSqlProblems } from './validate-check-sql.ts';
import type { PipelineValidationContext } from './validate-pipeline.ts';

/** Where a check sits and what validation knows about its job. */
export interface CheckScope {
  /** `['spec', 'jobs', 2, 'checks', 0]` */
  readonly base: readonly PathSegment[];
  readonly jobId: string;
  /** The job's output dataset (`silver.sales`), which the check judges. */
  readonly output: string | undefined;
  /** The output's columns when it exists in the lake; undefined when the first run will create it. */
  readonly columns: readonly string[] | undefined;
  /** Further names the job may add as columns this time (its inputs' columns, identifiers in its config). */
  readonly mayAdd?: readonly string[] | undefined;
  readonly context: PipelineValidationContext;
  readonly parser: CheckSqlParser;
}

/**
 * A declared check: its type installed, its other properties valid for that type, `fix` consistent with its
 * action, its SQL one expression of the right kind (`PIPELINE_CHECK_SQL_INVALID`), its regular expressions
 * compiling (`PIPELINE_CHECK_REGEX_INVALID`), and the columns it names in the output when the output exists
 * (`PIPELINE_CHECK_COLUMN_MISSING`). Returns the check with its type's defaults applied.
 */
export async function validateCheck(
  entry: JobCheck,
  scope: CheckScope,
): Promise<{ check: JobCheck; problems: DocumentProblem[] }> {
  const { base, jobId } = scope;
  const type = scope.context.check(entry.check);
  if (type === undefined) {
    // A check that cannot run must never pass silently: refusing it is the only safe answer.
    const message =
      `job "${jobId}": check type "${entry.check}" is not installed, so the check could never run: ` +
      'install the plugin that provides it or remove the check';
    return {
      check: entry,
      problems: [{ code: 'PIPELINE_CHECK_UNKNOWN', path: formatPath([...base, 'check']), message }],
    };
  }
  // The properties every check has are the runner's; the rest is the check type's config.
  const { check, action, id, where, mostly, fix, weight, ...settings } = entry;
  const common = Object.fromEntries(
    Object.entries({ action, id, where, mostly, fix, weight }).filter(([, value]) => value !== undefined),
  );
  const checked = checkConfig(type.config, settings, { code: 'PIPELINE_CONFIG_INVALID', base });

  const widgets = type.widgets ?? {};
  const own = [
    ...actionProblems(entry, base, scope.output),
    ...(await checkSqlProblems(entry, widgets, base, scope.parser)),
    ...(await regexProblems(entry, widgets, base, scope.parser)),
    ...(scope.output === undefined || scope.columns === undefined
      ? []
      : columnProblems(entry, widgets, base, scope.output, scope.columns, scope.mayAdd ?? [])),
  ];
  const named = `job "${jobId}", check "${checkIdOf(entry)}": `;
  return {
    check: { check, ...common, ...checked.value },
    problems: [...checked.problems, ...own.map((problem) => ({ ...problem, message: `${named}${problem.message}` }))],
  };
}

/** `fix` goes with `action: fix` and the other way round; Gold rows are never dropped or fixed. */
function actionProblems(entry: JobCheck, base: readonly PathSegment[], output: string | undefined): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const report = (at: string, message: string) =>
    problems.push({ code: 'PIPELINE_CHECK_INVALID', path: formatPath([...base, at]), message });
  const repairs = Object.keys(entry.fix ?? {}).length;
  if (entry.fix !== undefined && entry.action !== 'fix') {
    const action = entry.action === undefined ? 'the layer’s default action' : `action ${entry.action}`;
    report('fix', `fix is used only with action: fix, and this check has ${action}: set action: fix or remove fix`);
  }
  if (entry.action === 'fix' && repairs === 0) {
    report(
      entry.fix === undefined ? 'action' : 'fix',
      'action fix needs fix: each column to repair with the SQL expression of its new value, ' +
        'e.g. fix: { amount: "abs(amount)" }',
    );
  }
  if (output?.startsWith('gold.') === true && (entry.action === 'drop' || entry.action === 'fix')) {
    report(
      'action',
      `action ${entry.action} would change rows of a Gold dataset, which Assay never does silently: fix the data ` +
        'upstream, or use quarantine, fail or gate',
    );
  }
  return problems;
}
