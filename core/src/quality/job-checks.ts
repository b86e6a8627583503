import { InputError, type CheckDefinition, type CompiledCheck } from '@assay/sdk';
import type { CheckToRun } from './evaluate-checks.ts';

/** What happens when a check fails (docs/quality.md). */
export type CheckAction = 'warn' | 'drop' | 'quarantine' | 'fix' | 'fail' | 'gate' | 'rollback';

/** Actions that change the rows a job writes: their checks judge those rows, before they are staged. */
export const ROW_ACTIONS: ReadonlySet<CheckAction> = new Set(['drop', 'quarantine', 'fix']);

/** A check of a pipeline job as the runner applies it. */
export interface JobCheckToRun extends CheckToRun {
  readonly action: CheckAction;
  readonly weight: number;
  /** With action `fix`: column → SQL expression that replaces the value in failing rows. */
  readonly fix?: Readonly<Record<string, string>> | undefined;
  /** The column the check is about, when its config names one: quarantine rows record it. */
  readonly column?: string | undefined;
}

/** A job's check as the pipeline document declares it (validated), with its type's definition. */
export interface DeclaredCheck {
  readonly id: string;
  readonly definition: Pick<CheckDefinition, 'type' | 'compile'>;
  readonly action?: CheckAction | undefined;
  readonly where?: string | undefined;
  readonly mostly?: number | undefined;
  readonly fix?: Readonly<Record<string, string>> | undefined;
  readonly weight?: number | undefined;
  readonly config: Record<string, unknown>;
}

/**
 * The action of a check that names none, by the dataset's layer and the check's kind: Bronze keeps bad rows aside
 * (quarantine) and only warns about the whole; Silver quarantines rows and fails on aggregates; Gold fails on bad
 * rows and gates a version whose metrics are off — Gold never silently changes rows (`drop` and `fix` are refused).
 */
export function checkAction(
  check: Pick<DeclaredCheck, 'id' | 'action'>,
  layer: string,
  kind: CompiledCheck['kind'],
  options: { readonly selfCommitted?: boolean } = {},
): CheckAction {
  // A job that commits by itself (ingest) has no rows left to act on by the time its checks run: it warns.
  const action =
    check.action ?? (options.selfCommitted === true && kind === 'row' ? 'warn' : defaultAction(layer, kind));
  if (kind === 'aggregate' && ROW_ACTIONS.has(action)) {
    throw new InputError(
      `Check "${check.id}" judges the dataset as a whole, so it cannot ${action} rows: use warn, fail, gate or rollback`,
      { code: 'CHECK_ACTION_INVALID', details: { check: check.id, action } },
    );
  }
  if (layer === 'gold' && (action === 'drop' || action === 'fix')) {
    throw new InputError(
      `Check "${check.id}" would ${action} rows of a Gold dataset, which Assay never changes silently: ` +
        'fix the data upstream, or use quarantine, fail or gate',
      { code: 'CHECK_ACTION_INVALID', details: { check: check.id, action, layer } },
    );
  }
  return action;
}

function defaultAction(layer: string, kind: CompiledCheck['kind']): CheckAction {
  if (layer === 'bronze') return kind === 'row' ? 'quarantine' : 'warn';
  if (layer === 'gold') return kind === 'row' ? 'fail' : 'gate';
  return kind === 'row' ? 'quarantine' : 'fail';
}
