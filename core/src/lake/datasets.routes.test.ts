import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../config/load-config.ts';
import { literal } from '../engine/dataset-view.ts';
import { startPlatform, type Platform } from '../platform/platform.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createPlatformAdmin } from '../testing/test-platform.ts';
import { stagedFilesIn } from './delta-write/staged-files.ts';
import { createLakeService } from './lake-service.ts';

let home: string;
let database: TestDatabase;
let platform: Platform;
let token: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'assay-datasets-'));
  database = await createTestDatabase();
  const config = loadConfig({
    env: {},
    cwd: home,
    overrides: { home, databaseUrl: database.url, logLevel: 'silent', port: 0 },
  });
  platform = await startPlatform({ config, role: 'serve', includeBuiltins: false });
  token = (await createPlatformAdmin(platform.identity)).token;
  await platform.identity.workspaces.create({ slug: 'demo' });
  const table = createLakeService({ config, db: platform.db }).table('demo', 'silver.customers');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await mkdir(join(home, 'staging'));
  for (const [index, select] of [
    `SELECT range::INTEGER AS id, 'c' || range AS name FROM range(3)`,
    `SELECT 3 AS id, 'c3' AS name`,
  ].entries()) {
    const file = join(home, 'staging', `${index}.parquet`);
    await connection.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
    await table.write({
      mode: 'append',
      staged: await stagedFilesIn(file, []),
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ],
      provenance: { operation: 'WRITE', user: 'ann', runId: `run-${index}` },
    });
  }
});
after(async () => {
  await platform.close();
  await database.drop();
  await rm(home, { recursive: true, force: true });
});

const get = (url: string) => platform.http!.inject({ url, headers: { authorization: `Bearer ${token}` } });

