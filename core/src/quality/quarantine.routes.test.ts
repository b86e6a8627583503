import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startQuarantineTestApi, type QuarantineTestApi } from './quarantine/quarantine-test-kit.ts';

let api: QuarantineTestApi;
before(async () => {
  api = await startQuarantineTestApi('quarantine-api');
});
after(() => api.close());

interface Row {
  quarantine_id: string;
  check_id: string;
  run_id: string;
  line: number | null;
  raw_row: string;
  row: Record<string, unknown> | null;
  _quarantined_at: string;
}
const list = async (dataset: string, query = '') => {
  const res = await api.call('GET', dataset, query);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { rows: Row[]; truncated: boolean; nextCursor: string | null };
};
const history = (dataset: string) => api.platform.platform.lake.quarantine(api.workspace, dataset).history();

describe('listing quarantined rows', () => {
  let dataset: string;
  before(async () => {
    dataset = await api.seeded('silver.listed');
  });

  test('newest first, a load in line order; ids, stored columns and the row parsed (null for raw text)', async () => {
    const { rows, truncated, nextCursor } = await list(dataset);
    assert.equal(rows.length, 6);
    assert.equal(truncated, false);
    assert.equal(nextCursor, null);
    assert.deepEqual(
      rows.slice(0, 3).map((r) => [r.run_id, r.line]),
      [
        ['run-2', 2],
        ['run-2', 3],
        ['run-2', 4],
      ],
    );
    assert.deepEqual(rows[0]!.row, { id: '10', amount: '12,50', city: 'Oslo' });
    assert.equal(rows[2]!.row, null, 'a line a load could not parse stays text');
    assert.equal(rows[2]!.raw_row, '12,"x,Rome');
    assert.equal(rows[0]!._quarantined_at, '2025-01-01T11:00:00.000000Z');
    assert.ok(rows.every((r) => /^[0-9a-f]{32}$/.test(r.quarantine_id)));
    assert.equal(new Set(rows.map((r) => r.quarantine_id)).size, 6);
    assert.match(rows.find((r) => r.row?.id === 3)!.raw_row, /"big":12345678901234567890/);
    assert.deepEqual((await list(dataset)).rows, rows, 'ids are stable while rows are unchanged');
  });

  test('filters by check, run, load, error type and text', async () => {
    const count = async (query: string) => (await list(dataset, query)).rows.length;
    assert.equal(await count('?check=positive.amount'), 3);
    assert.equal(await count('?runId=run-2'), 3);
    assert.equal(await count('?loadId=load-2&errorType=CAST'), 2);
    assert.equal(await count('?search=OSLO'), 1);
    assert.equal(await count('?search=rome'), 1, 'raw text is searched too');
    assert.equal(await count("?check=it's"), 0, 'quotes in values are literals');
  });

  test('pages with limit and an opaque cursor, without gaps or repeats', async () => {
    const all = (await list(dataset)).rows.map((r) => r.quarantine_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result = await list(dataset, `?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...result.rows.map((r) => r.quarantine_id));
      assert.equal(result.truncated, result.nextCursor !== null);
      cursor = result.nextCursor;
      if (cursor === null) break;
    }
    assert.deepEqual(seen, all);
    const filtered = await list(dataset, '?check=positive.amount&limit=2');
    const next = await list(dataset, `?check=positive.amount&limit=2&cursor=${filtered.nextCursor}`);
    assert.deepEqual([filtered.rows.length, next.rows.length, next.truncated], [2, 1, false]);
  });

  test('a cursor it did not make is 400 QUARANTINE_CURSOR_INVALID; a bad limit is refused', async () => {
    for (const cursor of ['nope', Buffer.from('["1","a",1,"zz"]').toString('base64url')]) {
      const res = await api.call('GET', dataset, `?cursor=${cursor}`);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'QUARANTINE_CURSOR_INVALID');
    }
    assert.equal((await api.call('GET', dataset, '?limit=0')).json().error.code, 'REQUEST_INVALID');
  });

  test('a dataset that never set rows aside has an empty quarantine and summary', async () => {
    assert.deepEqual(await list('silver.nothing'), { rows: [], truncated: false, nextCursor: null });
    const summary = await api.call('GET', 'silver.nothing', '/summary');
    assert.deepEqual(summary.json(), { total: 0, version: null, byCheck: [], byRun: [] });
  });

  test('the summary counts rows by check and by run, newest run first', async () => {
    const res = await api.call('GET', dataset, '/summary', undefined, api.viewer.token);
    assert.equal(res.statusCode, 200, res.body);
    const summary = res.json();
    assert.equal(summary.total, 6);
    assert.deepEqual(
      summary.byCheck.map((c: { check: string; rows: number }) => [c.check, c.rows]),
      [
        ['ingest.parse', 3],
        ['positive.amount', 3],
      ],
    );
    assert.deepEqual(
      summary.byRun.map((r: { runId: string; rows: number; latest: string }) => [r.runId, r.rows, r.latest]),
      [
        ['run-2', 3, '2025-01-01T11:00:00.000000Z'],
        ['run-1', 3, '2025-01-01T10:00:00.000000Z'],
      ],
    );
  });

  test('reading rows needs dataset:read-pii (an engineer has not), and the read is audited', async () => {
    const res = await api.call('GET', dataset, '', undefined, api.engineer.token);
    assert.equal(res.statusCode, 403);
    const audit = await api.platform.inject(`/api/v1/workspaces/${api.workspace}/audit?action=dataset:read-pii`);
    assert.ok(audit.json().items.some((e: { resource: string }) => e.resource.endsWith('/silver/listed/quarantine')));
  });
});

describe('discarding quarantined rows', () => {
  let dataset: string;
  before(async () => {
    dataset = await api.seeded('silver.discarded');
  });
  const discard = (body: object, token?: string) => api.call('POST', dataset, '/discard', body, token);

  test('a reason is required, and a filter unless all: true; nothing is removed by a refused call', async () => {
    const refusals: Array<[object, string]> = [
      [{ check: 'ingest.parse' }, 'REQUEST_INVALID'],
      [{ check: 'ingest.parse', reason: 'no' }, 'REQUEST_INVALID'],
      [{ check: 'ingest.parse', reason: '     ' }, 'QUARANTINE_DISCARD_REASON_REQUIRED'],
      [{ reason: 'clean up everything' }, 'QUARANTINE_DISCARD_UNFILTERED'],
      [{ reason: 'clean up', all: false }, 'QUARANTINE_DISCARD_UNFILTERED'],
      [{ reason: 'bad ids', ids: ['xyz'] }, 'REQUEST_INVALID'],
    ];
    for (const [body, code] of refusals) {
      const res = await discard(body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, code, JSON.stringify(body));
    }
    assert.equal((await list(dataset)).rows.length, 6);
    assert.equal((await discard({ reason: 'viewer tries', all: true }, api.viewer.token)).statusCode, 403);
    assert.equal((await list(dataset)).rows.length, 6);
  });

  test('by ids and by check: a Delta DELETE with the reason, the rows still in history, audited', async () => {
    const versionBefore = (await history(dataset))[0]!.version;
    const rows = (await list(dataset, '?check=positive.amount')).rows;
    const ids = rows.slice(0, 2).map((r) => r.quarantine_id);
    const byIds = await discard({ ids, reason: 'duplicates of orders 1 and 2' }, api.engineer.token);
    assert.equal(byIds.statusCode, 200, byIds.body);
    assert.deepEqual(byIds.json(), { discarded: 2, version: versionBefore + 1 });
    const left = (await list(dataset)).rows.map((r) => r.quarantine_id);
    assert.equal(left.length, 4);
    assert.ok(ids.every((id) => !left.includes(id)));

    const byCheck = await discard({ check: 'ingest.parse', runId: 'run-2', reason: 'source file replaced' });
    assert.equal(byCheck.json().discarded, 3);
    assert.equal((await list(dataset)).rows.length, 1);

    const [latest, first] = await history(dataset);
    assert.equal(latest!.operation, 'DELETE');
    assert.equal(latest!.operationParameters.reason, 'source file replaced');
    assert.equal(latest!.operationParameters.action, 'quarantine discard');
    assert.match(String(latest!.operationParameters.filter), /ingest\.parse/);
    assert.equal(first!.operation, 'DELETE');
    assert.equal(first!.user, api.engineer.userId, 'the caller is the commit user');
    const old = await api.platform.platform.lake
      .quarantine(api.workspace, dataset)
      .snapshot({ version: versionBefore });
    assert.ok(old.files.length > 0, 'time travel still reaches the discarded rows');

    const audit = await api.platform.inject(
      `/api/v1/workspaces/${api.workspace}/audit?action=dataset:manage&resource=/api/v1/workspaces/${api.workspace}/datasets/silver/discarded`,
    );
    const entries = (audit.json().items as Array<{ status: number; details: Record<string, unknown> | null }>).filter(
      (e) => e.status === 200,
    );
    const details = entries.map((e) => e.details!);
    assert.ok(details.some((d) => d.reason === 'duplicates of orders 1 and 2' && d.discarded === 2));
    assert.ok(details.some((d) => d.reason === 'source file replaced' && d.discarded === 3));
    const refused = (audit.json().items as Array<{ status: number; details: Record<string, unknown> }>).filter(
      (e) => e.status === 400 && e.details.errorCode === 'QUARANTINE_DISCARD_UNFILTERED',
    );
    assert.deepEqual(
      refused.map((e) => e.details.reason).sort(),
      ['clean up', 'clean up everything'],
      'a refused discard still says what it tried',
    );
  });

  test('all: true discards the rest; then nothing is left to discard', async () => {
    assert.equal((await discard({ reason: 'start over', all: true })).json().discarded, 1);
    assert.equal((await list(dataset)).rows.length, 0);
    assert.equal((await discard({ reason: 'start over', all: true })).json().discarded, 0);
    const none = await api.call('POST', 'silver.never', '/discard', { reason: 'nothing here', all: true });
    assert.deepEqual(none.json(), { discarded: 0, version: null });
  });
});
