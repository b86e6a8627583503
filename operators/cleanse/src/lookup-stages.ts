import { quoteIdentifier, quoteRelation } from '@assay/sdk';
import type { PlannedKey, PlannedLookup } from './cleanse-plan.ts';
import { internal, type CteChain } from './cte-chain.ts';
import type { Counter, Outcome } from './row-outcomes.ts';

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/**
 * One left join per lookup, adding the returned columns and an "unmatched" flag; what the flag means is the
 * lookup's: a row dropped (inner join), quarantined, failing the job, or kept with NULLs (counted).
 * `unquarantined` is the condition, on the last stage, of a row no rule set aside.
 */
export function lookupStages(
  chain: CteChain,
  lookups: readonly PlannedLookup[],
  unquarantined: string,
): { outcomes: Outcome[]; counters: Counter[] } {
  const outcomes: Outcome[] = [];
  const counters: Counter[] = [];
  for (const lookup of lookups) {
    const unmatched = internal(`u${lookup.index}`);
    const returned = lookup.columns.map((c, i) => `${quoteIdentifier(c.column)} AS ${internal(`r${i}`)}`);
    const hit = internal('hit');
    const reference = referenceSql(lookup.dataset, lookup.keys, [...returned, `true AS ${hit}`]);
    const out = lookup.columns.map((c, i) => `r.${internal(`r${i}`)} AS ${quoteIdentifier(c.as)}`);
    chain.add(
      `cleanse_lookup_${lookup.index + 1}`,
      (from) =>
        `SELECT m.*, ${out.join(', ')}, (r.${hit} IS NULL) AS ${unmatched} ` +
        `FROM ${from} AS m LEFT JOIN (${reference}) AS r ON ${joinOn(lookup.keys)}`,
    );
    const column = lookup.keys.map((k) => k.column).join(', ');
    const outcome = { id: lookup.id, column, reason: `${column}: no match in ${lookup.dataset}`, flag: unmatched };
    if (lookup.join === 'inner') outcomes.push({ kind: 'drop', ...outcome });
    else if (lookup.onNoMatch === 'quarantine') outcomes.push({ kind: 'quarantine', ...outcome });
    else if (lookup.onNoMatch === 'fail') outcomes.push({ kind: 'fail', ...outcome });
    else counters.push({ metric: `${lookup.id}.unmatched`, when: `${unquarantined} AND ${unmatched}` });
  }
  return { outcomes, counters };
}

/** The reference rows a lookup joins: keys under internal names (NULL keys never match), and the wanted columns. */
export function referenceSql(dataset: string, keys: readonly PlannedKey[], columns: readonly string[]): string {
  const keyColumns = keys.map((k, i) => `${quoteIdentifier(k.referenceColumn)} AS ${internal(`k${i}`)}`);
  const notNull = keys.map((k) => `${quoteIdentifier(k.referenceColumn)} IS NOT NULL`).join(' AND ');
  return `SELECT ${[...keyColumns, ...columns].join(', ')} FROM ${quoteRelation(dataset)} WHERE ${notNull}`;
}

/** Keys of one type (or both numbers) compare as they are; others as text: an INTEGER id against a VARCHAR code. */
export function joinOn(keys: readonly PlannedKey[]): string {
  return keys
    .map((k, i) => {
      const left = `m.${quoteIdentifier(k.column)}`;
      const right = `r.${internal(`k${i}`)}`;
      const comparable = k.type === k.referenceType || (NUMERIC.test(k.type) && NUMERIC.test(k.referenceType));
      return comparable ? `${left} = ${right}` : `CAST(${left} AS VARCHAR) = CAST(${right} AS VARCHAR)`;
    })
    .join(' AND ');
}
