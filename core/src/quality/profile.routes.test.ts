import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../engine/dataset-view.ts';
import { stagedFilesIn } from '../lake/delta-write/staged-files.ts';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { ORDERS_SQL } from './profile/profile-fixtures.ts';

// The built-in plugins are loaded, so accepted checks are validated against the real check types.
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
const WS = `profile-${randomBytes(3).toString('hex')}`;
const BASE = `/api/v1/workspaces/${WS}/datasets/silver/orders`;
const ORDER_COLUMNS = [
  { name: 'order_id', type: 'BIGINT' },
  { name: 'email', type: 'VARCHAR' },
  { name: 'status', type: 'VARCHAR' },
  { name: 'amount', type: 'DECIMAL(10,2)' },
  { name: 'ordered_on', type: 'DATE' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'qty', type: 'VARCHAR' },
  { name: 'note', type: 'VARCHAR' },
  { name: 'flag', type: 'BOOLEAN' },
];
const PIPELINE = `apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: orders }
spec:
  jobs:
    - id: clean
      operator: sql
      inputs: [bronze.orders_raw]
      config:
        sql: SELECT * FROM bronze.orders_raw
        write: { mode: full_refresh }
      output: silver.orders
      checks:
        - { check: not_null, column: order_id, action: fail }
    - id: report
      operator: sql
      inputs: [silver.orders]
      config:
        sql: SELECT count(*) AS orders FROM silver.orders
        write: { mode: full_refresh }
      output: gold.order_count
`;

const get = (url: string, token?: string) =>
  platform.inject({ url, ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }) });
const accept = (payload: Record<string, unknown>, token?: string, url = `${BASE}/suggestions/accept`) =>
  platform.inject({
    method: 'POST',
    url,
    payload,
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
  });
const currentVersion = async () =>
  (await get(`/api/v1/workspaces/${WS}/pipelines/orders`)).json().currentVersion as number;

