import type { JobCheck } from '../../pipelines/document/pipeline-document.ts';
import { checkIdOf } from '../../pipelines/document/check-id.ts';
import { formatCount } from './number-format.ts';
import type { DatasetProfile, Suggestion } from './profile.schemas.ts';
import { suggestionAction } from './suggestion-action.ts';

/** Profiled rows below this are too few for a high-confidence suggestion. */
export const MIN_ROWS_FOR_HIGH = 10;

/** What every suggestion of one profile shares. */
export interface SuggestionContext {
  readonly profile: DatasetProfile;
  /** The dataset's layer: it sets the actions. */
  readonly layer: string;
  /** All rows were read and there were enough of them: observations may count as facts. */
  readonly sure: boolean;
  /** `in 12,403 rows`, or `in a sample of 1,000,000 of 5,203,114 rows`. */
  readonly inRows: string;
}

/** The context of the suggestions for `profile`. */
export function suggestionContext(profile: DatasetProfile, layer: string): SuggestionContext {
  const { rows, profiledRows, sampled } = profile;
  return {
    profile,
    layer,
    sure: !sampled && profiledRows >= MIN_ROWS_FOR_HIGH,
    inRows: sampled
      ? `in a sample of ${formatCount(profiledRows)} of ${formatCount(rows)} rows`
      : `in ${formatCount(rows)} row${rows === 1 ? '' : 's'}`,
  };
}

/**
 * A suggestion: the check as a pipeline document declares it (its type's config, an explicit `id` only where the
 * default one would say nothing), with the action its layer and confidence call for.
 */
export function suggestion(
  context: SuggestionContext,
  check: Record<string, unknown> & { check: string },
  kind: 'row' | 'aggregate',
  confidence: 'high' | 'medium',
  evidence: string,
): Suggestion {
  const entry = { ...check, action: suggestionAction(context.layer, check.check, kind, confidence) } as JobCheck;
  return { id: checkIdOf(entry), check: entry, evidence, confidence };
}
