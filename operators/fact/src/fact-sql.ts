import { quoteIdentifier, quoteLiteral, quoteRelation } from '@assay/sdk';
import type { OperatorPartition } from '@assay/sdk';
import { dimensionAlias, SOURCE, type DimensionPlan, type FactPlan } from './fact-plan.ts';

const output = (index: number) => quoteIdentifier(`__assay_o${index}`);
const miss = (dimension: DimensionPlan) => quoteIdentifier(`__assay_miss${dimension.index}`);
const known = (dimension: DimensionPlan) => quoteIdentifier(`__assay_known${dimension.index}`);
const key = (j: number) => quoteIdentifier(`__assay_k${j}`);
const text = (sql: string) => `coalesce(CAST(${sql} AS VARCHAR), 'NULL')`;

/** `{'a': "a", …}`: a struct of named values, for samples. */
function struct(entries: ReadonlyArray<readonly [string, string]>): string {
  const unique = new Map(entries);
  return `{${[...unique].map(([name, sql]) => `${quoteLiteral(name)}: ${sql}`).join(', ')}}`;
}

/** The point-in-time lookup of one dimension: the version valid at the row's event time, if any. */
function lookupJoin(dimension: DimensionPlan): string {
  const alias = dimensionAlias(dimension.index);
  const keys = dimension.businessKey.map((column, j) => `${quoteIdentifier(column)} AS ${key(j)}`);
  const versions =
    `SELECT ${keys.join(', ')}, ${quoteIdentifier(dimension.surrogateKey)} AS "__assay_sk", ` +
    `${quoteIdentifier(dimension.validFrom)} AS "__assay_from", ${quoteIdentifier(dimension.validTo)} AS "__assay_to", ` +
    `TRUE AS "__assay_hit" FROM ${quoteRelation(dimension.dataset)}`;
  const time = `${SOURCE}.${quoteIdentifier(dimension.eventTime)}`;
  const conditions = [
    ...dimension.sourceKey.map((column, j) => `${alias}.${key(j)} = ${SOURCE}.${quoteIdentifier(column)}`),
    `${time} >= ${alias}."__assay_from"`,
    `(${alias}."__assay_to" IS NULL OR ${time} ${dimension.inclusive ? '<=' : '<'} ${alias}."__assay_to")`,
  ];
  return `LEFT JOIN (${versions}) AS ${alias} ON ${conditions.join(' AND ')}`;
}

/** Whether the row's business key is in the dimension at all: unknown rows whose key is known arrived late. */
function knownJoin(dimension: DimensionPlan): string {
  const alias = quoteIdentifier(`__assay_m${dimension.index}`);
  const keys = dimension.businessKey.map((column, j) => `${quoteIdentifier(column)} AS ${key(j)}`);
  const conditions = dimension.sourceKey.map(
    (column, j) => `${alias}.${key(j)} = ${SOURCE}.${quoteIdentifier(column)}`,
  );
  return (
    `LEFT JOIN (SELECT DISTINCT ${keys.join(', ')}, TRUE AS "__assay_known" FROM ${quoteRelation(dimension.dataset)}) ` +
    `AS ${alias} ON ${conditions.join(' AND ')}`
  );
}

/**
 * `__assay_rows`: every source row (in a partition run, those of the partition) with its original columns, the
 * output columns as `__assay_o<i>`, and per dimension whether the lookup missed (`__assay_miss<d>`) and, for the
 * checks, whether the key is known at all (`__assay_known<d>`).
 */
