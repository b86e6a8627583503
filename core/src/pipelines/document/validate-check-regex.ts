import type { DocumentProblem } from './document-problem.ts';
import { formatPath, type PathSegment } from './document-path.ts';
import type { JobCheck } from './pipeline-document.ts';
import type { CheckSqlParser } from './validate-check-parser.ts';

/** The form widget that marks a check config property as a regular expression. */
const REGEX_WIDGET = 'regex';

/**
 * The regular expressions of a check that do not compile, as DuckDB's RE2 engine reads them when the check runs:
 * the properties whose widget is `regex`. Messages are relative to the check.
 */
export async function regexProblems(
  entry: JobCheck,
  widgets: Readonly<Record<string, string>>,
  base: readonly PathSegment[],
  parser: CheckSqlParser,
): Promise<DocumentProblem[]> {
  const marked = Object.entries(widgets).flatMap(([property, widget]) => (widget === REGEX_WIDGET ? [property] : []));
  const properties = new Set(marked);
  const problems: DocumentProblem[] = [];
  for (const property of properties) {
    const pattern = (entry as Record<string, unknown>)[property];
    if (typeof pattern !== 'string' || pattern === '') continue;
    const error = await parser.regexError(pattern);
    if (error === undefined) continue;
    problems.push({
      code: 'PIPELINE_CHECK_REGEX_INVALID',
      path: formatPath([...base, property]),
      message:
        `${property} ${JSON.stringify(pattern)} does not compile as an RE2 regular expression (${error}): ` +
        'correct it; RE2 has no lookaround and no backreferences',
    });
  }
  return problems;
}
