import type { DocumentProblem } from './document-problem.ts';
import { formatPath, type PathSegment } from './document-path.ts';
import type { JobCheck } from './pipeline-document.ts';

/** How many of the dataset's columns a message lists before it says how many more there are. */
const LISTED_COLUMNS = 40;

/**
 * The columns a check names that its dataset lacks: config properties whose widget is `column` (one name) or
 * `columns` (a list), and the keys of `fix`. DuckDB matches column names without regard to case, and so does this.
 * Messages are relative to the check.
 */
export function columnProblems(
  entry: JobCheck,
  widgets: Readonly<Record<string, string>>,
  base: readonly PathSegment[],
  dataset: string,
  columns: readonly string[],
  mayAdd: readonly string[] = [],
): DocumentProblem[] {
  const known = new Set([...columns, ...mayAdd].map((column) => column.toLowerCase()));
  const named: Array<{ name: unknown; at: PathSegment[] }> = [];
  const settings = entry as Record<string, unknown>;
  for (const [property, widget] of Object.entries(widgets)) {
    const value = settings[property];
    if (widget === 'column') named.push({ name: value, at: [property] });
    if (widget === 'columns' && Array.isArray(value)) {
      value.forEach((name, index) => named.push({ name, at: [property, index] }));
    }
  }
  for (const column of Object.keys(entry.fix ?? {})) named.push({ name: column, at: ['fix', column] });

  const listed = columns.slice(0, LISTED_COLUMNS).join(', ');
  const more = columns.length > LISTED_COLUMNS ? ` and ${columns.length - LISTED_COLUMNS} more` : '';
  return named
    .filter((column): column is { name: string; at: PathSegment[] } => typeof column.name === 'string')
    .filter(({ name }) => name !== '' && !known.has(name.toLowerCase()))
    .map(({ name, at }) => ({
      code: 'PIPELINE_CHECK_COLUMN_MISSING',
      path: formatPath([...base, ...at]),
      message:
        `column "${name}" is not a column of ${dataset} (its columns: ${listed || 'none'}${more}): correct the ` +
        'name, or apply the change that makes the job write the column before adding the check',
    }));
}
