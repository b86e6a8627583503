import type { DatasetGovernance } from './dataset-governance.ts';
import { strongerMask, type MaskFunction } from './mask-functions.ts';

/** Classifications that mask a column for principals without the matching read permission. */
export const MASKING_CLASSIFICATIONS = ['pii', 'confidential'] as const;

/** A classification that masks. */
export type MaskingClassification = (typeof MASKING_CLASSIFICATIONS)[number];

/** Why a column is masked: its (own or inherited) classification, or an explicit mask policy. */
export type MaskReason = MaskingClassification | 'policy';

/** The mask one column gets, and why. */
export interface MaskDecision {
  readonly column: string;
  readonly mask: MaskFunction;
  readonly reason: MaskReason;
}

/** What decides the masks of one principal on one dataset. */
export interface MaskPlanInput {
  readonly governance: DatasetGovernance;
  /** The masking classifications the principal may read in clear (`dataset:read-pii`, `dataset:read-confidential`). */
  readonly cleared: ReadonlySet<MaskingClassification>;
  /** Mask policies that apply to the principal on this dataset. */
  readonly policies: ReadonlyArray<{ readonly column: string; readonly mask: MaskFunction }>;
  /** The dataset's columns. */
  readonly columns: readonly string[];
}

/**
 * The classification that governs a column: its own, else the dataset's. A dataset classified `pii` or
 * `confidential` therefore masks every column that has no classification of its own (fail closed); classify a
 * column `public` or `internal` to show it in clear.
 */
export function classificationOfColumn(governance: DatasetGovernance, column: string): string | null {
  return ownAttributes(governance, column)?.classification ?? governance.classification;
}

/**
 * The masks of a principal on a dataset. A column classified (or inheriting) `pii`/`confidential` is masked with
 * its configured mask (`redact` by default) unless the principal is cleared for that classification; each mask
 * policy masks its column when the column exists (names compared case-insensitively, like DuckDB does). When
 * both apply, the stronger mask wins (`null` > `redact` > `hash` > `partial`): masks only ever add up.
 */
export function planMasks(input: MaskPlanInput): MaskDecision[] {
  const decisions: MaskDecision[] = [];
  for (const column of input.columns) {
    let decision: MaskDecision | undefined;
    const classification = classificationOfColumn(input.governance, column);
    if (isMasking(classification) && !input.cleared.has(classification)) {
      decision = { column, mask: ownAttributes(input.governance, column)?.mask ?? 'redact', reason: classification };
    }
    for (const policy of input.policies) {
      if (policy.column.toLowerCase() !== column.toLowerCase()) continue;
      if (decision === undefined || strongerMask(decision.mask, policy.mask) !== decision.mask) {
        decision = { column, mask: policy.mask, reason: 'policy' };
      }
    }
    if (decision !== undefined) decisions.push(decision);
  }
  return decisions;
}

/** Whether a dataset pattern (`layer.name`, `layer.*` or `*`) covers `dataset`. */
export function patternCovers(pattern: string, dataset: string): boolean {
  return pattern === '*' || pattern === dataset || pattern === `${dataset.split('.')[0]}.*`;
}

/** Whether a classification masks. */
export function isMasking(classification: string | null): classification is MaskingClassification {
  return (MASKING_CLASSIFICATIONS as readonly (string | null)[]).includes(classification);
}

function ownAttributes(governance: DatasetGovernance, column: string) {
  const wanted = column.toLowerCase();
  const key = Object.keys(governance.columns).find((name) => name.toLowerCase() === wanted);
  return key === undefined ? undefined : governance.columns[key];
}
