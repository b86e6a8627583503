import type { CheckAction } from '../job-checks.ts';

/** Structural checks (is the data well-formed?) as opposed to business rules (is it plausible?). */
const STRUCTURAL = new Set(['not_null', 'unique', 'type', 'regex', 'row_count', 'null_rate']);

/**
 * The action of a suggested check, by the dataset's layer as the quality defaults have it: Bronze quarantines rows
 * that break structural checks (and warns about the rest), Silver quarantines bad rows and fails on aggregates, Gold
 * fails on bad rows and gates a version whose aggregates are off. A medium-confidence suggestion only warns: a
 * bound read off today's data should prove itself before it stops a pipeline.
 */
export function suggestionAction(
  layer: string,
  check: string,
  kind: 'row' | 'aggregate',
  confidence: 'high' | 'medium',
): CheckAction {
  if (confidence === 'medium') return 'warn';
  if (layer === 'bronze') return STRUCTURAL.has(check) && kind === 'row' ? 'quarantine' : 'warn';
  if (layer === 'gold') return kind === 'row' ? 'fail' : 'gate';
  return kind === 'row' ? 'quarantine' : 'fail';
}