describe('dataset API', () => {
  test('GET a dataset: schema, version, files, size, rows', async () => {
    const res = await get('/api/v1/workspaces/demo/datasets/silver/customers');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual([body.dataset, body.version, body.files, body.rows], ['silver.customers', 1, 2, 4]);
    assert.deepEqual(body.columns, [
      { name: 'id', type: 'integer', nullable: true },
      { name: 'name', type: 'string', nullable: true },
    ]);
    assert.ok(body.sizeBytes > 0);
    assert.equal((await get('/api/v1/workspaces/demo/datasets/silver/customers?version=0')).json().rows, 3);
  });

  test('history lists commits newest first with user and run id', async () => {
    const res = await get('/api/v1/workspaces/demo/datasets/silver/customers/history');
    const items = res.json().items as Array<{ version: number; operation: string; user: string; runId: string }>;
    assert.deepEqual(
      items.map((i) => [i.version, i.operation, i.user, i.runId]),
      [
        [1, 'WRITE', 'ann', 'run-1'],
        [0, 'WRITE', 'ann', 'run-0'],
      ],
    );
  });

  test('preview streams the first rows through the engine, at a version too', async () => {
    const latest = (await get('/api/v1/workspaces/demo/datasets/silver/customers/preview?limit=2')).json();
    assert.deepEqual(
      [latest.version, latest.rows.length, latest.truncated, latest.columns],
      [1, 2, true, ['id', 'name']],
    );
    const first = (await get('/api/v1/workspaces/demo/datasets/silver/customers/preview?version=0')).json();
    assert.deepEqual(first.rows.map((r: { id: number }) => r.id).sort(), [0, 1, 2]);
  });

  test('a missing dataset or version is 404 with its code; a bad name is 400 with the path', async () => {
    const missing = await get('/api/v1/workspaces/demo/datasets/gold/nothing');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'DATASET_NOT_FOUND');
    const badName = await get('/api/v1/workspaces/demo/datasets/Silver/customers');
    assert.equal(badName.statusCode, 400);
    assert.equal(badName.json().error.details.path, '/params/layer');
    const badVersion = await get('/api/v1/workspaces/demo/datasets/silver/customers?version=42');
    assert.equal(badVersion.statusCode, 404);
    assert.equal(badVersion.json().error.code, 'DELTA_VERSION_NOT_FOUND');
  });

  test('restore rolls back with a new commit; vacuum reports what it would delete', async () => {
    const post = (url: string, payload: object) =>
      platform.http!.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } });
    const restored = await post('/api/v1/workspaces/demo/datasets/silver/customers/restore', { version: 0 });
    assert.equal(restored.statusCode, 200);
    assert.deepEqual(restored.json(), { version: 2, restoredVersion: 0 });
    assert.equal((await get('/api/v1/workspaces/demo/datasets/silver/customers')).json().rows, 3);
    const history = (await get('/api/v1/workspaces/demo/datasets/silver/customers/history?limit=1')).json();
    assert.equal(history.items[0].operation, 'RESTORE');

    const dryRun = await post('/api/v1/workspaces/demo/datasets/silver/customers/vacuum', { dryRun: true });
    assert.equal(dryRun.statusCode, 200);
    assert.deepEqual(dryRun.json().deleted, [], 'the removed file is still within retention');
    const tooShort = await post('/api/v1/workspaces/demo/datasets/silver/customers/vacuum', { retentionHours: 0 });
    assert.equal(tooShort.statusCode, 400);
    const missing = await post('/api/v1/workspaces/demo/datasets/silver/customers/restore', { version: 99 });
    assert.equal(missing.json().error.code, 'DELTA_VERSION_NOT_FOUND');
  });

  test("preview shows each caller what their policies allow: masks, row filters and ABAC on the dataset's tags", async () => {
    const { identity } = platform;
    const analyst = await identity.users.createLocal({
      email: 'analyst@demo.test',
      name: 'Analyst',
      password: 'analyst password 1',
    });
    await identity.access.assign(`user:${analyst.id}`, 'analyst', 'demo');
    const { secret } = await identity.tokens.create({
      userId: analyst.id,
      workspace: 'demo',
      role: 'analyst',
      name: 't',
      expiresAt: null,
      createdBy: analyst.id,
    });
    const as = (bearer: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
      platform.http!.inject({
        method,
        url,
        headers: { authorization: `Bearer ${bearer}` },
        ...(payload ? { payload } : {}),
      });
    const base = '/api/v1/workspaces/demo/datasets/silver/customers';
    const governed = await as(token, 'PUT', `${base}/governance`, {
      tags: ['finance'],
      columns: { name: { classification: 'pii', mask: 'partial' } },
    });
    assert.equal(governed.statusCode, 200, governed.body);
    const filtered = await as(token, 'POST', '/api/v1/workspaces/demo/data-policies', {
      kind: 'row_filter',
      dataset: 'silver.customers',
      predicate: 'id < 2',
      roles: ['analyst'],
    });
    assert.equal(filtered.statusCode, 201, filtered.body);

    const names = (res: { json(): { rows: Array<{ id: number; name: string }> } }) =>
      res
        .json()
        .rows.map((r) => `${r.id}:${r.name}`)
        .sort();
    const forAdmin = await as(token, 'GET', `${base}/preview?version=1`);
    assert.deepEqual(names(forAdmin), ['0:c0', '1:c1', '2:c2', '3:c3']);
    const forAnalyst = await as(secret, 'GET', `${base}/preview?version=1`);
    assert.equal(forAnalyst.statusCode, 200, forAnalyst.body);
    assert.deepEqual(names(forAnalyst), ['0:c***', '1:c***']);

    const denied = await as(token, 'POST', '/api/v1/workspaces/demo/policies', {
      subject: 'role:analyst',
      permission: 'dataset:read',
      condition: "hasTag(r.res, 'finance')",
      effect: 'deny',
    });
    assert.equal(denied.statusCode, 201, denied.body);
    const refused = await as(secret, 'GET', `${base}/preview`);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'PERMISSION_DENIED');
    assert.equal((await as(token, 'GET', `${base}/preview`)).statusCode, 200, 'admins are not affected');
  });
});
