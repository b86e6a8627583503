import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startQuarantineTestApi, type QuarantineTestApi } from './quarantine-test-kit.ts';

let api: QuarantineTestApi;
before(async () => {
  api = await startQuarantineTestApi('quarantine-fix');
});
after(() => api.close());

interface Row {
  quarantine_id: string;
  check_id: string;
  line: number | null;
  raw_row: string;
  row: Record<string, unknown> | null;
}
const rowsOf = async (dataset: string, query = ''): Promise<Row[]> =>
  (await api.call('GET', dataset, query)).json().rows;
const fix = (dataset: string, body: object, token?: string) => api.call('POST', dataset, '/fix', body, token);
const history = (dataset: string) => api.platform.platform.lake.quarantine(api.workspace, dataset).history();
const PARSE = { check: 'ingest.parse' };
const DECIMAL_POINT = { amount: "replace(amount, ',', '.')" };

describe('bulk fix of quarantined rows', () => {
  let dataset: string;
  before(async () => {
    dataset = await api.seeded('silver.fixed');
  });

  test('a dry run shows before/after for a sample and counts, and writes nothing', async () => {
    const commits = (await history(dataset)).length;
    const rowsBefore = await rowsOf(dataset);
    const res = await fix(dataset, { set: DECIMAL_POINT, where: PARSE, dryRun: true });
    assert.equal(res.statusCode, 200, res.body);
    const result = res.json();
    assert.deepEqual(
      [result.dryRun, result.rowsMatched, result.rowsChanged],
      [true, 2, 2],
      'the raw text line is not fixed in bulk',
    );
    assert.deepEqual(
      result.sample.map((s: { before: object; after: object }) => [s.before, s.after]).sort(),
      [
        [{ amount: '12,50' }, { amount: '12.50' }],
        [{ amount: '7,25' }, { amount: '7.25' }],
      ].sort(),
    );
    const ids = rowsBefore.map((r) => r.quarantine_id);
    assert.ok(result.sample.every((s: { quarantineId: string }) => ids.includes(s.quarantineId)));
    assert.equal((await history(dataset)).length, commits, 'no commit');
    assert.deepEqual(await rowsOf(dataset), rowsBefore);
    const small = await fix(dataset, { set: DECIMAL_POINT, where: PARSE, dryRun: true, sampleSize: 1 });
    assert.equal(small.json().sample.length, 1);
  });

  test('for real: ONE Delta UPDATE with the expressions, filter and user; the rows hold the new values', async () => {
    const commits = (await history(dataset)).length;
    const res = await fix(dataset, { set: DECIMAL_POINT, where: PARSE }, api.engineer.token);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().rowsChanged, res.json().dryRun, res.json().sample], [2, false, []]);
    const all = await history(dataset);
    assert.equal(all.length, commits + 1);
    const [latest] = all;
    assert.equal(latest!.operation, 'UPDATE');
    assert.equal(latest!.version, res.json().version);
    assert.equal(latest!.user, api.engineer.userId);
    assert.deepEqual(JSON.parse(String(latest!.operationParameters.set)), DECIMAL_POINT);
    assert.equal(latest!.operationParameters.predicate, "(check_id = 'ingest.parse')");
    assert.equal(latest!.operationParameters.action, 'quarantine fix');
    assert.deepEqual(
      (await rowsOf(dataset, '?check=ingest.parse')).map((r) => r.raw_row),
      ['{"id":"10","amount":"12.50","city":"Oslo"}', '{"id":"11","amount":"7.25","city":"Lima"}', '12,"x,Rome'],
    );
    const again = await fix(dataset, { set: DECIMAL_POINT, where: PARSE });
    assert.equal(again.json().rowsChanged, 0, 'already fixed: nothing changes, nothing is committed');
    assert.equal((await history(dataset)).length, commits + 1);

    const audit = await api.platform.inject(`/api/v1/workspaces/${api.workspace}/audit?action=dataset:manage`);
    const entry = (audit.json().items as Array<{ details: Record<string, unknown> | null }>).find(
      (e) => e.details?.operation === 'quarantine.fix' && e.details.dryRun === false && e.details.rowsChanged === 2,
    );
    assert.deepEqual(entry?.details?.set, DECIMAL_POINT, 'the audit entry carries the expression');
  });

  test('keys are typed by their JSON values; null stays a value; other keys and 64-bit integers are untouched', async () => {
    const res = await fix(dataset, {
      set: { amount: 'abs(amount)', flagged: 'amount < -6', name: "CASE WHEN name = 'ann' THEN NULL ELSE name END" },
      where: { check: 'positive.amount' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().rowsChanged, 3);
    const raw = (await rowsOf(dataset, '?check=positive.amount')).map((r) => r.raw_row).sort();
    assert.deepEqual(raw, [
      '{"id":1,"amount":5,"name":null,"flagged":false}',
      '{"id":2,"amount":7,"name":"bob","flagged":true}',
      '{"id":3,"amount":0,"name":"cy","big":12345678901234567890,"flagged":false}',
    ]);
  });

  test('by ids: only those rows', async () => {
    const [target] = await rowsOf(dataset, '?check=positive.amount');
    const res = await fix(dataset, { set: { note: "'by id'" }, where: { ids: [target!.quarantine_id] } });
    assert.equal(res.json().rowsChanged, 1);
    const noted = (await rowsOf(dataset)).filter((r) => r.row?.note === 'by id');
    assert.deepEqual(
      noted.map((r) => r.row?.id),
      [target!.row?.id],
    );
  });

  test('an expression that is not one scalar expression over the row is 400 QUARANTINE_FIX_INVALID naming the column', async () => {
    const commits = (await history(dataset)).length;
    const refused = [
      'amount; SELECT 1',
      '(SELECT 1)',
      'amount IN (SELECT amount FROM assay_quarantine.rows)',
      "amount) AS x FROM read_csv('/etc/passwd') --",
      'sum(amount)',
      "read_csv('/etc/passwd')",
      'count(*) OVER ()',
      '$1',
      'nope + 1',
      'amount +',
    ];
    for (const expression of refused) {
      const res = await fix(dataset, { set: { city: "'x'", amount: expression }, where: PARSE, dryRun: true });
      assert.equal(res.statusCode, 400, `${expression}: ${res.body}`);
      assert.equal(res.json().error.code, 'QUARANTINE_FIX_INVALID', expression);
      assert.equal(res.json().error.details.column, 'amount', expression);
      assert.match(res.json().error.message, /column "amount"/);
    }
    const failing = await fix(dataset, { set: { amount: 'CAST(city AS INTEGER)' }, where: PARSE });
    assert.equal(failing.json().error.code, 'QUARANTINE_FIX_INVALID', 'a cast that fails on a row');
    assert.match(failing.json().error.message, /Oslo|Lima/);
    const empty = await fix(dataset, { set: {}, where: PARSE });
    assert.equal(empty.json().error.code, 'REQUEST_INVALID');
    assert.equal((await history(dataset)).length, commits, 'nothing was written');
  });

  test('fixing needs dataset:manage; a dry run masks the values the caller may not see', async () => {
    assert.equal((await fix(dataset, { set: DECIMAL_POINT, dryRun: true }, api.viewer.token)).statusCode, 403);
    const governed = await api.platform.inject({
      method: 'PUT',
      url: `/api/v1/workspaces/${api.workspace}/datasets/silver/fixed/governance`,
      payload: { columns: { city: { classification: 'pii' } } },
    });
    assert.equal(governed.statusCode, 200, governed.body);
    const body = { set: { city: 'upper(city)' }, where: PARSE, dryRun: true };
    const masked = (await fix(dataset, body, api.engineer.token)).json();
    assert.deepEqual(masked.sample[0], { ...masked.sample[0], before: { city: '***' }, after: { city: '***' } });
    const clear = (await fix(dataset, body)).json();
    assert.deepEqual(clear.sample.map((s: { after: { city: string } }) => s.after.city).sort(), ['LIMA', 'OSLO']);
  });

  test('no matching rows, or no quarantine at all: nothing to fix', async () => {
    const none = await fix(dataset, { set: DECIMAL_POINT, where: { runId: 'run-404' } });
    assert.equal(none.statusCode, 200, none.body);
    assert.deepEqual([none.json().rowsMatched, none.json().rowsChanged], [0, 0]);
    const res = await fix('silver.clean', { set: DECIMAL_POINT });
    assert.deepEqual(res.json(), { dryRun: false, rowsMatched: 0, rowsChanged: 0, version: null, sample: [] });
  });
});
