import type { CheckAction } from './job-checks.ts';
import type { CheckResult } from './evaluate-checks.ts';

/** What became of a failing check: its action, as applied. */
export type CheckStatus =
  'passed' | 'warned' | 'dropped' | 'quarantined' | 'fixed' | 'failed' | 'gated' | 'rolled_back';

/** A check result of a job run with what the runner did about it. */
export interface CheckOutcome extends CheckResult {
  readonly action: CheckAction;
  readonly weight: number;
  readonly status: CheckStatus;
  /** Milliseconds of the pass the check was evaluated in (shared by the checks of one pass). */
  readonly durationMs: number;
}

const FAILED_STATUS: Record<CheckAction, CheckStatus> = {
  warn: 'warned',
  drop: 'dropped',
  quarantine: 'quarantined',
  fix: 'fixed',
  fail: 'failed',
  gate: 'gated',
  rollback: 'rolled_back',
};

/**
 * The outcome of a result under its check's action. A row action acts on every failing row, also when `mostly`
 * lets the check pass; the status then still says what was done.
 */
export function outcomeOf(
  result: CheckResult,
  check: { readonly action: CheckAction; readonly weight: number },
  durationMs: number,
): CheckOutcome {
  const acted =
    result.kind === 'row' &&
    result.failing > 0 &&
    (check.action === 'drop' || check.action === 'quarantine' || check.action === 'fix');
  const status = !result.passed || acted ? FAILED_STATUS[check.action] : 'passed';
  return { ...result, action: check.action, weight: check.weight, status, durationMs };
}
