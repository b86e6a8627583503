import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startQuarantineTestApi, type QuarantineTestApi } from './quarantine-test-kit.ts';

let api: QuarantineTestApi;
before(async () => {
  api = await startQuarantineTestApi('quarantine-edit');
});
after(() => api.close());

interface Row {
  quarantine_id: string;
  line: number | null;
  raw_row: string;
  row: Record<string, unknown> | null;
}
const rowsOf = async (dataset: string): Promise<Row[]> => (await api.call('GET', dataset, '')).json().rows;
const edit = (dataset: string, id: string, body: object, token?: string) =>
  api.call('PATCH', dataset, `/${id}`, body, token);
const byRowId = async (dataset: string, id: unknown) => (await rowsOf(dataset)).find((r) => r.row?.id === id);

describe('editing a quarantined row', () => {
  let dataset: string;
  before(async () => {
    dataset = await api.seeded('silver.edited');
  });

  test('merges the given values (order, other keys kept), answers the new id; the old id is gone', async () => {
    const before = (await byRowId(dataset, '10'))!;
    const res = await edit(dataset, before.quarantine_id, { row: { amount: '12.50' } }, api.engineer.token);
    assert.equal(res.statusCode, 200, res.body);
    const result = res.json();
    assert.equal(result.previousId, before.quarantine_id);
    assert.notEqual(result.quarantineId, before.quarantine_id);
    assert.equal(result.changed, true);
    const after = (await byRowId(dataset, '10'))!;
    assert.equal(after.quarantine_id, result.quarantineId, 'the answered id is the id the listing shows');
    assert.equal(after.raw_row, '{"id":"10","amount":"12.50","city":"Oslo"}');
    assert.equal((await rowsOf(dataset)).length, 6);

    const stale = await edit(dataset, before.quarantine_id, { row: { amount: '1' } });
    assert.equal(stale.statusCode, 404);
    assert.equal(stale.json().error.code, 'QUARANTINE_ROW_NOT_FOUND');

    const [latest] = await api.platform.platform.lake.quarantine(api.workspace, dataset).history();
    assert.equal(latest!.operation, 'UPDATE');
    assert.equal(latest!.user, api.engineer.userId);
    assert.equal(latest!.operationParameters.action, 'quarantine edit');
    assert.equal(latest!.operationParameters.newId, result.quarantineId);
    assert.equal(latest!.version, result.version);
  });

  test('null stays a value, new keys are appended, 64-bit integers keep every digit', async () => {
    const row = (await byRowId(dataset, 3))!;
    const res = await edit(dataset, row.quarantine_id, { row: { name: null, note: 'checked' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(
      (await byRowId(dataset, 3))!.raw_row,
      '{"id":3,"amount":0,"name":null,"big":12345678901234567890,"note":"checked"}',
    );
  });

  test('replace: true replaces the row; a line kept as raw text becomes the row given', async () => {
    const row = (await byRowId(dataset, 1))!;
    const replaced = await edit(dataset, row.quarantine_id, { row: { id: 1, amount: 5 }, replace: true });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal((await byRowId(dataset, 1))!.raw_row, '{"id":1,"amount":5}');

    const text = (await rowsOf(dataset)).find((r) => r.line === 4)!;
    assert.equal(text.row, null);
    const parsed = await edit(dataset, text.quarantine_id, { row: { id: '12', amount: '3', city: 'Rome' } });
    assert.equal(parsed.statusCode, 200, parsed.body);
    assert.deepEqual((await rowsOf(dataset)).find((r) => r.line === 4)!.row, { id: '12', amount: '3', city: 'Rome' });
  });

  test('the same values again change nothing and commit nothing', async () => {
    const row = (await byRowId(dataset, 2))!;
    const versions = (await api.platform.platform.lake.quarantine(api.workspace, dataset).history()).length;
    const res = await edit(dataset, row.quarantine_id, { row: { name: 'bob' } });
    assert.deepEqual([res.json().changed, res.json().quarantineId], [false, row.quarantine_id]);
    assert.equal((await api.platform.platform.lake.quarantine(api.workspace, dataset).history()).length, versions);
  });

  test('bad input: an unknown id 404, a malformed id or empty row 400, a viewer 403, no quarantine 404', async () => {
    const unknown = await edit(dataset, 'f'.repeat(32), { row: { a: 1 } });
    assert.deepEqual([unknown.statusCode, unknown.json().error.code], [404, 'QUARANTINE_ROW_NOT_FOUND']);
    assert.equal((await edit(dataset, 'not-an-id', { row: { a: 1 } })).json().error.code, 'REQUEST_INVALID');
    const row = (await byRowId(dataset, 2))!;
    assert.equal((await edit(dataset, row.quarantine_id, { row: {} })).json().error.code, 'REQUEST_INVALID');
    assert.equal((await edit(dataset, row.quarantine_id, { values: { a: 1 } })).statusCode, 400);
    assert.equal((await edit(dataset, row.quarantine_id, { row: { a: 1 } }, api.viewer.token)).statusCode, 403);
    const none = await edit('silver.unseen', 'a'.repeat(32), { row: { a: 1 } });
    assert.deepEqual([none.statusCode, none.json().error.code], [404, 'QUARANTINE_ROW_NOT_FOUND']);
  });
});

describe('concurrent edits', () => {
  test('edits of different rows at once all land: a conflicting commit is retried, no edit is lost', async () => {
    const dataset = await api.seeded('silver.concurrent');
    const rows = (await rowsOf(dataset)).filter((r) => r.row !== null);
    const results = await Promise.all(
      rows.map((row, index) => edit(dataset, row.quarantine_id, { row: { edited: index } })),
    );
    assert.deepEqual(
      results.map((res) => (res.statusCode === 200 ? 200 : res.body)),
      rows.map(() => 200),
    );
    const after = await rowsOf(dataset);
    assert.equal(after.length, 6);
    assert.deepEqual(
      after
        .map((r) => r.row?.edited)
        .filter((value) => value !== undefined)
        .sort(),
      rows.map((_, index) => index).sort(),
    );
  });

  test('two edits of one row: one lands, the other is told (409 changed meanwhile, or 404 gone)', async () => {
    const dataset = await api.seeded('silver.contended');
    const row = (await rowsOf(dataset)).find((r) => r.row?.id === 1)!;
    const [first, second] = await Promise.all([
      edit(dataset, row.quarantine_id, { row: { name: 'first' } }),
      edit(dataset, row.quarantine_id, { row: { name: 'second' } }),
    ]);
    const statuses = [first!.statusCode, second!.statusCode].sort();
    assert.equal(statuses[0], 200, `${first!.body} ${second!.body}`);
    assert.ok([404, 409].includes(statuses[1]!), `${first!.body} ${second!.body}`);
    const loser = first!.statusCode === 200 ? second! : first!;
    assert.ok(['QUARANTINE_ROW_CHANGED', 'QUARANTINE_ROW_NOT_FOUND'].includes(loser.json().error.code));
    const winner = (first!.statusCode === 200 ? 'first' : 'second') as string;
    const names = (await rowsOf(dataset)).filter((r) => r.row?.id === 1).map((r) => r.row?.name);
    assert.deepEqual(names, [winner], 'exactly the edit that was answered 200 is stored');
  });
});
