import { isDeepStrictEqual } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** Names the parsed expression, so anything the text adds after it (clauses, columns) shows as a different query. */
const ALIAS = 'assay_check_expression';

/** How DuckDB's message starts when RE2 refuses a pattern. */
const INVALID_INPUT = 'Invalid Input Error: ';

/** Expression classes no check SQL may contain, with why. */
const FORBIDDEN: ReadonlyMap<string, string> = new Map([
  [
    'SUBQUERY',
    'contains a subquery (SELECT, IN (SELECT …), EXISTS, ANY/ALL), which could read other tables: a check sees only ' +
      'the rows of the job’s output; use the referential check to compare with another dataset, IN (…) or ' +
      'list_contains for a list of values',
  ],
  [
    'WINDOW',
    'uses a window function (OVER), whose value depends on which rows are checked with it: judge each row on its ' +
      'own, or all rows with an aggregate expression',
  ],
  ['PARAMETER', 'has a parameter (? or $1) that nothing would bind: write the value as a literal'],
  ['STAR', 'uses * or COLUMNS(…), which stand for several columns, not one value'],
]);

/** What one expression does, as far as the parser can tell without data. */
export interface ExpressionFacts {
  /** Aggregate functions it calls (lower case), in order, repeats included. */
  readonly aggregates: readonly string[];
  /** Columns it names outside any aggregate call (lambda parameters are not columns). */
  readonly bareColumns: readonly string[];
}

/** One SQL expression, parsed: its facts, or why it is not one expression a check can use. */
export type ParsedExpression = { readonly facts: ExpressionFacts } | { readonly refused: string };

/** DuckDB's parser and regex engine for check validation; no data and no binder involved. */
export interface CheckSqlParser {
  /** Parses `sql` as one expression: not a statement, nothing after it, no subquery, window or parameter. */
  expression(sql: string): Promise<ParsedExpression>;
  /** Why `pattern` does not compile as an RE2 regular expression, or undefined when it does. */
  regexError(pattern: string): Promise<string | undefined>;
  /** Frees the in-memory database, if one was opened. */
  close(): Promise<void>;
}

interface SerializedSql {
  error: boolean;
  error_message?: string;
  statements?: Array<{ node?: Record<string, unknown> }>;
}

/**
 * A parser that opens an in-memory DuckDB on first use (most pipelines need none), so validation judges check SQL
 * exactly as the engine will read it. Close it when validation is done.
 *
 * @example
 * ```ts
 * const parser = createCheckSqlParser();
 * try {
 *   const parsed = await parser.expression('amount > 0');
 * } finally {
 *   await parser.close();
 * }
 * ```
 */
export function createCheckSqlParser(): CheckSqlParser {
  let opened: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  let functions: Promise<FunctionNames> | undefined;
  let template: Promise<SerializedSql> | undefined;
  const connect = async () => {
    opened ??= DuckDBInstance.create(':memory:').then(async (instance) => ({
      instance,
      connection: await instance.connect(),
    }));
    return (await opened).connection;
  };
  const parse = async (sql: string): Promise<SerializedSql> => {
    const reader = await (await connect()).runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql]);
    return JSON.parse(String(reader.getRowObjectsJson()[0]?.ast)) as SerializedSql;
  };

  return {
    async expression(sql) {
      // The newline keeps a trailing line comment from swallowing the closing parenthesis.
      const wrapped = await parse(`SELECT (${sql}\n) AS ${ALIAS}`);
      if (wrapped.error) {
        const reason = (wrapped.error_message ?? 'it cannot be parsed').split('\n')[0] ?? '';
        // The parser serializes only SELECTs: a statement of another kind came after a semicolon.
        if (/only SELECT statements/i.test(reason)) return { refused: 'is several statements, not one expression' };
        return { refused: `is not a SQL expression: ${reason}` };
      }
      const node = wrapped.statements?.length === 1 ? wrapped.statements[0]?.node : undefined;
      if (node === undefined) return { refused: 'is several statements, not one expression' };
      const empty = (await (template ??= parse(`SELECT (NULL\n) AS ${ALIAS}`))).statements?.[0]?.node;
      const list = node.select_list as Array<Record<string, unknown>> | undefined;
      const item = list?.[0];
      if (list?.length !== 1 || item?.alias !== ALIAS || !isDeepStrictEqual(outside(node), outside(empty))) {
        return {
          refused: 'is not one expression: it adds to the query around it (FROM, UNION, ORDER BY, a column, …)',
        };
      }
      // Unwrapped, the same text must give the same expression: `a) OR (b` only looks like one inside parentheses.
      const bare = (await parse(`SELECT ${sql}\n AS ${ALIAS}`)).statements?.[0]?.node;
      const bareItem = (bare?.select_list as unknown[] | undefined)?.[0];
      if (!isDeepStrictEqual(withoutLocations(bareItem), withoutLocations(item))) {
        return { refused: 'is not one expression: its parentheses do not balance' };
      }
      const facts = { aggregates: [] as string[], bareColumns: [] as string[] };
      functions ??= connect().then(async (connection) => ({
        aggregates: await aggregateNames(connection),
        tables: await tableFunctionNames(connection),
      }));
      const refused = walk(item, { inAggregate: false, lambda: new Set() }, await functions, facts);
      return refused === undefined ? { facts } : { refused };
    },

    async regexError(pattern) {
      try {
        await (await connect()).run(`SELECT regexp_full_match('', $1::VARCHAR)`, [pattern]);
        return undefined;
      } catch (error) {
        // DuckDB raises an Invalid Input Error for a pattern RE2 refuses; anything else is not about the pattern.
        const message = String((error as Error).message);
        if (!message.startsWith(INVALID_INPUT)) throw error;
        return message.slice(INVALID_INPUT.length);
      }
    },

    async close() {
      const current = opened;
      opened = undefined;
      // A database that failed to open has nothing to free; its error already reached the call that opened it.
      const open = await current?.catch(() => undefined);
      open?.connection.closeSync();
      open?.instance.closeSync();
    },
  };
}

