import {} from '@assay/sdk';
import { batchSql, DEL, SEQ, SRC, T } from './batch-sql.ts';
import { columnOf, keyList, keysEqual, rowHash, surrogateKey, valuesEqual } from './row-hash-sql.ts';
import type { Scd2Plan } from './scd2-plan.ts';
import { quoteIdentifier as q } from '@assay/sdk';

const VT = '__scd_vt';
const NEXT = '__scd_next';
const LAST = '__scd_last';
const PREV_DEL = '__scd_pdel';
const PAIRED = '__scd_paired';
const SAME = '__scd_same';
const prev = (i: number) => `__scd_p${i}`;
const before = (i: number) => `__scd_l${i}`;

/**
 * The SCD2 change set, as rows to merge into the output by (business key, valid_from): new and changed versions,
 * plus, for versions that no longer exist, rows carrying only their key and valid_from with a NULL hash (the
 * merge's delete marker). Empty when the input changes nothing.
 *
 * How: only the keys the batch can change are rebuilt (the "affected" keys: a row that differs from the key's
 * current version, comes earlier than it, deletes or resurrects it; a key a snapshot lacks; a key with history
 * after restateFrom). For those, the history is read back as events — each version's start, and each gap after a
 * closed version as a delete — and merged with the batch's events. At one effective time a key has one state: the
 * batch's row wins over history unless both say the same (then history stays, so a re-run changes nothing); among
 * batch rows the highest sequenceBy, then a delete, then the highest row hash, then the highest hash of all columns
 * wins. Consecutive events with the same state collapse into the first; every remaining event opens a version that
 * the next one closes. The result is compared with the stored versions of those keys.
 */
