import { quoteIdentifier, quoteLiteral, quoteRelation } from '@assay/sdk';
import type { ConformPlan, SourcePlan } from './conform-plan.ts';

const SYSTEM = quoteIdentifier('__assay_system');
const PRIORITY = quoteIdentifier('__assay_priority');
const RANK = quoteIdentifier('__assay_rank');
const raw = (j: number) => quoteIdentifier(`__assay_c${j}`);

/** The source's rows with one raw (uncast) value per target column, named `__assay_c<j>`. */
export function rawSql(source: SourcePlan): string {
  const values = source.values.map((value, j) => `${value} AS ${raw(j)}`).join(', ');
  const where = source.where === undefined ? '' : ` WHERE (${source.where}\n)`;
  return `SELECT ${values} FROM ${quoteRelation(source.dataset)}${where}`;
}

/** Why a raw row cannot be conformed, as `[condition, rule, reason SQL, column]`, first problem first. */
function problems(plan: ConformPlan): Array<[string, string, string, string]> {
  const keyNulls = plan.keyColumns.map((j): [string, string, string, string] => {
    const name = plan.columns[j]!.name;
    return [`${raw(j)} IS NULL`, 'conform.key_null', quoteLiteral(`business key column "${name}" is NULL`), name];
  });
  const casts = plan.columns.map(({ name, type }, j): [string, string, string, string] => [
    `(${raw(j)} IS NOT NULL AND TRY_CAST(${raw(j)} AS ${type}) IS NULL)`,
    'conform.cast',
    `${quoteLiteral(`"${name}": value `)} || left(CAST(${raw(j)} AS VARCHAR), 200) || ${quoteLiteral(` does not cast to ${type}`)}`,
    name,
  ]);
  return [...keyNulls, ...casts];
}

function invalidCondition(plan: ConformPlan): string {
  return problems(plan)
    .map(([condition]) => condition)
    .join(' OR ');
}

/**
 * The source rows that cannot be conformed, each as the target columns' raw values (as text), its system and dataset,
 * and `_rule`, `_reason`, `_column` for its first problem: what the quarantine receives.
 */
export function invalidRowsSql(plan: ConformPlan): string {
  const found = problems(plan);
  const caseOf = (pick: (problem: [string, string, string, string]) => string) =>
    `CASE ${found.map((problem) => `WHEN ${problem[0]} THEN ${pick(problem)}`).join(' ')} END`;
  return plan.sources
    .map((source) => {
      const values = plan.columns.map(({ name }, j) => `CAST(${raw(j)} AS VARCHAR) AS ${quoteIdentifier(name)}`);
      return (
        `SELECT ${values.join(', ')}, ${quoteLiteral(source.system)} AS "_conform_system", ` +
        `${quoteLiteral(source.dataset)} AS "_conform_dataset", ` +
        `${caseOf(([, rule]) => quoteLiteral(rule))} AS "_rule", ${caseOf(([, , reason]) => reason)} AS "_reason", ` +
        `${caseOf(([, , , column]) => quoteLiteral(column))} AS "_column" ` +
        `FROM (${rawSql(source)}) AS "__assay_raw" WHERE ${invalidCondition(plan)}`
      );
    })
    .join('\nUNION ALL\n');
}

/** Per source, rule and column: how many rows cannot be conformed, and a sample reason. Small. */
export function invalidSummarySql(plan: ConformPlan): string {
  return (
    `SELECT "_conform_system" AS "system", "_rule" AS "rule", "_column" AS "column", count(*) AS "n", ` +
    `min("_reason") AS "sample" FROM (${invalidRowsSql(plan)}) AS "__assay_invalid" GROUP BY ALL ` +
    `ORDER BY "system", "rule", "column"`
  );
}

/** The CTEs every statement shares: each source cast to the target types (`__assay_s<i>`), then `__assay_all`. */
function unionCtes(plan: ConformPlan, skipInvalid: boolean): string {
  const typed = plan.sources.map((source) => {
    const values = plan.columns.map(({ name, type }, j) => `CAST(${raw(j)} AS ${type}) AS ${quoteIdentifier(name)}`);
    const where = skipInvalid ? ` WHERE NOT (${invalidCondition(plan)})` : '';
    return (
      `${quoteIdentifier(`__assay_s${source.index}`)} AS (SELECT ${values.join(', ')}, ` +
      `${quoteLiteral(source.system)} AS ${SYSTEM}, ${source.priority} AS ${PRIORITY} ` +
      `FROM (${rawSql(source)}) AS "__assay_raw"${where})`
    );
  });
  const all = plan.sources
    .map((source) => `SELECT * FROM ${quoteIdentifier(`__assay_s${source.index}`)}`)
    .join(' UNION ALL ');
  return `WITH ${typed.join(',\n')},\n"__assay_all" AS (${all})`;
}

