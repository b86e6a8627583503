import type { DocumentProblem } from './document-problem.ts';
import { formatPath, type PathSegment } from './document-path.ts';
import type { JobCheck } from './pipeline-document.ts';
import type { CheckSqlParser } from './validate-check-parser.ts';

/** The widgets that say how a check type uses a config property's SQL. */
const SQL_WIDGETS: Readonly<Record<string, SqlUse>> = { 'sql-predicate': 'row', 'sql-aggregate': 'aggregate' };
const CODE = 'PIPELINE_CHECK_SQL_INVALID';

/**
 * How the runner uses a piece of check SQL: on each row on its own (`where`, `fix` values, a row predicate), or over
 * all the rows at once (an aggregate expression).
 */
type SqlUse = 'row' | 'aggregate';

/**
 * The problems of a check's SQL, judged by DuckDB's parser without data: `where`, each `fix` value and the
 * properties whose widget is `sql-predicate` (custom_sql's `predicate`) must each be one expression over one row (no
 * aggregate); those whose widget is `sql-aggregate` (custom_sql's `expression`) one expression that aggregates the
 * rows, every column inside an aggregate call. None may be a statement, reach past
 * the expression, read a table (subquery), use a window function or a parameter. Messages are relative to the check
 * (the caller names the job and check).
 */
export async function checkSqlProblems(
  entry: JobCheck,
  widgets: Readonly<Record<string, string>>,
  base: readonly PathSegment[],
  parser: CheckSqlParser,
): Promise<DocumentProblem[]> {
  const problems: DocumentProblem[] = [];
  const judge = async (sql: unknown, at: PathSegment[], what: string, use: SqlUse) => {
    if (typeof sql !== 'string' || sql === '') return;
    const message = await sqlProblem(sql, what, use, parser);
    if (message !== undefined) problems.push({ code: CODE, path: formatPath([...base, ...at]), message });
  };
  await judge(entry.where, ['where'], 'where', 'row');
  for (const [column, sql] of Object.entries(entry.fix ?? {})) {
    await judge(sql, ['fix', column], `the fix for column "${column}"`, 'row');
  }
  for (const [property, widget] of Object.entries(widgets)) {
    const use = SQL_WIDGETS[widget];
    if (use !== undefined) await judge((entry as Record<string, unknown>)[property], [property], property, use);
  }
  return problems;
}

async function sqlProblem(sql: string, what: string, use: SqlUse, parser: CheckSqlParser): Promise<string | undefined> {
  const parsed = await parser.expression(sql);
  if ('refused' in parsed) return `${what} ${parsed.refused}`;
  const { aggregates, bareColumns } = parsed.facts;
  if (use === 'row') {
    const [aggregate] = aggregates;
    if (aggregate === undefined) return undefined;
    return (
      `${what} calls ${aggregate}(), an aggregate, but it is evaluated on each row on its own: to judge the ` +
      'rows as a whole use custom_sql with expression (and min/max)'
    );
  }
  if (aggregates.length === 0) {
    return (
      `${what} must aggregate the rows, e.g. count(DISTINCT customer_id) or sum(amount) / count(*), but it calls ` +
      'no aggregate function: for a rule each row must meet, use predicate'
    );
  }
  const [column] = bareColumns;
  if (column === undefined) return undefined;
  return (
    `${what} uses column ${column} outside an aggregate function, and a column has no single value over all ` +
    'rows: wrap it in one (sum, min, max, any_value, …)'
  );
}
