import { quoteLiteral, quoteIdentifier } from '@assay/sdk';
import type { CdcMergeSettings } from './cdc-merge-config.ts';
import type { ChangeLogShape } from './change-log-shape.ts';

/** The last change a run applied: its position values and event time, as text of the compared values. */
export interface AppliedPosition {
  readonly values: readonly string[];
  readonly eventTime: string | null;
}

/** What the job keeps between runs, committed with its write. */
export interface CdcState {
  readonly kind: 'cdc-merge';
  /** The input and its version the run read: the next run reads only what was added since. */
  readonly input: string;
  readonly inputVersion: number;
  /** The settings that decide which changes and in which order; another fingerprint ignores the state. */
  readonly fingerprint: string;
  /** Undefined until a change was seen. */
  readonly position?: AppliedPosition | undefined;
}

/** The settings a stored position depends on. */
export function fingerprintOf(config: CdcMergeSettings): string {
  const { businessKey, sourceTable, position, positionAs, eventTime } = config;
  return JSON.stringify({ businessKey, sourceTable: sourceTable ?? null, position, positionAs, eventTime });
}

/** The stored state when it belongs to this input and these settings; undefined otherwise (start from scratch). */
export function usableState(raw: unknown, input: string, fingerprint: string): CdcState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const state = raw as Partial<CdcState>;
  if (state.kind !== 'cdc-merge' || state.input !== input || state.fingerprint !== fingerprint) return undefined;
  if (!Number.isInteger(state.inputVersion)) return undefined;
  const position = state.position;
  if (
    position !== undefined &&
    (!Array.isArray(position.values) ||
      position.values.some((v) => typeof v !== 'string') ||
      !(position.eventTime === null || typeof position.eventTime === 'string'))
  ) {
    return undefined;
  }
  return state as CdcState;
}

/**
 * A predicate on a change-log row: its (position…, event time) tuple comes strictly after `applied`. NULLs order
 * first, as in the merge's ordering, so a row with a NULL event time at the stored position is not after it.
 */
export function afterPredicate(shape: ChangeLogShape, applied: AppliedPosition): string {
  const parts = shape.positions.map((part, i) => ({
    expr: part.expr,
    type: part.type,
    value: applied.values[i] ?? null,
  }));
  if (shape.eventTime !== undefined) {
    parts.push({ expr: quoteIdentifier(shape.eventTime.column), type: shape.eventTime.type, value: applied.eventTime });
  }
  let predicate = 'false';
  for (const part of [...parts].reverse()) {
    const stored = part.value === null ? undefined : `CAST(${quoteLiteral(part.value)} AS ${part.type})`;
    const greater = stored === undefined ? `(${part.expr}) IS NOT NULL` : `coalesce((${part.expr}) > ${stored}, false)`;
    const equal = stored === undefined ? `(${part.expr}) IS NULL` : `coalesce((${part.expr}) = ${stored}, false)`;
    predicate = `(${greater} OR (${equal} AND ${predicate}))`;
  }
  return predicate;
}
