// The data-quality journey through the API of a real platform with the built-in plugins: CSV orders are ingested
// into Bronze (rows that do not parse go to quarantine), cleaned into Silver (a failing check quarantines rows), and
// summed into Gold behind a gate; a downstream report reads Gold. A load that breaks the gate is committed but not
// published: the report and the preview keep the last good version until someone approves it. Every failure is an
// incident, absorbed while open.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '@assay/sdk/testing';
import { orderDocuments } from './support/order-documents.ts';

const WS = 'dq';
let platform: TestPlatform;
let data: string;

const pipeline = (root: string) =>
  orderDocuments(
    root,
    'orders/*.csv',
    `      checks:
        - { check: row_count, min: 1, action: warn }
    - id: clean
      operator: sql
      inputs: [bronze.orders]
      config:
        sql: SELECT order_id, lower(email) AS email, amount FROM bronze.orders
        write: { mode: full_refresh }
      output: silver.orders
      checks:
        - { check: not_null, column: email, action: quarantine }
        - { check: unique, column: order_id, action: fail }
    - id: summary
      operator: sql
      inputs: [silver.orders]
      config:
        sql: SELECT count(*)::INTEGER AS orders, sum(amount)::DOUBLE AS revenue FROM silver.orders
        write: { mode: full_refresh }
      output: gold.summary
      checks:
        - { check: sum, column: revenue, max: 1000, action: gate }
    - id: report
      operator: sql
      inputs: [gold.summary]
      config:
        sql: SELECT orders, revenue, revenue / orders AS average FROM gold.summary
        write: { mode: full_refresh }
      output: gold.report
`,
  );

before(async () => {
  data = join(tmpdir(), `assay-quality-journey-${process.pid}-${Date.now()}`);
  await mkdir(join(data, 'orders'), { recursive: true });
  await writeFile(
    join(data, 'orders', 'day-1.csv'),
    'order_id,email,amount\n1,ann@x.org,100\n2,BOB@x.org,50\nthree,cem@x.org,10\n4,,25\n',
  );
  platform = await startTestPlatform({ builtins: true, pluginConfig: { 'connector-file': { allowedRoots: [data] } } });
  await platform.createWorkspace(WS);
  const applied = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/apply`,
    payload: { files: [{ path: 'orders.yaml', text: pipeline(data) }] },
  });
  assert.equal(applied.statusCode, 200, applied.body);
});
after(async () => {
  await platform?.close();
  await rm(data, { recursive: true, force: true });
});

async function runOrders(): Promise<{
  status: string;
  jobs: Array<{ jobId: string; status: string; error: { code: string } | null }>;
}> {
  const response = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/pipelines/orders/runs`,
    payload: { wait: true },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}
const get = async (path: string) => {
  const response = await platform.inject(`/api/v1/workspaces/${WS}${path}`);
  return { status: response.statusCode, body: response.json() };
};

test('bad rows are set aside, a gate holds a bad Gold version back until approved, failures become incidents', async () => {
  const first = await runOrders();
  assert.equal(first.status, 'succeeded', JSON.stringify(first.jobs));

  const bronzeQuarantine = await get('/datasets/bronze/orders/quarantine');
  assert.equal(bronzeQuarantine.status, 200);
  assert.equal(bronzeQuarantine.body.rows.length, 1, 'the row whose order_id is not a number');
  const silverQuarantine = await get('/datasets/silver/orders/quarantine');
  assert.deepEqual(
    silverQuarantine.body.rows.map((row: { check_id: string; reason: string }) => [row.check_id, row.reason]),
    [['not_null.email', 'failed not_null.email']],
  );
  const silver = await get('/datasets/silver/orders/quality');
  assert.equal(silver.status, 200);
  const notNull = silver.body.checks.find((check: { checkId: string }) => check.checkId === 'not_null.email');
  assert.deepEqual([notNull.status, notNull.failing, notNull.checked], ['quarantined', 1, 3]);
  assert.equal(silver.body.checks.find((c: { checkId: string }) => c.checkId === 'unique.order_id').status, 'passed');

  const good = await get('/datasets/gold/summary/preview');
  assert.deepEqual(good.body.rows, [{ orders: 2, revenue: 150 }]);

  // A big order breaks the gate: Gold commits the new sum but readers keep the last good one.
  await writeFile(join(data, 'orders', 'day-2.csv'), 'order_id,email,amount\n5,dee@x.org,5000\n');
  const second = await runOrders();
  assert.equal(second.status, 'succeeded', 'a gate holds the version back without failing the run');
  const summary = await get('/datasets/gold/summary');
  assert.equal(summary.body.version, 0, 'the published version');
  assert.deepEqual(summary.body.held, {
    version: 1,
    publishedVersion: 0,
    checks: ['sum.revenue'],
    runId: summary.body.held.runId,
  });
  assert.deepEqual((await get('/datasets/gold/summary/preview')).body.rows, [{ orders: 2, revenue: 150 }]);
  assert.deepEqual((await get('/datasets/gold/summary/preview?version=1')).body.rows, [{ orders: 3, revenue: 5150 }]);
  const report = await get('/datasets/gold/report/preview');
  assert.deepEqual(
    report.body.rows.map((row: { revenue: number }) => row.revenue),
    [150],
    'downstream read the last good version',
  );

  const quality = await get('/datasets/gold/summary/quality');
  assert.equal(quality.body.publishedVersion, 0);
  assert.equal(quality.body.latestVersion, 1);
  assert.deepEqual(
    quality.body.scores.map((point: { score: number }) => point.score),
    [0, 100],
  );

  // The gate fails again on the next runs: one incident absorbs the repeats.
  await runOrders();
  const incidents = await get('/quality/incidents?dataset=gold.summary');
  assert.equal(incidents.body.items.length, 1);
  const [incident] = incidents.body.items;
  assert.deepEqual([incident.checkId, incident.state, incident.count], ['sum.revenue', 'open', 2]);

  const approved = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/datasets/gold/summary/publish`,
    payload: {},
  });
  assert.equal(approved.statusCode, 200, approved.body);
  assert.deepEqual((await get('/datasets/gold/summary/preview')).body.rows, [{ orders: 3, revenue: 5150 }]);
  assert.equal((await get('/datasets/gold/summary')).body.held, null);

  const resolved = await platform.inject({
    method: 'PATCH',
    url: `/api/v1/workspaces/${WS}/quality/incidents/${incident.id}`,
    payload: { state: 'resolved', note: 'a real wholesale order' },
  });
  assert.equal(resolved.statusCode, 200, resolved.body);
  assert.equal(resolved.json().notes[0].text, 'a real wholesale order');
  await runOrders();
  const after = await get('/quality/incidents?dataset=gold.summary');
  assert.deepEqual(
    after.body.items.map((item: { state: string; count: number }) => [item.state, item.count]),
    [
      ['open', 1],
      ['resolved', 2],
    ],
    'a failure after resolving opens a new incident',
  );
});