/** The resolution order within a key: latest first (NULLs last) for `latest`, then the source priority. */
function resolutionOrder(plan: ConformPlan): string {
  const byPriority = `${PRIORITY} ASC`;
  if (plan.updatedAt === undefined) return byPriority;
  return `${quoteIdentifier(plan.columns[plan.updatedAt]!.name)} DESC NULLS LAST, ${byPriority}`;
}

const rowHash = (plan: ConformPlan) => `hash(${plan.columns.map(({ name }) => quoteIdentifier(name)).join(', ')})`;

/** `__assay_ranked`: every row with its rank within its key (1 wins); a hash of its values breaks exact ties. */
function rankedCtes(plan: ConformPlan, skipInvalid: boolean): string {
  return (
    `${unionCtes(plan, skipInvalid)},\n"__assay_ranked" AS (SELECT *, row_number() OVER (` +
    `PARTITION BY ${plan.keyRefs.join(', ')} ORDER BY ${resolutionOrder(plan)}, ${rowHash(plan)}) AS ${RANK} ` +
    `FROM "__assay_all")`
  );
}

/** The conformed entity: one row per key, the lineage columns after the declared ones. */
export function conformedSql(plan: ConformPlan, skipInvalid: boolean): string {
  const system = plan.sourceSystemColumn;
  if (plan.merge === 'row') {
    const columns = plan.columns.map(({ name }) => quoteIdentifier(name));
    if (system !== undefined) columns.push(`${SYSTEM} AS ${quoteIdentifier(system)}`);
    columns.push(`${SYSTEM} AS ${quoteIdentifier(plan.winnerColumn)}`);
    return `${rankedCtes(plan, skipInvalid)}\nSELECT ${columns.join(', ')} FROM "__assay_ranked" WHERE ${RANK} = 1`;
  }
  const first = (value: string, name: string) =>
    `arg_min(${value}, ${RANK}) FILTER (WHERE ${quoteIdentifier(name)} IS NOT NULL)`;
  const winner = `arg_min(${SYSTEM}, ${RANK})`;
  const attributes = plan.columns.filter((_, j) => !plan.keyColumns.includes(j));
  const columns = plan.columns.map(({ name }, j) =>
    plan.keyColumns.includes(j)
      ? quoteIdentifier(name)
      : `${first(quoteIdentifier(name), name)} AS ${quoteIdentifier(name)}`,
  );
  if (system !== undefined) {
    const inKey = plan.keyRefs.includes(SYSTEM);
    columns.push(`${inKey ? SYSTEM : winner} AS ${quoteIdentifier(system)}`);
  }
  columns.push(`${winner} AS ${quoteIdentifier(plan.winnerColumn)}`);
  const winners = attributes.map(({ name }) => `${quoteLiteral(name)}: ${first(SYSTEM, name)}`);
  columns.push(`{${winners.join(', ')}} AS ${quoteIdentifier(plan.columnWinners!)}`);
  return (
    `${rankedCtes(plan, skipInvalid)}\nSELECT ${columns.join(', ')} FROM "__assay_ranked" ` +
    `GROUP BY ${plan.keyRefs.join(', ')}`
  );
}

/**
 * Keys whose winner is not determined: different rows of one source ranking equal (the top rank for a row merge,
 * any rank for an attribute merge, whose lower ranks fill gaps). A sample key (the first), its source and how many.
 */
export function tiesSql(plan: ConformPlan, skipInvalid: boolean): string {
  const keyStruct = `{${plan.key.map((name, index) => `${quoteLiteral(name)}: ${plan.keyRefs[index]!}`).join(', ')}}`;
  const grouping = [...plan.keyRefs, PRIORITY];
  if (plan.updatedAt !== undefined) grouping.push(quoteIdentifier(plan.columns[plan.updatedAt]!.name));
  const from =
    plan.merge === 'row'
      ? `(SELECT *, rank() OVER (PARTITION BY ${plan.keyRefs.join(', ')} ORDER BY ${resolutionOrder(plan)}) AS "__assay_r" ` +
        `FROM "__assay_all") AS "__assay_top" WHERE "__assay_r" = 1`
      : `"__assay_all"`;
  return (
    `${unionCtes(plan, skipInvalid)}\nSELECT ${keyStruct} AS "key", any_value(${SYSTEM}) AS "system", count(*) OVER () AS "keys" ` +
    `FROM ${from} GROUP BY ${grouping.join(', ')} HAVING count(DISTINCT ${rowHash(plan)}) > 1 ` +
    `ORDER BY ${plan.keyRefs.join(', ')} LIMIT 1`
  );
}

/** Per source system: rows that took part, keys it won, and keys contested by more than one row. Small. */
export function statsSql(plan: ConformPlan, skipInvalid: boolean): string {
  return (
    `${rankedCtes(plan, skipInvalid)}\nSELECT ${SYSTEM} AS "system", count(*) AS "rows", ` +
    `count(*) FILTER (WHERE ${RANK} = 1) AS "won", count(*) FILTER (WHERE ${RANK} = 2) AS "contested" ` +
    `FROM "__assay_ranked" GROUP BY ${SYSTEM}`
  );
}
