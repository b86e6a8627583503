import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defineCheck, Type } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { openSession, type EngineSession } from '../engine/engine-session.ts';
import { evaluateChecks, type CheckToRun } from './evaluate-checks.ts';

const notNull = defineCheck({
  type: 'not-null',
  version: 1,
  title: 'Not null',
  config: Type.Object({ column: Type.String() }),
  compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} IS NOT NULL` }),
});
const range = defineCheck({
  type: 'range',
  version: 1,
  title: 'Range',
  config: Type.Object({ column: Type.String(), min: Type.Number(), max: Type.Number() }),
  compile: (ctx, config) => ({
    kind: 'row',
    predicate: `${ctx.quote(config.column)} BETWEEN ${config.min} AND ${config.max}`,
  }),
});
const rowCount = defineCheck({
  type: 'row-count',
  version: 1,
  title: 'Row count',
  config: Type.Object({ min: Type.Number() }),
  compile: (_ctx, config) => ({ kind: 'aggregate', expression: 'count(*)', min: config.min }),
});

let dir: string;
let session: EngineSession;
let empty: EngineSession;
let statements: string[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-checks-'));
  const file = join(dir, 'orders.parquet');
  const none = join(dir, 'none.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`COPY (SELECT * FROM (VALUES (1, 'oslo', 10), (2, NULL, 250), (3, 'rome', NULL), (4, 'lima', 40),
    (5, NULL, 50)) AS t(id, city, amount)) TO '${file}' (FORMAT parquet)`);
  await connection.run(`COPY (SELECT 1 AS id, 'x' AS city, 1 AS amount WHERE false) TO '${none}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
  const open = (path: string, name: string) =>
    openSession({
      views: [{ name: 'silver.orders', source: `SELECT * FROM read_parquet('${path}')`, files: [path] }],
      memoryLimit: '256MB',
      threads: 1,
      scratchDirectory: join(dir, name),
    });
  const real = await open(file, 'full');
  statements = [];
  session = {
    ...real,
    stream: (sql: string) => {
      statements.push(sql);
      return real.stream(sql);
    },
    close: () => real.close(),
  };
  empty = await open(none, 'empty');
});
after(async () => {
  await session?.close();
  await empty?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const RELATION = '"silver"."orders"';
const check = (id: string, definition: CheckToRun['definition'], config: Record<string, unknown>, extra = {}) => ({
  id,
  definition,
  config,
  ...extra,
});

describe('check evaluation', () => {
  test('row checks count checked and failing rows in one pass; NULLs are not_null’s to judge; samples are bounded', async () => {
    statements.length = 0;
    const results = await evaluateChecks(
      session,
      RELATION,
      [
        check('city', notNull, { column: 'city' }),
        check('amount', range, { column: 'amount', min: 0, max: 100 }),
        check('id', notNull, { column: 'id' }),
      ],
      { sampleSize: 1 },
    );
    assert.deepEqual(
      results.map((r) => [r.id, r.passed, r.checked, r.failing, r.failingPercent]),
      [
        ['city', false, 5, 2, 40],
        ['amount', false, 5, 1, 20],
        ['id', true, 5, 0, 0],
      ],
    );
    assert.deepEqual(results[1]!.sample, [{ id: 2, city: null, amount: 250 }], 'the NULL amount passes the range');
    assert.equal(results[0]!.sample.length, 1, 'bounded by sampleSize');
    // One counting scan for all row checks, then one bounded sample per failing check.
    assert.equal(statements.filter((sql) => sql.includes('count_if(')).length, 1);
    assert.equal(statements.length, 3);
  });

  test('where narrows the rows checked; mostly lets a share of them fail', async () => {
    const [narrowed, lenient, strict] = await evaluateChecks(session, RELATION, [
      check('oslo', notNull, { column: 'city' }, { where: 'id <= 1' }),
      check('lenient', notNull, { column: 'city' }, { mostly: 0.6 }),
      check('strict', notNull, { column: 'city' }, { mostly: 0.61 }),
    ]);
    assert.deepEqual([narrowed!.checked, narrowed!.failing, narrowed!.passed], [1, 0, true]);
    assert.deepEqual([lenient!.failing, lenient!.passed], [2, true], '2 of 5 may fail at mostly 0.6');
    assert.equal(strict!.passed, false);
  });

  test('aggregate checks: the observed value against the bounds, also with where and on an empty table', async () => {
    const [all, some] = await evaluateChecks(session, RELATION, [
      check('rows', rowCount, { min: 5 }),
      check('rows_with_city', rowCount, { min: 4 }, { where: 'city IS NOT NULL' }),
    ]);
    assert.deepEqual([all!.observed, all!.passed], [5, true]);
    assert.deepEqual([some!.observed, some!.passed, some!.failing], [3, false, 1]);
    const [rows, city] = await evaluateChecks(empty, RELATION, [
      check('rows', rowCount, { min: 1 }),
      check('city', notNull, { column: 'city' }),
    ]);
    assert.deepEqual([rows!.observed, rows!.passed], [0, false]);
    assert.deepEqual([city!.checked, city!.failing, city!.failingPercent, city!.passed], [0, 0, 0, true]);
  });

  test('a mostly outside 0..1 and duplicate ids are refused before anything runs', async () => {
    for (const checks of [
      [check('a', notNull, { column: 'city' }, { mostly: 1.5 })],
      [check('a', notNull, { column: 'city' }), check('a', notNull, { column: 'id' })],
    ]) {
      await assert.rejects(evaluateChecks(session, RELATION, checks), (error: { code?: string }) => {
        assert.equal(error.code, 'CHECK_CONFIG_INVALID');
        return true;
      });
    }
  });
});

describe('context and history', () => {
  const seen: Array<{ columns: unknown; now: Date }> = [];
  const spy = defineCheck({
    type: 'spy',
    version: 1,
    title: 'Spy',
    config: Type.Object({}),
    compile: (ctx) => {
      seen.push({ columns: ctx.columns, now: ctx.now });
      return { kind: 'aggregate', expression: 'count(*)', note: 'compiled with a note' };
    },
  });
  const judged = defineCheck({
    type: 'judged',
    version: 1,
    title: 'Judged',
    config: Type.Object({ expression: Type.String(), min: Type.Optional(Type.Number()) }),
    compile: (_ctx, config) => ({
      kind: 'aggregate',
      expression: config.expression,
      ...(config.min === undefined ? {} : { min: config.min }),
      history: { method: 'change', baseline: 'previous', maxDecreasePercent: 50 },
    }),
  });
  const at = new Date('2024-05-06T12:00:00Z');

  test('checks compile with the relation’s columns and the time of the observation; notes are carried', async () => {
    seen.length = 0;
    const [result] = await evaluateChecks(session, RELATION, [check('spy', spy, {})], { now: at });
    assert.deepEqual(seen, [
      {
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'city', type: 'VARCHAR' },
          { name: 'amount', type: 'INTEGER' },
        ],
        now: at,
      },
    ]);
    assert.deepEqual([result!.passed, result!.observed, result!.note], [true, 5, 'compiled with a note']);
    assert.equal('baseline' in result!, false, 'no history, no baseline');
    const before = Date.now();
    await evaluateChecks(session, RELATION, [check('spy', spy, {})]);
    assert.ok(seen[1]!.now.getTime() >= before && seen[1]!.now.getTime() <= Date.now(), 'now by default');
  });

  test('history is asked for the checks that judge against it, and both bounds and history must pass', async () => {
    const asked: string[] = [];
    const history = async (id: string) => {
      asked.push(id);
      return id === 'halved' ? [{ observed: 11, at }] : [{ observed: 10, at }];
    };
    const results = await evaluateChecks(
      session,
      RELATION,
      [
        check('kept', judged, { expression: 'count(*)' }),
        check('halved', judged, { expression: 'count(*)' }),
        check('bounded', judged, { expression: 'count(*)', min: 6 }),
        check('rows', rowCount, { min: 1 }),
      ],
      { history, now: at },
    );
    assert.deepEqual(asked.sort(), ['bounded', 'halved', 'kept']);
    assert.deepEqual(
      results.map((r) => [r.id, r.passed, r.observed, r.baseline, r.note]),
      [
        ['kept', true, 5, 10, '-50% against the previous value (10)'],
        ['halved', false, 5, 11, '-54.5455% against the previous value (11), more than the allowed -50%'],
        ['bounded', false, 5, 10, '-50% against the previous value (10)'],
        ['rows', true, 5, undefined, undefined],
      ],
    );
  });

  test('without a history provider the history is empty; a NULL value fails with a note', async () => {
    const [first] = await evaluateChecks(session, RELATION, [check('first', judged, { expression: 'count(*)' })]);
    assert.deepEqual(
      [first!.passed, first!.baseline, first!.note],
      [true, null, 'no earlier observation to compare with'],
    );
    const [none] = await evaluateChecks(empty, RELATION, [check('none', judged, { expression: 'max(amount)' })], {
      history: async () => [{ observed: 10, at }],
    });
    assert.deepEqual(
      [none!.passed, none!.observed, none!.baseline, none!.note],
      [false, null, null, 'no value observed'],
    );
  });
});

test('the check test kit evaluates checks on fixture datasets, other datasets being views too', async () => {
  const { evaluateChecks: evaluate } = await import('@assay/sdk/testing');
  const known = defineCheck({
    type: 'known-city',
    version: 1,
    title: 'Known city',
    config: Type.Object({}),
    compile: () => ({ kind: 'row', predicate: 'city IN (SELECT name FROM silver.cities)' }),
  });
  const [result] = await evaluate(
    {
      'silver.orders': `SELECT * FROM (VALUES (1, 'oslo'), (2, 'rome'), (3, NULL)) AS t(id, city)`,
      'silver.cities': `SELECT 'oslo' AS name`,
    },
    'silver.orders',
    [{ definition: known, config: {} }],
  );
  assert.deepEqual(
    [result!.id, result!.checked, result!.failing, result!.sample],
    ['check_1', 3, 1, [{ id: 2, city: 'rome' }]],
  );
});