before(async () => {
  platform = await startCoreTestPlatform({ builtins: true, worker: false });
  await platform.createWorkspace(WS);
  const staging = join(platform.home, 'profile-staging');
  await mkdir(staging, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const dataset of ['bronze.orders_raw', 'silver.orders']) {
    const file = join(staging, `${dataset}.parquet`);
    await connection.run(`COPY (${ORDERS_SQL}) TO ${literal(file)} (FORMAT parquet)`);
    await platform.platform.lake.table(WS, dataset).write({
      mode: 'append',
      staged: await stagedFilesIn(file, []),
      columns: ORDER_COLUMNS,
      provenance: { operation: 'WRITE', user: 'test', runId: 'run-1' },
    });
  }
  connection.closeSync();
  instance.closeSync();
  const created = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/pipelines`,
    payload: { yaml: PIPELINE },
  });
  assert.equal(created.statusCode, 201, created.body);
});
after(() => platform?.close());

describe('profile and suggestion API', () => {
  test('GET …/profile: the version profiled and exact numbers per column', async () => {
    const res = await get(`${BASE}/profile`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(
      [body.dataset, body.version, body.rowFiltered, body.rows, body.profiledRows, body.sampled],
      ['silver.orders', 0, false, 20, 20, false],
    );
    const email = body.columns.find((c: { name: string }) => c.name === 'email');
    assert.deepEqual(
      [email.nulls, email.nullPercent, email.distinct, email.masked, email.patterns],
      [2, 10, 18, false, [{ pattern: 'email', matches: 18, share: 1 }]],
    );
    const status = body.columns.find((c: { name: string }) => c.name === 'status');
    assert.deepEqual(status.topValues, [
      { value: 'cancelled', count: 7 },
      { value: 'shipped', count: 7 },
      { value: 'open', count: 6 },
    ]);
    assert.deepEqual(body.candidateKeys, [['order_id'], ['amount'], ['ordered_on'], ['code']]);
    const sampled = (await get(`${BASE}/profile?sample=5`)).json();
    assert.deepEqual([sampled.rows, sampled.profiledRows, sampled.sampled], [20, 5, true]);
  });

  test('GET …/suggestions: the profile summary and checks with evidence', async () => {
    const res = await get(`${BASE}/suggestions`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(
      [body.dataset, body.version, body.rows, body.sampled, body.skipped],
      ['silver.orders', 0, 20, false, []],
    );
    const ids = body.suggestions.map((s: { id: string }) => s.id);
    assert.equal(ids.length, 20);
    assert.deepEqual(ids.slice(0, 6), [
      'not_null.order_id',
      'unique.order_id',
      'null_rate.email',
      'regex.email',
      'not_null.status',
      'accepted_values.status',
    ]);
    const unique = body.suggestions[1];
    assert.deepEqual(unique, {
      id: 'unique.order_id',
      check: { check: 'unique', column: 'order_id', action: 'fail' },
      evidence: '20 distinct values and no NULL in 20 rows',
      confidence: 'high',
    });
  });

  test('accept: the checks join the job that writes the dataset in a new pipeline version', async () => {
    const before = await currentVersion();
    const { suggestions } = (await get(`${BASE}/suggestions`)).json();
    const checks = suggestions
      .map((s: { check: Record<string, unknown> }) => s.check)
      .filter(
        (check: { check: string; column?: string }) => !(check.check === 'not_null' && check.column === 'order_id'),
      );
    const res = await accept({ pipeline: 'orders', checks });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.pipeline, body.job, body.version, body.checks.length], ['orders', 'clean', before + 1, 19]);
    assert.equal(body.checks[0], 'unique.order_id');
    assert.deepEqual([body.diff.length, body.diff[0]], [19, '+ spec.jobs[clean].checks[1]']);

    const version = (await get(`/api/v1/workspaces/${WS}/pipelines/orders/versions/${before + 1}`)).json();
    assert.match(version.message, /^Accept 19 suggested check\(s\) for silver\.orders: unique\.order_id, /);
    const [clean, report] = version.document.spec.jobs;
    assert.equal(clean.checks.length, 20);
    assert.deepEqual(clean.checks[0], { check: 'not_null', column: 'order_id', action: 'fail' });
    assert.deepEqual(clean.checks[1], { check: 'unique', column: 'order_id', action: 'fail' });
    assert.deepEqual(
      clean.checks.find((c: { id?: string }) => c.id === 'not_future.ordered_on'),
      {
        check: 'custom_sql',
        id: 'not_future.ordered_on',
        predicate: 'CAST("ordered_on" AS DATE) <= current_date',
        action: 'warn',
      },
    );
    assert.equal(report.checks, undefined, 'other jobs are untouched');
  });

  test('accept into a named job, with a message', async () => {
    const before = await currentVersion();
    const res = await accept(
      {
        pipeline: 'orders',
        job: 'report',
        checks: [{ check: 'row_count', min: 1, action: 'gate' }],
        message: 'never empty',
      },
      undefined,
      `/api/v1/workspaces/${WS}/datasets/gold/order_count/suggestions/accept`,
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().job, res.json().version], ['report', before + 1]);
    assert.deepEqual(res.json().diff, ['+ spec.jobs[report].checks']);
    const version = (await get(`/api/v1/workspaces/${WS}/pipelines/orders/versions/${before + 1}`)).json();
    assert.equal(version.message, 'never empty');
    assert.deepEqual(version.document.spec.jobs[1].checks, [{ check: 'row_count', min: 1, action: 'gate' }]);
  });

  test('a check the job already has is 409; a check twice in the request is 400; nothing is saved', async () => {
    const before = await currentVersion();
    const exists = await accept({ pipeline: 'orders', checks: [{ check: 'not_null', column: 'order_id' }] });
    assert.equal(exists.statusCode, 409, exists.body);
    assert.equal(exists.json().error.code, 'SUGGESTION_CHECK_EXISTS');
    assert.deepEqual(exists.json().error.details.checks, ['not_null.order_id']);
    const twice = await accept({
      pipeline: 'orders',
      checks: [
        { check: 'not_null', column: 'email', id: 'email_present' },
        { check: 'not_null', column: 'status', id: 'email_present' },
      ],
    });
    assert.equal(twice.statusCode, 400, twice.body);
    assert.deepEqual(
      [twice.json().error.code, twice.json().error.details.path],
      ['SUGGESTION_CHECK_DUPLICATE', '/body/checks/1'],
    );
    assert.equal(await currentVersion(), before);
  });

  test('an invalid check is 400 with its path in the request and in the document; nothing is saved', async () => {
    const before = await currentVersion();
    const res = await accept({
      pipeline: 'orders',
      checks: [
        { check: 'not_null', column: 'note', id: 'note_present' },
        { check: 'null_rate', column: 'email', max: 150, id: 'email_nulls' },
      ],
    });
    assert.equal(res.statusCode, 400, res.body);
    const { error } = res.json();
    assert.equal(error.code, 'PIPELINE_CONFIG_INVALID');
    assert.equal(error.details.path, '/body/checks/1/max');
    assert.deepEqual(
      error.details.problems.map((p: { path: string; requestPath?: string }) => [p.path, p.requestPath]),
      [['spec.jobs[0].checks[21].max', '/body/checks/1/max']],
    );
    const unknown = await accept({ pipeline: 'orders', checks: [{ check: 'no_such_check', column: 'note' }] });
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.deepEqual(
      [unknown.json().error.code, unknown.json().error.details.path],
      ['PIPELINE_CHECK_UNKNOWN', '/body/checks/0/check'],
    );
    const badBody = await accept({ pipeline: 'orders', checks: [] });
    assert.equal(badBody.statusCode, 400, badBody.body);
    assert.equal(await currentVersion(), before);
  });

  test('unknown dataset, pipeline or job: 404 with the code', async () => {
    const missing = await get(`/api/v1/workspaces/${WS}/datasets/silver/nothing/profile`);
    assert.equal(missing.statusCode, 404, missing.body);
    assert.equal(missing.json().error.code, 'DATASET_NOT_FOUND');
    const noSuggestions = await get(`/api/v1/workspaces/${WS}/datasets/silver/nothing/suggestions`);
    assert.equal(noSuggestions.json().error.code, 'DATASET_NOT_FOUND');
    const version = await get(`${BASE}/profile?version=7`);
    assert.equal(version.json().error.code, 'DELTA_VERSION_NOT_FOUND');

    const checks = [{ check: 'not_null', column: 'email' }];
    const pipeline = await accept({ pipeline: 'nope', checks });
    assert.equal(pipeline.statusCode, 404, pipeline.body);
    assert.equal(pipeline.json().error.code, 'PIPELINE_NOT_FOUND');
    const noWriter = await accept(
      { pipeline: 'orders', checks },
      undefined,
      `/api/v1/workspaces/${WS}/datasets/silver/nothing/suggestions/accept`,
    );
    assert.equal(noWriter.statusCode, 404, noWriter.body);
    assert.equal(noWriter.json().error.code, 'SUGGESTION_JOB_NOT_FOUND');
    const noJob = await accept({ pipeline: 'orders', job: 'missing', checks });
    assert.equal(noJob.json().error.code, 'SUGGESTION_JOB_NOT_FOUND');
    const otherOutput = await accept({ pipeline: 'orders', job: 'report', checks });
    assert.equal(otherOutput.statusCode, 404, otherOutput.body);
    assert.match(otherOutput.json().error.message, /writes gold\.order_count, not silver\.orders/);
  });

  test('profiles see what the caller may see: masked columns are flagged and skipped, filtered rows left out', async () => {
    const governed = await platform.inject({
      method: 'PUT',
      url: `${BASE}/governance`,
      payload: { columns: { email: { classification: 'pii', mask: 'partial' } } },
    });
    assert.equal(governed.statusCode, 200, governed.body);
    const filter = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/data-policies`,
      payload: { kind: 'row_filter', dataset: 'silver.orders', predicate: 'order_id <= 10', roles: ['engineer'] },
    });
    assert.equal(filter.statusCode, 201, filter.body);
    const engineer = await platform.createMember({ workspace: WS, role: 'engineer' });

    const profile = (await get(`${BASE}/profile`, engineer.token)).json();
    assert.deepEqual([profile.rows, profile.rowFiltered], [10, true]);
    const email = profile.columns.find((c: { name: string }) => c.name === 'email');
    assert.equal(email.masked, true);
    assert.deepEqual(email.patterns, [], 'a masked address is not an address');
    const { suggestions, skipped } = (await get(`${BASE}/suggestions`, engineer.token)).json();
    assert.deepEqual(
      skipped.map((s: { column: string }) => s.column),
      ['email'],
    );
    assert.ok(!suggestions.some((s: { id: string }) => s.id.endsWith('.email')));
    const forAdmin = (await get(`${BASE}/profile`)).json();
    assert.deepEqual([forAdmin.rows, forAdmin.rowFiltered], [20, false]);

    const analyst = await platform.createMember({ workspace: WS, role: 'analyst' });
    const refused = await accept(
      { pipeline: 'orders', checks: [{ check: 'not_null', column: 'qty', id: 'x' }] },
      analyst.token,
    );
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal((await get(`${BASE}/suggestions`, analyst.token)).statusCode, 200, 'reading needs dataset:read only');
  });
});
