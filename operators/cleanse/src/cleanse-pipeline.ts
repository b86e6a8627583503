import { quoteIdentifier, quoteLiteral, quoteRelation } from '@assay/sdk';
import type { CleansePlan, PlannedDedupe } from './cleanse-plan.ts';
import { columnStages } from './column-stages.ts';
import { CteChain, internal, ROW } from './cte-chain.ts';
import { lookupStages } from './lookup-stages.ts';
import type { Counter, Outcome } from './row-outcomes.ts';

/** The cleanse as SQL: one chain of CTEs ending in `cleanse_result`, and the statements reading it. */
export interface CleansePipeline {
  /** In the order a row meets them; `outcome_<n>` of the stats counts the rows of the nth. */
  readonly outcomes: readonly Outcome[];
  readonly counters: readonly Counter[];
  /** The clean rows, as the output gets them. */
  readonly cleanSql: string;
  /** The rejected rows as they came in, with `_rule`, `_reason` and `_column`. */
  readonly quarantineSql: string;
  /** One row: `rows`, `clean`, `outcome_<n>` per outcome and `counter_<n>` per counter. */
  readonly statsSql: string;
  /** The distinct values of `columns` in the rows outcome `n` applies to: examples for a message. */
  sampleSql(n: number, columns: readonly string[]): string;
}

/** The index of the first outcome that holds for the row, before dedupe. */
const FIRST = internal('first');
/** The index of the outcome that decides the row, dedupe's `reject_all` included; NULL for a clean row. */
const FINAL = internal('final');
/** Whether the row is written. */
const KEEP = internal('keep');
const RANK = internal('rank');

/**
 * Builds the pipeline: standardize (steps), NULL handling, enrichment (lookups), classification (the first outcome
 * that holds), dedupe (among the rows still in), each stage a CTE over the last. Every statement reads the chain
 * once, in one DuckDB pass.
 */
export function cleansePipeline(plan: CleansePlan): CleansePipeline {
  const chain = new CteChain();
  const originals = plan.columns.map((c) => `${quoteIdentifier(c.column)} AS ${internal(`o${c.index}`)}`);
  chain.add(
    'cleanse_source',
    () => `SELECT *, ${[...originals, `row_number() OVER () AS ${ROW}`].join(', ')} FROM ${quoteRelation(plan.input)}`,
  );
  const columns = columnStages(chain, plan.columns);
  const lookups = lookupStages(chain, plan.lookups, `${FINAL} IS NULL`);
  const outcomes: Outcome[] = [...columns.outcomes, ...lookups.outcomes];
  const counters: Counter[] = [
    ...columns.filled.map((f) => ({
      metric: `cleanse.${f.column}.filled`,
      when: `${KEEP} AND coalesce(${f.flag}, false)`,
    })),
    ...lookups.counters,
  ];
  const arms = outcomes.map((o, n) => `WHEN ${o.flag} THEN ${n}`);
  const first = arms.length === 0 ? 'CAST(NULL AS INTEGER)' : `CASE ${arms.join(' ')} END`;
  chain.add('cleanse_classified', (from) => `SELECT *, ${first} AS ${FIRST} FROM ${from}`);

  let final = FIRST;
  let keep = `${FINAL} IS NULL`;
  if (plan.dedupe !== undefined) {
    chain.add('cleanse_dedupe', (from) => `SELECT *, ${rankSql(plan.dedupe!)} AS ${RANK} FROM ${from}`);
    const keys = plan.dedupe.key.join(', ');
    if (plan.dedupe.keep === 'reject_all') {
      const flag = `(${FIRST} IS NULL AND ${RANK} > 1)`;
      const reason = `${keys}: the key has several rows`;
      outcomes.push({ kind: 'quarantine', id: plan.dedupe.id, column: keys, reason, flag });
      final = `coalesce(${FIRST}, CASE WHEN ${flag} THEN ${outcomes.length - 1} END)`;
    } else {
      keep = `${FINAL} IS NULL AND ${RANK} = 1`;
      counters.push({ metric: `${plan.dedupe.id}.dropped`, when: `${FINAL} IS NULL AND ${RANK} > 1` });
    }
  }
  chain.add('cleanse_final', (from) => `SELECT *, ${final} AS ${FINAL} FROM ${from}`);
  // Only quarantine outcomes name a rule: dropped rows and failing ones (the job stops) are not quarantined.
  const pick = (value: (o: Outcome) => string) => {
    const picked = outcomes.flatMap((o, n) => (o.kind === 'quarantine' ? [`WHEN ${n} THEN ${value(o)}`] : []));
    return picked.length === 0 ? 'CAST(NULL AS VARCHAR)' : `CASE ${FINAL} ${picked.join(' ')} END`;
  };
  chain.add(
    'cleanse_result',
    (from) =>
      `SELECT *, ${pick((o) => quoteLiteral(o.id))} AS ${internal('rule')}, ` +
      `${pick((o) => quoteLiteral(o.reason))} AS ${internal('reason')}, ${pick((o) => quoteLiteral(o.column))} AS ` +
      `${internal('column')}, (${keep}) AS ${KEEP} FROM ${from}`,
  );

  const with_ = chain.with();
  const asTheyCame = plan.inputColumns.map((c) => {
    const configured = plan.columns.find((p) => p.column === c.name);
    return configured === undefined
      ? quoteIdentifier(c.name)
      : `${internal(`o${configured.index}`)} AS ${quoteIdentifier(c.name)}`;
  });
  const stats = [
    'count(*) AS "rows"',
    `count(*) FILTER (WHERE ${KEEP}) AS "clean"`,
    ...outcomes.map((_, n) => `count(*) FILTER (WHERE ${FINAL} = ${n}) AS "outcome_${n}"`),
    ...counters.map((c, n) => `count(*) FILTER (WHERE ${c.when}) AS "counter_${n}"`),
  ];
  return {
    outcomes,
    counters,
    cleanSql: `${with_}SELECT ${plan.outputColumns.map(quoteIdentifier).join(', ')} FROM cleanse_result WHERE ${KEEP}`,
    quarantineSql:
      `${with_}SELECT ${asTheyCame.join(', ')}, ${internal('rule')} AS "_rule", ${internal('reason')} AS "_reason", ` +
      `${internal('column')} AS "_column" FROM cleanse_result WHERE ${internal('rule')} IS NOT NULL`,
    statsSql: `${with_}SELECT ${stats.join(', ')} FROM cleanse_result`,
    sampleSql: (n, keys) =>
      `${with_}SELECT DISTINCT ${keys.map(quoteIdentifier).join(', ')} FROM cleanse_result WHERE ${FINAL} = ${n}`,
  };
}

/**
 * The rank of a row among the rows of its key that no rule set aside (those rank among themselves): 1 is kept.
 * NULLs of orderBy never win; ties go to the earlier row (first) or the later one (last, latest_by). For
 * `reject_all`, the number of rows of the key.
 */
function rankSql(dedupe: PlannedDedupe): string {
  const partition = `PARTITION BY ${[...dedupe.key.map(quoteIdentifier), `(${FIRST} IS NULL)`].join(', ')}`;
  if (dedupe.keep === 'reject_all') return `count(*) OVER (${partition})`;
  const by = dedupe.orderBy === undefined ? [] : [quoteIdentifier(dedupe.orderBy)];
  const order =
    dedupe.keep === 'first'
      ? [...by.map((b) => `${b} ASC NULLS LAST`), `${ROW} ASC`]
      : [...by.map((b) => `${b} DESC NULLS LAST`), `${ROW} DESC`];
  return `row_number() OVER (${partition} ORDER BY ${order.join(', ')})`;
}
