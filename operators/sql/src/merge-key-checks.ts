import { InputError, quoteLiteral } from '@assay/sdk';
import type { ContractPlan } from './contract-plan.ts';
import type { RowCheck } from './row-checks.ts';
import { KEY_ROWS } from './row-checks.ts';

/**
 * The checks a merge source must pass: no NULL in a key column (it would match nothing and be inserted again on
 * every run), and one row per key (which row should win is the query's to say). The key must be among the written
 * columns: `SQL_MERGE_KEY_MISSING` otherwise.
 */
export function mergeKeyChecks(
  keys: readonly string[],
  plan: ContractPlan,
  onProblem: 'fail' | 'quarantine',
  field: string,
): RowCheck[] {
  const expressions = keys.map((key, index) => {
    const column = plan.columns.find((c) => c.name === key);
    if (column === undefined) {
      throw new InputError(
        `config.write.key[${index}] "${key}" is not a column of the rows written (` +
          `${plan.columns.map((c) => c.name).join(', ')}): add it to config.${field} or fix the key`,
        { code: 'SQL_MERGE_KEY_MISSING', details: { path: `config.write.key[${index}]`, column: key } },
      );
    }
    return column.expression;
  });
  const named = keys.join(', ');
  const value = `concat(${quoteLiteral('merge key (')}, ${keys
    .map(
      (key, index) =>
        `${quoteLiteral(`${index === 0 ? '' : ', '}${key} = `)}, coalesce(left(CAST(${expressions[index]!} AS VARCHAR), 100), 'NULL')`,
    )
    .join(', ')}, ')')`;
  const firstNull = `CASE ${keys.map((key, index) => `WHEN ${expressions[index]!} IS NULL THEN ${quoteLiteral(key)}`).join(' ')} END`;
  return [
    {
      kind: 'key_null',
      rule: 'sql.merge.key_null',
      path: 'config.write.key',
      column: firstNull,
      condition: expressions.map((expression) => `${expression} IS NULL`).join(' OR '),
      reason: `concat(${value}, ' has a NULL: a NULL key matches no row')`,
      onProblem,
    },
    {
      kind: 'key_duplicate',
      rule: 'sql.merge.key_duplicate',
      path: 'config.write.key',
      column: quoteLiteral(named),
      condition: 'false',
      reason: `concat(${value}, ' is in ', ${KEY_ROWS}, ' rows of the query result')`,
      onProblem,
      keys: expressions,
    },
  ];
}