function rowsCte(plan: FactPlan, partition: OperatorPartition | undefined, withKnown = false): string {
  const columns = [
    ...plan.sourceColumns.map((column) => `${SOURCE}.${quoteIdentifier(column)}`),
    ...plan.outputs.map((column, i) => `${column.sql} AS ${output(i)}`),
    ...plan.dimensions.map((d) => `(${dimensionAlias(d.index)}."__assay_hit" IS NULL) AS ${miss(d)}`),
    ...(withKnown
      ? plan.dimensions.map(
          (d) => `(${quoteIdentifier(`__assay_m${d.index}`)}."__assay_known" IS NOT NULL) AS ${known(d)}`,
        )
      : []),
  ];
  const joins = [...plan.dimensions.map(lookupJoin), ...(withKnown ? plan.dimensions.map(knownJoin) : [])];
  const where =
    partition === undefined || plan.partition === undefined
      ? ''
      : ` WHERE ${plan.partition.sql} >= DATE ${quoteLiteral(partition.start)} AND ` +
        `${plan.partition.sql} < DATE ${quoteLiteral(partition.end)}`;
  return (
    `WITH "__assay_rows" AS (SELECT ${columns.join(', ')} FROM ${quoteRelation(plan.source)} AS ${SOURCE} ` +
    `${joins.join(' ')}${where})`
  );
}

/** Rows the unknown-member setting quarantines: a lookup missed in a dimension set to `quarantine`. */
function quarantinedUnknown(plan: FactPlan): string {
  const misses = plan.dimensions.filter((d) => d.onUnknown === 'quarantine').map(miss);
  return misses.length === 0 ? 'FALSE' : misses.join(' OR ');
}

/** `__assay_kept`: the rows that are not quarantined for an unknown member. */
function keptCte(plan: FactPlan, partition: OperatorPartition | undefined): string {
  return `${rowsCte(plan, partition)},\n"__assay_kept" AS (SELECT * FROM "__assay_rows" WHERE NOT (${quarantinedUnknown(plan)}))`;
}

const grainRefs = (plan: FactPlan) => plan.grain.map(output).join(', ');

/**
 * One row of counts: source rows, per dimension the unknown (`unknown<d>`) and late (`late<d>`) lookups with a
 * sample key and time, per cast measure the values that do not cast (`cast<m>`) with a sample.
 */
export function checksSql(plan: FactPlan, partition: OperatorPartition | undefined): string {
  const columns = ['count(*) AS "rows"'];
  for (const d of plan.dimensions) {
    const sample = struct([
      ...d.sourceKey.map((c) => [c, quoteIdentifier(c)] as const),
      [d.eventTime, quoteIdentifier(d.eventTime)],
    ]);
    columns.push(
      `count(*) FILTER (WHERE ${miss(d)}) AS "unknown${d.index}"`,
      `count(*) FILTER (WHERE ${miss(d)} AND ${known(d)}) AS "late${d.index}"`,
      `min(${sample}) FILTER (WHERE ${miss(d)}) AS "sample${d.index}"`,
    );
  }
  plan.casts.forEach(({ column, type }, m) => {
    const fails = `${quoteIdentifier(column)} IS NOT NULL AND TRY_CAST(${quoteIdentifier(column)} AS ${type}) IS NULL`;
    columns.push(
      `count(*) FILTER (WHERE ${fails}) AS "cast${m}"`,
      `min(CAST(${quoteIdentifier(column)} AS VARCHAR)) FILTER (WHERE ${fails}) AS "castSample${m}"`,
    );
  });
  return `${rowsCte(plan, partition, true)}\nSELECT ${columns.join(', ')} FROM "__assay_rows"`;
}

/** Grain keys held by more than one kept row: how many, their rows, and the smallest as a sample. */
export function grainSql(plan: FactPlan, partition: OperatorPartition | undefined): string {
  const sample = struct(plan.grain.map((i) => [plan.outputs[i]!.name, output(i)] as const));
  return (
    `${keptCte(plan, partition)},\n"__assay_dups" AS (SELECT ${sample} AS "key", count(*) AS "n" FROM "__assay_kept" ` +
    `GROUP BY ${grainRefs(plan)} HAVING count(*) > 1)\n` +
    `SELECT count(*) AS "keys", coalesce(sum("n"), 0) AS "rows", min("key") AS "sample" FROM "__assay_dups"`
  );
}

/**
 * What the quarantine receives: the source rows as they were, with `_rule`, `_reason` and `_column` — rows of an
 * unknown member (dimensions set to quarantine) and, when `grain` is set, every row of a grain held more than once.
 */
