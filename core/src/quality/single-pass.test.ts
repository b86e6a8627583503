// Issue 8's single-pass rule: a job's row checks read its data once. Twenty row checks over six columns are
// evaluated on a sandboxed session whose `stream` calls are counted, and every statement the evaluator sent is
// replayed under DuckDB's `EXPLAIN ANALYZE` on an unsandboxed twin of the session (the sandbox allows only plain
// SELECTs), whose profile says how many table scans ran and how many rows they read.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { datasetViewSql, literal, type DatasetView } from '../engine/dataset-view.ts';
import { openSession, type EngineSession } from '../engine/engine-session.ts';
import { evaluateChecks, type CheckToRun } from './evaluate-checks.ts';
import {
  betweenFixture as between,
  matchesFixture as matches,
  maxLengthFixture as maxLength,
  notNullFixture as notNull,
  oneOfFixture as oneOf,
} from './row-check-fixtures.ts';

const ROWS = 1000;
const RELATION = '"silver"."orders"';
/** Rows `i` of the dirty fixture that break a check, and what they break. */
const dirty = {
  amount: (i: number) => i % 100 === 7, // amount NULL: fails not_null only (a NULL passes the range checks)
  status: (i: number) => i % 250 === 3, // status 'lost'
  code: (i: number) => i % 125 === 5, // code 'bad': fails the pattern and the length
};

/** Six columns (ids, an amount, a date, codes as text, a nullable note); `broken` breaks some rows as above. */
const fixture = (broken: boolean) => `SELECT
    (range + 1)::BIGINT AS id,
    (range % 97 + 1)::INTEGER AS customer_id,
    CASE WHEN ${broken} AND range % 100 = 7 THEN NULL ELSE CAST(range % 500 / 10 + 0.5 AS DECIMAL(10,2)) END AS amount,
    DATE '2025-01-01' + CAST(range % 365 AS INTEGER) AS ordered_on,
    CASE WHEN ${broken} AND range % 125 = 5 THEN 'bad' ELSE 'C-' || lpad(CAST(range % 10000 AS VARCHAR), 4, '0') END
      AS code,
    CASE WHEN ${broken} AND range % 250 = 3 THEN 'lost' ELSE ['new', 'paid', 'shipped'][range % 3 + 1] END AS status,
    CASE WHEN range % 4 = 0 THEN NULL ELSE 'n' || range END AS note
  FROM range(${ROWS})`;

/** The oracle: how many rows `i` of range(ROWS) a rule picks, counted independently of the SQL. */
const count = (rule: (i: number) => boolean) => Array.from({ length: ROWS }, (_, i) => i).filter(rule).length;

const check = (id: string, definition: CheckToRun['definition'], config: Record<string, unknown>, extra = {}) => ({
  id,
  definition,
  config,
  ...extra,
});
/** Twenty row checks, all passing on the clean fixture; two narrowed by `where`, which adds no pass. */
const CHECKS: CheckToRun[] = [
  ...['id', 'customer_id', 'amount', 'ordered_on', 'code', 'status'].map((column) =>
    check(`not_null.${column}`, notNull, { column }),
  ),
  check('range.id', between, { column: 'id', min: '1', max: String(ROWS) }),
  check('range.customer_id', between, { column: 'customer_id', min: '1', max: '97' }),
  check('range.amount', between, { column: 'amount', min: '0', max: '100' }),
  check('positive.amount', between, { column: 'amount', min: '0.01', max: '1e9' }),
  check('range.ordered_on', between, { column: 'ordered_on', min: "DATE '2025-01-01'", max: "DATE '2025-12-31'" }),
  check('pattern.code', matches, { column: 'code', pattern: '^C-[0-9]{4}$' }),
  check('length.code', maxLength, { column: 'code', max: 6 }, { where: "code <> 'bad'" }),
  check('accepted.status', oneOf, { column: 'status', values: ['new', 'paid', 'shipped'] }),
  check('length.status', maxLength, { column: 'status', max: 7 }),
  check('pattern.note', matches, { column: 'note', pattern: '^n[0-9]+$' }),
  check('length.note', maxLength, { column: 'note', max: 4 }),
  check('paid.note', matches, { column: 'note', pattern: '^n[0-9]*$' }, { where: "status = 'paid'" }),
  check('range.id_customer', between, { column: 'customer_id', min: '1', max: 'id' }),
  check('pattern.status', matches, { column: 'status', pattern: '^[a-z]+$' }),
];

interface Twin {
  /** The session the evaluator uses, its `stream` calls recorded in `statements`. */
  readonly session: EngineSession;
  readonly statements: string[];
  /** An unsandboxed connection with the same view, to profile the recorded statements on. */
  readonly profiler: DuckDBConnection;
  close(): Promise<void>;
}

let dir: string;
let clean: Twin;
let broken: Twin;

