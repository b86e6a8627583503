// The quarantine lifecycle through the API of a real platform with the built-in plugins: an ndjson load sets aside
// the row whose amount does not parse, a Silver cleanse sets aside the row without an email; both are fixed in bulk
// and reprocessed through their jobs, which writes each exactly once and empties the quarantine.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '@assay/sdk/testing';
import { orderDocuments } from './support/order-documents.ts';

const WS = 'rq';
let platform: TestPlatform;
let data: string;

const documents = (root: string) =>
  orderDocuments(
    root,
    'orders/*.jsonl',
    `    - id: clean
      operator: cleanse
      inputs: [bronze.orders]
      config:
        columns:
          - { column: email, steps: [{ op: trim }, { op: case, to: lower }], nulls: { action: reject } }
        businessKey: [order_id]
        write: { mode: merge }
      output: silver.orders
`,
  );

before(async () => {
  data = join(tmpdir(), `assay-quarantine-journey-${process.pid}-${Date.now()}`);
  await mkdir(join(data, 'orders'), { recursive: true });
  await writeFile(
    join(data, 'orders', 'day-1.jsonl'),
    [
      { order_id: 1, email: ' Ann@X.org', amount: '10.00' },
      { order_id: 2, email: null, amount: '20.00' },
      { order_id: 3, email: 'cem@x.org', amount: '12,50' },
    ]
      .map((row) => JSON.stringify(row))
      .join('\n') + '\n',
  );
  platform = await startTestPlatform({ builtins: true, pluginConfig: { 'connector-file': { allowedRoots: [data] } } });
  await platform.createWorkspace(WS);
  const applied = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/apply`,
    payload: { files: [{ path: 'orders.yaml', text: documents(data) }] },
  });
  assert.equal(applied.statusCode, 200, applied.body);
});
after(async () => {
  await platform?.close();
  await rm(data, { recursive: true, force: true });
});

const call = async (method: 'GET' | 'POST', path: string, payload?: object) => {
  const response = await platform.inject({
    method,
    url: `/api/v1/workspaces/${WS}${path}`,
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: response.statusCode, body: response.json() };
};
const rowsOf = async (dataset: string) => {
  const preview = await call('GET', `/datasets/${dataset.replace('.', '/')}/preview`);
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  return (preview.body.rows as Array<Record<string, unknown>>)
    .map(({ order_id, email, amount }) => ({ order_id, email, amount }))
    .sort((a, b) => Number(a.order_id) - Number(b.order_id));
};
const quarantined = async (dataset: string) =>
  (await call('GET', `/datasets/${dataset.replace('.', '/')}/quarantine`)).body.rows as Array<{
    quarantine_id: string;
    check_id: string;
    reason: string;
    row: Record<string, unknown> | null;
  }>;

test('bad rows from a load and from a cleanse are fixed in bulk and reprocessed into their targets exactly once', async () => {
  const run = await call('POST', '/pipelines/orders/runs', { wait: true });
  assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body.jobs));

  const [unparsed] = await quarantined('bronze.orders');
  assert.equal(unparsed!.check_id, 'ingest.parse');
  assert.match(unparsed!.reason, /12,50/);
  const [rejected] = await quarantined('silver.orders');
  assert.equal(rejected!.row?.order_id, 2, 'the row as it came in');
  assert.match(rejected!.reason, /email/);

  // The load's row: the decimal comma fixed in bulk, then loaded by its job.
  const fixed = await call('POST', '/datasets/bronze/orders/quarantine/fix', {
    set: { amount: "replace(amount, ',', '.')" },
    where: { check: 'ingest.parse' },
  });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  assert.equal(fixed.body.rowsChanged, 1);
  const loaded = await call('POST', '/datasets/bronze/orders/quarantine/reprocess', {
    check: 'ingest.parse',
    wait: true,
  });
  assert.equal(loaded.status, 200, JSON.stringify(loaded.body));
  assert.equal(loaded.body.trigger, 'reprocess');
  assert.equal(loaded.body.status, 'succeeded', JSON.stringify(loaded.body.jobs));
  assert.deepEqual(
    (await rowsOf('bronze.orders')).map((row) => [row.order_id, row.amount]),
    [
      ['1', '10.00'],
      ['2', '20.00'],
      ['3', '12.50'],
    ],
  );
  assert.deepEqual(await quarantined('bronze.orders'), []);

  // The cleanse's row: given an email in bulk, then cleansed and merged by its job.
  const given = await call('POST', '/datasets/silver/orders/quarantine/fix', {
    set: { email: "' Bob@X.org '" },
    where: { ids: [rejected!.quarantine_id] },
  });
  assert.equal(given.body.rowsChanged, 1, JSON.stringify(given.body));
  const [edited] = await quarantined('silver.orders');
  const cleansed = await call('POST', '/datasets/silver/orders/quarantine/reprocess', {
    ids: [edited!.quarantine_id],
    wait: true,
  });
  assert.equal(cleansed.body.status, 'succeeded', JSON.stringify(cleansed.body.jobs));
  assert.deepEqual(await rowsOf('silver.orders'), [
    { order_id: '1', email: 'ann@x.org', amount: '10.00' },
    { order_id: '2', email: 'bob@x.org', amount: '20.00' },
  ]);
  assert.deepEqual(await quarantined('silver.orders'), []);

  // Once out of quarantine, the rows cannot be reprocessed again.
  const again = await call('POST', '/datasets/silver/orders/quarantine/reprocess', { ids: [edited!.quarantine_id] });
  assert.deepEqual([again.status, again.body.error.code], [400, 'REPROCESS_ROWS_NOT_FOUND']);
  const none = await call('POST', '/datasets/bronze/orders/quarantine/reprocess', { check: 'ingest.parse' });
  assert.deepEqual([none.status, none.body.error.code], [400, 'REPROCESS_INVALID']);
});
