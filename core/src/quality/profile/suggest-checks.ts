import { columnSuggestions } from './column-suggestions.ts';
import { formatCount } from './number-format.ts';
import type { DatasetProfile, SkippedColumn, Suggestion } from './profile.schemas.ts';
import { suggestion, suggestionContext } from './suggestion-builder.ts';

/** What {@link suggestChecks} found, and the columns it left alone with the reason. */
export interface SuggestedChecks {
  readonly suggestions: Suggestion[];
  readonly skipped: SkippedColumn[];
}

/**
 * Checks a profile supports, each with the observation behind it and a confidence, without any model: the same
 * profile always gives the same suggestions in the same order (column by column, then keys of several columns, then
 * the row count). Per column: `not_null` when there is no NULL, `null_rate` when there are few, `unique` for a
 * candidate key; for text the most precise of `type` (every value casts), `accepted_values` (few distinct values),
 * `regex` (≥ 99 % share a shape) or a length `range` (all one length); for numbers a `range` widened beyond what was
 * seen; for dates a lower bound and, when none lies ahead, a not-in-the-future check. Audit columns (`_…`) and
 * columns masked for the caller are skipped: what a mask shows is not the data. `layer` (by default the relation's
 * prefix) sets each check's action.
 */
export function suggestChecks(profile: DatasetProfile, options: { layer?: string } = {}): SuggestedChecks {
  const layer = options.layer ?? profile.relation.split('.')[0] ?? 'silver';
  const context = suggestionContext(profile, layer);
  const suggestions: Suggestion[] = [];
  const skipped: SkippedColumn[] = [];
  if (profile.profiledRows === 0) {
    return {
      suggestions,
      skipped: profile.columns.map((column) => ({
        column: column.name,
        reason: 'the dataset has no rows to learn from',
      })),
    };
  }
  for (const column of profile.columns) {
    if (column.name.startsWith('_')) {
      skipped.push({ column: column.name, reason: 'an audit column: Assay writes it, so checks on it say nothing' });
    } else if (column.masked) {
      skipped.push({
        column: column.name,
        reason: 'masked for you: its profile shows the mask, not the data (ask someone who may see it)',
      });
    } else {
      suggestions.push(...columnSuggestions(context, column));
    }
  }
  for (const key of profile.candidateKeys.filter((columns) => columns.length > 1)) {
    suggestions.push(
      suggestion(
        context,
        { check: 'unique', columns: key },
        'aggregate',
        'medium',
        `no two rows share (${key.join(', ')}) and none of them is NULL ${context.inRows}; no single column is a key`,
      ),
    );
  }
  const min = Math.max(1, Math.floor(profile.rows / 2));
  suggestions.push(
    suggestion(
      context,
      { check: 'row_count', min },
      'aggregate',
      'medium',
      `${formatCount(profile.rows)} rows now; fewer than ${formatCount(min)} would mean half of them went missing`,
    ),
  );
  return { suggestions, skipped };
}