async function twin(name: string, select: string): Promise<Twin> {
  const file = join(dir, `${name}.parquet`);
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const profiler = await instance.connect();
  await profiler.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
  const view: DatasetView = {
    name: 'silver.orders',
    source: `SELECT * FROM read_parquet(${literal(file)})`,
    files: [file],
  };
  for (const statement of datasetViewSql(view)) await profiler.run(statement);
  const real = await openSession({
    views: [view],
    memoryLimit: '256MB',
    threads: 1,
    scratchDirectory: join(dir, name),
  });
  const statements: string[] = [];
  const session: EngineSession = {
    ...real,
    stream: (sql: string) => {
      statements.push(sql);
      return real.stream(sql);
    },
  };
  return {
    session,
    statements,
    profiler,
    async close() {
      await real.close();
      profiler.closeSync();
      instance.closeSync();
    },
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-single-pass-'));
  clean = await twin('clean', fixture(false));
  broken = await twin('broken', fixture(true));
});
after(async () => {
  await clean?.close();
  await broken?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Profile {
  /** Table scans in the executed plan (a Parquet read is one). */
  readonly scans: number;
  /** Rows those scans produced. */
  readonly rowsScanned: number;
  /** Rows the statement returned. */
  readonly rowsReturned: number;
}

/** Runs `sql` under `EXPLAIN ANALYZE` and reads the scans out of DuckDB's JSON profile. */
async function profile(connection: DuckDBConnection, sql: string): Promise<Profile> {
  const reader = await connection.runAndReadAll(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
  const plan = JSON.parse(String(reader.getRowObjectsJson()[0]?.explain_value)) as PlanNode;
  const scans: PlanNode[] = [];
  let returned = 0;
  const walk = (node: PlanNode, parent: PlanNode | undefined) => {
    if (node.operator_type === 'TABLE_SCAN') scans.push(node);
    // The EXPLAIN_ANALYZE operator swallows the result: its child's cardinality is what the query returned.
    if (parent?.operator_type === 'EXPLAIN_ANALYZE') returned = node.operator_cardinality ?? 0;
    for (const child of node.children ?? []) walk(child, node);
  };
  walk(plan, undefined);
  return {
    scans: scans.length,
    rowsScanned: scans.reduce((sum, scan) => sum + (scan.operator_cardinality ?? 0), 0),
    rowsReturned: returned,
  };
}
interface PlanNode {
  readonly operator_type?: string;
  readonly operator_cardinality?: number;
  readonly children?: PlanNode[];
}

describe('twenty row checks read the data once', () => {
  test('all passing: one statement, one table scan reading every row once, every count exact', async () => {
    clean.statements.length = 0;
    const results = await evaluateChecks(clean.session, RELATION, CHECKS);
    assert.equal(CHECKS.length, 20);
    assert.equal(clean.statements.length, 1, 'one counting query, no sample query');
    const [counting] = clean.statements;
    assert.equal(counting!.split(RELATION).length - 1, 1, 'the query names the relation once');
    assert.deepEqual(await profile(clean.profiler, counting!), { scans: 1, rowsScanned: ROWS, rowsReturned: 1 });

    const paid = count((i) => i % 3 === 1);
    const expected = CHECKS.map(({ id }) => [id, true, id === 'paid.note' ? paid : ROWS, 0, []]);
    assert.deepEqual(
      results.map((r) => [r.id, r.passed, r.checked, r.failing, r.sample]),
      expected,
    );
  });

  test('failing checks add exactly one bounded sample query each, and only they do', async () => {
    broken.statements.length = 0;
    const sampleSize = 3;
    const results = await evaluateChecks(broken.session, RELATION, CHECKS, { sampleSize });
    const failing: Record<string, number> = {
      'not_null.amount': count(dirty.amount),
      'accepted.status': count(dirty.status),
      'pattern.code': count(dirty.code),
    };
    const checked: Record<string, number> = {
      'length.code': ROWS - count(dirty.code),
      'paid.note': count((i) => i % 3 === 1 && !dirty.status(i)),
    };
    assert.deepEqual(
      results.map((r) => [r.id, r.checked, r.failing, r.passed]),
      CHECKS.map(({ id }) => [id, checked[id] ?? ROWS, failing[id] ?? 0, (failing[id] ?? 0) === 0]),
    );
    assert.deepEqual(
      Object.values(failing).filter((n) => n > 0),
      [10, 4, 8],
      'the fixture breaks what it means to',
    );

    const failed = results.filter((r) => !r.passed);
    assert.equal(broken.statements.length, 1 + failed.length, 'the counting query, then one sample per failing check');
    const [counting, ...samples] = broken.statements;
    assert.deepEqual(await profile(broken.profiler, counting!), { scans: 1, rowsScanned: ROWS, rowsReturned: 1 });
    for (const [index, sql] of samples.entries()) {
      assert.match(sql, new RegExp(`LIMIT ${sampleSize}$`), 'a sample is bounded');
      const { scans, rowsReturned } = await profile(broken.profiler, sql);
      assert.equal(scans, 1);
      assert.equal(rowsReturned, Math.min(sampleSize, failed[index]!.failing));
      assert.equal(failed[index]!.sample.length, rowsReturned);
    }
    assert.deepEqual(
      failed.find((r) => r.id === 'pattern.code')!.sample.map((row) => [row.id, row.code]),
      [
        ['6', 'bad'],
        ['131', 'bad'],
        ['256', 'bad'],
      ],
      'whole rows (a BIGINT comes as a string), in file order on one thread',
    );
  });
});