export function quarantineSql(plan: FactPlan, partition: OperatorPartition | undefined, grain: boolean): string {
  const originals = plan.sourceColumns.map(quoteIdentifier).join(', ');
  const parts: string[] = [];
  const dimensions = plan.dimensions.filter((d) => d.onUnknown === 'quarantine');
  if (dimensions.length > 0) {
    const caseOf = (pick: (d: DimensionPlan) => string) =>
      `CASE ${dimensions.map((d) => `WHEN ${miss(d)} THEN ${pick(d)}`).join(' ')} END`;
    const reason = (d: DimensionPlan) =>
      `${quoteLiteral(`no version of ${d.dataset} at `)} || ${text(quoteIdentifier(d.eventTime))} || ${quoteLiteral(' for ')} || ` +
      d.sourceKey
        .map((c, j) => `${quoteLiteral(`${j === 0 ? '' : ', '}${d.businessKey[j]!}=`)} || ${text(quoteIdentifier(c))}`)
        .join(' || ');
    parts.push(
      `SELECT ${originals}, ${caseOf((d) => quoteLiteral(`fact.unknown.${d.name}`))} AS "_rule", ${caseOf(reason)} AS "_reason", ` +
        `${caseOf((d) => quoteLiteral(d.sourceKey[0]!))} AS "_column" FROM "__assay_rows" WHERE ${quarantinedUnknown(plan)}`,
    );
  }
  if (grain) {
    const described = plan.grain
      .map((i, n) => `${quoteLiteral(`${n === 0 ? '' : ', '}${plan.outputs[i]!.name}=`)} || ${text(output(i))}`)
      .join(' || ');
    parts.push(
      `SELECT ${originals}, 'fact.grain' AS "_rule", CAST("__assay_n" AS VARCHAR) || ' rows share the grain ' || ${described} ` +
        `AS "_reason", CAST(NULL AS VARCHAR) AS "_column" FROM (SELECT *, count(*) OVER (PARTITION BY ${grainRefs(plan)}) ` +
        `AS "__assay_n" FROM "__assay_kept") AS "__assay_counted" WHERE "__assay_n" > 1`,
    );
  }
  return `${keptCte(plan, partition)}\n${parts.join('\nUNION ALL\n')}`;
}

/** The fact rows to write: kept rows, without the grain's duplicates when those are quarantined. */
export function factSql(plan: FactPlan, partition: OperatorPartition | undefined, dropDuplicates: boolean): string {
  const columns = plan.outputs.map((column, i) => `${output(i)} AS ${quoteIdentifier(column.name)}`);
  const qualify = dropDuplicates ? ` QUALIFY count(*) OVER (PARTITION BY ${grainRefs(plan)}) = 1` : '';
  return `${keptCte(plan, partition)}\nSELECT ${columns.join(', ')} FROM "__assay_kept"${qualify}`;
}

/**
 * Business keys of a dimension with overlapping versions (a version starting before the previous one ended): the
 * point-in-time lookup would match twice. How many, and the smallest key as a sample.
 */
export function overlapsSql(d: DimensionPlan): string {
  const keys = d.businessKey.map(quoteIdentifier).join(', ');
  const from = quoteIdentifier(d.validFrom);
  const to = quoteIdentifier(d.validTo);
  const sample = struct(d.businessKey.map((c) => [c, quoteIdentifier(c)] as const));
  return (
    `SELECT count(*) AS "n", min(${sample}) AS "sample" FROM (SELECT ${keys}, ${to}, ` +
    `lead(${from}) OVER (PARTITION BY ${keys} ORDER BY ${from}, ${to} NULLS LAST) AS "__assay_next" ` +
    `FROM ${quoteRelation(d.dataset)}) AS "__assay_versions" WHERE "__assay_next" IS NOT NULL AND ` +
    `(${to} IS NULL OR "__assay_next" ${d.inclusive ? '<=' : '<'} ${to})`
  );
}

/** One row: per dimension whether its unknown key does not cast to the surrogate key's type (`bad<d>`). */
export function unknownKeysSql(plan: FactPlan): string {
  return `SELECT ${plan.dimensions
    .map((d) => `TRY_CAST(${d.unknownLiteral} AS ${d.surrogateType}) IS NULL AS "bad${d.index}"`)
    .join(', ')}`;
}
