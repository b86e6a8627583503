import {} from '@assay/sdk';
import { batchSql, DEL, SEQ, T } from './batch-sql.ts';
import { emptyHistory } from './history-sql.ts';
import { columnOf, keyList, keysEqual, rowHash, surrogateKey, valuesEqual } from './row-hash-sql.ts';
import type { Scd2Plan } from './scd2-plan.ts';
import { quoteIdentifier as q } from '@assay/sdk';

/**
 * The SCD1 change set, as rows to merge into the output by business key: per key the batch's last row (latest
 * effective time, then the same tie-break as scd2) overwrites the stored row when a compared column differs, or
 * when it brings a deleted key back. With an effective-time column the output keeps, a row older than the stored
 * one changes nothing. Deletes: `invalidate` removes the row (key only, NULL hash: the merge's delete marker),
 * `new_record` keeps it flagged deleted.
 */
export function scd1Sql(plan: Scd2Plan): string {
  const n = plan.names;
  const keys = plan.keys;
  const by = keyList(keys);
  const deleted = n.deleted === undefined ? 'false' : `h.${q(n.deleted)}`;
  const storedTime =
    plan.timeColumn === undefined
      ? `CAST(NULL AS ${plan.timeType})`
      : `CAST(h.${q(plan.timeColumn)} AS ${plan.timeType})`;
  const ctes: Array<[string, string]> = [
    ['batch', `(${batchSql(plan)})`],
    ['hist', `(SELECT * FROM ${plan.output ?? `${emptyHistory(plan)} AS nothing`})`],
    [
      'latest',
      `(SELECT * FROM batch QUALIFY row_number() OVER (PARTITION BY ${by} ORDER BY ${T} DESC, ${SEQ} DESC NULLS LAST, ` +
        `${DEL} DESC, ${rowHash(plan.compared)} DESC, ${rowHash([...keys, ...plan.attributes])} DESC) = 1)`,
    ],
    [
      'fresh',
      `(SELECT b.*, ${columnOf('h', keys[0]!.name)} IS NOT NULL AS __scd_known, coalesce(${deleted}, false) AS __scd_was, ` +
        `${valuesEqual(plan.compared, 'b', 'h')} AS __scd_same FROM latest AS b LEFT JOIN hist AS h ON ` +
        `${keysEqual(keys, 'b', 'h')} WHERE ${storedTime} IS NULL OR b.${T} >= ${storedTime})`,
    ],
    [
      'upserts',
      `(SELECT ${surrogateKey(keys, undefined, plan.surrogateKeyType)} AS ${q(n.surrogateKey)}, ` +
        `${[by, ...plan.attributes.map((a) => q(a.name))].join(', ')}, ` +
        `${n.deleted === undefined ? '' : `false AS ${q(n.deleted)}, `}${rowHash(plan.compared)} AS ${q(n.hash)} ` +
        `FROM fresh WHERE NOT ${DEL} AND (NOT __scd_known OR __scd_was OR NOT __scd_same))`,
    ],
  ];
  const parts = ['SELECT * FROM upserts'];
  if (plan.policy !== 'ignore') {
    const removed = [`SELECT ${by} FROM fresh WHERE ${DEL} AND __scd_known AND NOT __scd_was`];
    if (plan.snapshot) {
      removed.push(
        `SELECT ${keyList(keys, 'h')} FROM hist AS h ANTI JOIN ${plan.input} AS s ON ${keysEqual(keys, 's', 'h')} ` +
          `WHERE NOT coalesce(${deleted}, false)`,
      );
    }
    ctes.push(['removed', `(${removed.join(' UNION ')})`]);
    parts.push(
      plan.policy === 'invalidate'
        ? 'SELECT * FROM removed'
        : `SELECT h.* REPLACE (true AS ${q(n.deleted!)}) FROM hist AS h SEMI JOIN removed AS r ON ${keysEqual(keys, 'h', 'r')}`,
    );
  }
  ctes.push(['changed', `(${parts.join(' UNION ALL BY NAME ')})`]);
  return (
    `WITH ${ctes.map(([name, body]) => `${name} AS ${body}`).join(',\n')}\n` +
    `SELECT ${plan.outputColumns.map(q).join(', ')} FROM changed`
  );
}