/**
 * Walks an expression tree collecting aggregate calls and columns outside them; the first forbidden node's reason
 * ends the walk.
 */
function walk(
  value: unknown,
  scope: { readonly inAggregate: boolean; readonly lambda: ReadonlySet<string> },
  functions: FunctionNames,
  facts: { aggregates: string[]; bareColumns: string[] },
): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const refused = walk(item, scope, functions, facts);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const node = value as Record<string, unknown>;
  const kind = String(node.class ?? '');
  const forbidden = FORBIDDEN.get(kind);
  if (forbidden !== undefined) return forbidden;
  let inner = scope;
  if (kind === 'COLUMN_REF') {
    const names = (node.column_names as string[] | undefined) ?? [];
    const lambdaParameter = names.length === 1 && scope.lambda.has(names[0]!);
    if (!scope.inAggregate && !lambdaParameter) facts.bareColumns.push(names.join('.'));
    return undefined;
  }
  if (kind === 'FUNCTION' && typeof node.function_name === 'string') {
    const name = node.function_name.toLowerCase();
    if (functions.tables.has(name)) {
      return `calls ${name}(), a table function, which reads files or generates rows: use scalar functions of the row`;
    }
    if (functions.aggregates.has(name)) {
      facts.aggregates.push(name);
      inner = { ...scope, inAggregate: true };
    }
  }
  if (kind === 'LAMBDA') {
    const lhs = node.lhs as { class?: string; column_names?: string[]; children?: unknown[] } | undefined;
    const parameters = lhs?.class === 'COLUMN_REF' ? [lhs] : ((lhs?.children ?? []) as Array<typeof lhs>);
    const names = parameters.flatMap((parameter) => parameter?.column_names ?? []);
    return walk(node.expr, { ...scope, lambda: new Set([...scope.lambda, ...names]) }, functions, facts);
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === 'alias' || key === 'query_location') continue;
    const refused = walk(child, inner, functions, facts);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/** Function names by what they are: aggregates (and macros calling one), and table functions only. */
interface FunctionNames {
  readonly aggregates: ReadonlySet<string>;
  readonly tables: ReadonlySet<string>;
}

/** Table functions and table macros whose names no scalar function or macro shares. */
async function tableFunctionNames(connection: DuckDBConnection): Promise<ReadonlySet<string>> {
  const reader = await connection.runAndReadAll(
    `SELECT lower(function_name) AS name FROM duckdb_functions() GROUP BY lower(function_name)
     HAVING bool_or(function_type IN ('table', 'table_macro')) AND NOT bool_or(function_type IN ('scalar', 'macro', 'aggregate'))`,
  );
  return new Set(reader.getRowObjectsJson().map((row) => String(row.name)));
}

/**
 * Aggregate functions by name, and the macros that call one (`geomean` is `exp(avg(ln(x)))`), followed through
 * macros that call such macros.
 */
async function aggregateNames(connection: DuckDBConnection): Promise<ReadonlySet<string>> {
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT lower(function_name) AS name, function_type AS type, macro_definition AS definition
     FROM duckdb_functions() WHERE function_type IN ('aggregate', 'macro')`,
  );
  const rows = reader.getRowObjectsJson() as Array<{ name: string; type: string; definition: string | null }>;
  const names = new Set(rows.filter((row) => row.type === 'aggregate').map((row) => row.name));
  const macros = rows.filter((row) => row.type === 'macro' && row.definition !== null);
  for (let grew = true; grew;) {
    grew = false;
    const calls = new RegExp(`(^|[^a-z0-9_.])(${[...names].map(escapeRegExp).join('|')})\\s*\\(`, 'i');
    for (const macro of macros) {
      if (!names.has(macro.name) && calls.test(macro.definition!)) {
        names.add(macro.name);
        grew = true;
      }
    }
  }
  return names;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The query around the select list, without source positions. */
function outside(node: Record<string, unknown> | undefined): unknown {
  return withoutLocations(node === undefined ? undefined : { ...node, select_list: null });
}

function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'query_location')
      .map(([key, child]) => [key, withoutLocations(child)]),
  );
}