export function historySql(plan: Scd2Plan): string {
  const n = plan.names;
  const keys = plan.keys;
  const by = keyList(keys);
  const vf = q(n.validFrom);
  const deleted = n.deleted === undefined ? 'false' : q(n.deleted);
  const attrs = plan.attributes.map((a) => q(a.name));
  const restate = plan.restateFrom;
  const same = (a: string, b: string) =>
    `((${a}.${DEL} AND ${b}.${DEL}) OR (NOT ${a}.${DEL} AND NOT ${b}.${DEL} AND ${valuesEqual(plan.compared, a, b)}))`;

  const ctes: Array<[string, string]> = [];
  ctes.push(['batch', `MATERIALIZED (${batchSql(plan)})`]);
  // Not materialized: each use reads only the columns (and, partitioned, the files) it needs.
  ctes.push([
    'hist',
    `NOT MATERIALIZED (SELECT *, CASE WHEN ${q(n.validTo)} >= ${plan.farFuture} THEN NULL ELSE ${q(n.validTo)} END AS ${VT} ` +
      `FROM ${plan.output ?? `${emptyHistory(plan)} AS nothing`})`,
  ]);
  ctes.push([
    'cur',
    `(SELECT ${by}, ${vf} AS ${T}, ${plan.compared.map((c) => q(c.name)).join(', ')}${plan.compared.length === 0 ? '' : ', '}` +
      `${deleted} AS ${DEL} FROM hist WHERE ${q(n.isCurrent)})`,
  ]);
  const affected = [
    `SELECT DISTINCT ${keyList(keys, 'b')} FROM batch AS b LEFT JOIN cur AS c ON ${keysEqual(keys, 'b', 'c')} ` +
      `WHERE ${columnOf('c', keys[0]!.name)} IS NULL OR b.${T} < c.${T} OR NOT ${same('b', 'c')}`,
  ];
  if (plan.snapshot && plan.policy !== 'ignore') {
    affected.push(
      `SELECT ${keyList(keys, 'c')} FROM cur AS c ANTI JOIN ${plan.input} AS s ON ${keysEqual(keys, 's', 'c')} ` +
        `WHERE NOT c.${DEL}`,
    );
  }
  if (restate !== undefined) {
    affected.push(`SELECT DISTINCT ${by} FROM hist WHERE ${vf} >= ${restate} OR ${VT} >= ${restate}`);
  }
  ctes.push(['affected', `(${affected.join(' UNION ')})`]);
  ctes.push(['ha', `MATERIALIZED (SELECT h.* FROM hist AS h SEMI JOIN affected AS a ON ${keysEqual(keys, 'h', 'a')})`]);

  // History as events: each version's start (a delete for a recorded delete), and each gap after a closed version.
  const startsBefore = restate === undefined ? '' : ` WHERE ${vf} < ${restate}`;
  ctes.push([
    'hev',
    `(SELECT ${by}, ${attrs.join(', ')}${attrs.length === 0 ? '' : ', '}${vf} AS ${T}, ${deleted} AS ${DEL}, 0 AS ${SRC} FROM ha${startsBefore} ` +
      `UNION ALL BY NAME SELECT ${keyList(keys, 'h')}, h.${VT} AS ${T}, true AS ${DEL}, 0 AS ${SRC} FROM ha AS h ` +
      `ANTI JOIN ha AS x ON ${keysEqual(keys, 'x', 'h')} AND x.${vf} = h.${VT} WHERE h.${VT} IS NOT NULL` +
      `${restate === undefined ? '' : ` AND h.${VT} < ${restate}`})`,
  ]);
  const batchEvents = [
    `SELECT b.*, 1 AS ${SRC} FROM batch AS b SEMI JOIN affected AS a ON ${keysEqual(keys, 'b', 'a')}`,
  ];
  if (plan.snapshot && plan.policy !== 'ignore') {
    // A key the snapshot lacks was deleted at the load time; if that is not after the key's last event (effective
    // times ahead of the clock, or a DATE changed today), just after it, so the delete never replaces a version.
    const tick = plan.timeType === 'DATE' ? 'INTERVAL 1 DAY' : 'INTERVAL 1 MICROSECOND';
    const deletedAt =
      `CASE WHEN m.${LAST} IS NULL OR ${plan.loadTime} > m.${LAST} THEN ${plan.loadTime} ` +
      `ELSE CAST(m.${LAST} + ${tick} AS ${plan.timeType}) END`;
    batchEvents.push(
      `SELECT ${keyList(keys, 'g')}, ${deletedAt} AS ${T}, ` +
        `true AS ${DEL}, 1 AS ${SRC} FROM (SELECT a.* FROM affected AS a ANTI JOIN ${plan.input} AS s ON ` +
        `${keysEqual(keys, 's', 'a')}) AS g LEFT JOIN (SELECT ${by}, max(${T}) AS ${LAST} FROM hev GROUP BY ${by}) AS m ` +
        `ON ${keysEqual(keys, 'm', 'g')}`,
    );
  }
  ctes.push(['bev', `(${batchEvents.join(' UNION ALL BY NAME ')})`]);
  ctes.push([
    'bwin',
    `(SELECT * FROM bev QUALIFY row_number() OVER (PARTITION BY ${by}, ${T} ORDER BY ${SEQ} DESC NULLS LAST, ` +
      `${DEL} DESC, ${rowHash(plan.compared)} DESC, ${rowHash([...keys, ...plan.attributes])} DESC) = 1)`,
  ]);
  // Joined on equalities only (hash joins), the comparison of the two events computed after.
  const other = (alias: string) => `${columnOf(alias, keys[0]!.name)} IS NOT NULL AS ${PAIRED}`;
  const at = `${keysEqual(keys, 'b', 'h')} AND b.${T} = h.${T}`;
  ctes.push([
    'chosen',
    `(SELECT * EXCLUDE (${PAIRED}, ${SAME}) FROM (SELECT h.*, ${other('b')}, ${same('b', 'h')} AS ${SAME} FROM hev AS h ` +
      `LEFT JOIN bwin AS b ON ${at}) WHERE NOT ${PAIRED} OR ${SAME} ` +
      `UNION ALL BY NAME SELECT * EXCLUDE (${PAIRED}, ${SAME}) FROM (SELECT b.*, ${other('h')}, ${same('b', 'h')} AS ${SAME} ` +
      `FROM bwin AS b LEFT JOIN hev AS h ON ${at}) WHERE NOT (${PAIRED} AND ${SAME}))`,
  ]);
  const window = `WINDOW w AS (PARTITION BY ${by} ORDER BY ${T})`;
  const lags = plan.compared.map((c, i) => `lag(${q(c.name)}) OVER w AS ${prev(i)}`);
  const unchanged = plan.compared.map((c, i) => `${q(c.name)} IS NOT DISTINCT FROM ${prev(i)}`);
  ctes.push([
    'marked',
    `(SELECT *, lag(${DEL}, 1, true) OVER w AS ${PREV_DEL}${lags.map((l) => `, ${l}`).join('')} FROM chosen ${window})`,
  ]);
  ctes.push([
    'kept',
    `(SELECT * EXCLUDE (${[PREV_DEL, ...plan.compared.map((_, i) => prev(i))].join(', ')}) FROM marked WHERE NOT ` +
      `((${DEL} AND ${PREV_DEL}) OR (NOT ${DEL} AND NOT ${PREV_DEL} AND ${['true', ...unchanged].join(' AND ')})))`,
  ]);
  // A recorded delete (new_record) carries the values of the version it ends.
  const tombstones = plan.policy === 'new_record';
  const carried = tombstones ? attrs.map((a, i) => `, lag(${a}) OVER w AS ${before(i)}`).join('') : '';
  ctes.push(['versions', `(SELECT *, lead(${T}) OVER w AS ${NEXT}${carried} FROM kept ${window})`]);
  const values = attrs.map((a, i) => (tombstones ? `CASE WHEN ${DEL} THEN ${before(i)} ELSE ${a} END AS ${a}` : a));
  ctes.push([
    'shaped',
    `(SELECT ${[by, ...values, T, NEXT, DEL].join(', ')} FROM versions${tombstones ? '' : ` WHERE NOT ${DEL}`})`,
  ]);
  const validTo = plan.openEnd === 'far_future' ? `coalesce(${NEXT}, ${plan.farFuture})` : NEXT;
  ctes.push([
    'rebuilt',
    `(SELECT ${surrogateKey(keys, { expression: T, type: plan.timeType }, plan.surrogateKeyType)} AS ${q(n.surrogateKey)}, ` +
      `${[by, ...attrs].join(', ')}, ${T} AS ${vf}, CAST(${validTo} AS ${plan.timeType}) AS ${q(n.validTo)}, ` +
      `${NEXT} IS NULL AS ${q(n.isCurrent)}, ${n.deleted === undefined ? '' : `${DEL} AS ${q(n.deleted)}, `}` +
      `${rowHash(plan.compared)} AS ${q(n.hash)} FROM shaped)`,
  ]);
  const compared = plan.outputColumns.filter((c) => !keys.some((k) => k.name === c) && c !== n.validFrom);
  const unchangedRow = compared.map((c) => `o.${q(c)} IS NOT DISTINCT FROM r.${q(c)}`).join(' AND ');
  ctes.push([
    'changed',
    `(SELECT r.* FROM rebuilt AS r LEFT JOIN ha AS o ON ${keysEqual(keys, 'r', 'o')} AND o.${vf} = r.${vf} ` +
      `WHERE o.${vf} IS NULL OR NOT (${unchangedRow}) ` +
      `UNION ALL BY NAME SELECT ${keyList(keys, 'o')}, o.${vf} FROM ha AS o ANTI JOIN rebuilt AS r ON ` +
      `${keysEqual(keys, 'r', 'o')} AND r.${vf} = o.${vf})`,
  ]);
  return (
    `WITH ${ctes.map(([name, body]) => `${name} AS ${body}`).join(',\n')}\n` +
    `SELECT ${plan.outputColumns.map(q).join(', ')} FROM changed`
  );
}

/** The output before it exists: no rows, with the columns and types it will have. */
export function emptyHistory(plan: Scd2Plan): string {
  const n = plan.names;
  const typed: Array<[string, string]> = [
    [n.surrogateKey, plan.surrogateKeyType === 'bigint' ? 'BIGINT' : 'VARCHAR'],
    ...[...plan.keys, ...plan.attributes].map((c): [string, string] => [c.name, c.type]),
  ];
  if (plan.mode === 'scd2') {
    typed.push([n.validFrom, plan.timeType], [n.validTo, plan.timeType], [n.isCurrent, 'BOOLEAN']);
  }
  if (n.deleted !== undefined) typed.push([n.deleted, 'BOOLEAN']);
  typed.push([n.hash, 'BIGINT']);
  return `(SELECT ${typed.map(([name, type]) => `CAST(NULL AS ${type}) AS ${q(name)}`).join(', ')} WHERE false)`;
}
