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
import { datasetNames } from './dataset-list.ts';
import { stagedFilesIn } from './delta-write/staged-files.ts';
import type { LakeTable } from './lake-service.ts';
import type { LakeStorage } from './storage/lake-storage.ts';

let home: string;
let database: TestDatabase;
let platform: Platform;
let token: string;
let adminId: string;

/** Writes `count` rows in one commit per call. */
async function write(table: LakeTable, count: number, index: number): Promise<void> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const file = join(home, 'staging', `${table.name}-${index}.parquet`);
  await connection.run(`COPY (SELECT range::INTEGER AS id FROM range(${count})) TO ${literal(file)} (FORMAT parquet)`);
  await table.write({
    mode: 'append',
    staged: await stagedFilesIn(file, []),
    columns: [{ name: 'id', type: 'INTEGER' }],
    provenance: { operation: 'WRITE', user: 'ann', runId: `run-${index}` },
  });
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'assay-dataset-list-'));
  database = await createTestDatabase();
  const config = loadConfig({
    env: {},
    cwd: home,
    overrides: { home, databaseUrl: database.url, logLevel: 'silent', port: 0 },
  });
  platform = await startPlatform({ config, role: 'serve', includeBuiltins: false });
  const admin = await createPlatformAdmin(platform.identity);
  token = admin.token;
  adminId = (await get('/api/v1/me')).json().user.id;
  await platform.identity.workspaces.create({ slug: 'listing' });
  await platform.identity.workspaces.create({ slug: 'listing-empty' });
  await mkdir(join(home, 'staging'));
  const lake = platform.lake;
  await write(lake.table('listing', 'bronze.orders_raw'), 5, 0);
  await write(lake.table('listing', 'silver.customers'), 3, 0);
  await write(lake.table('listing', 'silver.customers'), 2, 1);
  await write(lake.table('listing', 'silver.orders'), 4, 0);
  await write(lake.table('listing', 'gold.revenue'), 1, 0);
  // Not datasets: a quarantine table, and a directory without a Delta log.
  await write(lake.quarantine('listing', 'silver.customers'), 1, 9);
  await mkdir(join(lake.storage.localPath('listing/silver/not_a_table')!), { recursive: true });
  const governance = await platform.http!.inject({
    method: 'PUT',
    url: '/api/v1/workspaces/listing/datasets/silver/customers/governance',
    headers: { authorization: `Bearer ${token}` },
    payload: { owner: adminId, classification: 'pii', tags: ['crm', 'gdpr'] },
  });
  assert.equal(governance.statusCode, 200, governance.body);
});
after(async () => {
  await platform?.close();
  await database?.drop();
  await rm(home, { recursive: true, force: true });
});

function get(url: string) {
  return platform.http!.inject({ url, headers: { authorization: `Bearer ${token}` } });
}
const names = (body: { items: Array<{ dataset: string }> }) => body.items.map((i) => i.dataset);

describe('GET /workspaces/:ws/datasets', () => {
  test('lists every Delta table of the workspace by layer and name, with stats and governance', async () => {
    const res = await get('/api/v1/workspaces/listing/datasets');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(names(body), ['bronze.orders_raw', 'gold.revenue', 'silver.customers', 'silver.orders']);
    assert.equal(body.nextCursor, null);
    const customers = body.items.find((i: { dataset: string }) => i.dataset === 'silver.customers');
    assert.deepEqual(
      [customers.layer, customers.name, customers.version, customers.publishedVersion, customers.heldVersion],
      ['silver', 'customers', 1, 1, null],
    );
    assert.deepEqual([customers.rows, customers.files], [5, 2]);
    assert.ok(customers.sizeBytes > 0);
    assert.ok(Date.now() - Date.parse(customers.updatedAt) < 60_000);
    assert.deepEqual([customers.owner, customers.classification, customers.tags], [adminId, 'pii', ['crm', 'gdpr']]);
    const revenue = body.items.find((i: { dataset: string }) => i.dataset === 'gold.revenue');
    assert.deepEqual([revenue.owner, revenue.classification, revenue.tags], [null, null, []]);
  });

  test('filters by layer and by a case-insensitive part of the name', async () => {
    assert.deepEqual(names((await get('/api/v1/workspaces/listing/datasets?layer=silver')).json()), [
      'silver.customers',
      'silver.orders',
    ]);
    assert.deepEqual(names((await get('/api/v1/workspaces/listing/datasets?search=ORDERS')).json()), [
      'bronze.orders_raw',
      'silver.orders',
    ]);
    assert.deepEqual(names((await get('/api/v1/workspaces/listing/datasets?layer=gold&search=orders')).json()), []);
    assert.deepEqual(names((await get('/api/v1/workspaces/listing/datasets?layer=platinum')).json()), []);
  });

  test('pages with a cursor until the last page', async () => {
    const first = (await get('/api/v1/workspaces/listing/datasets?limit=3')).json();
    assert.deepEqual(names(first), ['bronze.orders_raw', 'gold.revenue', 'silver.customers']);
    assert.equal(typeof first.nextCursor, 'string');
    const second = (await get(`/api/v1/workspaces/listing/datasets?limit=3&cursor=${first.nextCursor}`)).json();
    assert.deepEqual(names(second), ['silver.orders']);
    assert.equal(second.nextCursor, null);
  });

  test('a workspace without tables lists nothing', async () => {
    const res = await get('/api/v1/workspaces/listing-empty/datasets');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { items: [], nextCursor: null });
  });

  test('a cursor it did not hand out is DATASET_CURSOR_INVALID', async () => {
    const res = await get('/api/v1/workspaces/listing/datasets?cursor=bm90IGEgY3Vyc29y');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'DATASET_CURSOR_INVALID');
  });

  test('a malformed layer or limit is refused by validation', async () => {
    for (const query of ['layer=Gold', 'layer=../x', 'limit=0', 'limit=201']) {
      const res = await get(`/api/v1/workspaces/listing/datasets?${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.code, 'REQUEST_INVALID', query);
    }
  });

  test('leaves out datasets ABAC keeps from the caller, also across pages', async () => {
    const { identity } = platform;
    const analyst = await identity.users.createLocal({
      email: 'analyst@listing.test',
      name: 'Analyst',
      password: 'analyst password 1',
    });
    await identity.access.assign(`user:${analyst.id}`, 'analyst', 'listing');
    const { secret } = await identity.tokens.create({
      userId: analyst.id,
      workspace: 'listing',
      role: 'analyst',
      name: 'list',
      expiresAt: null,
      createdBy: analyst.id,
    });
    const asAnalyst = (url: string) => platform.http!.inject({ url, headers: { authorization: `Bearer ${secret}` } });
    const all = ['bronze.orders_raw', 'gold.revenue', 'silver.customers', 'silver.orders'];
    assert.deepEqual(names((await asAnalyst('/api/v1/workspaces/listing/datasets')).json()), all);

    const denied = await platform.http!.inject({
      method: 'POST',
      url: '/api/v1/workspaces/listing/policies',
      headers: { authorization: `Bearer ${token}` },
      payload: {
        subject: 'role:analyst',
        permission: 'dataset:read',
        condition: "hasTag(r.res, 'gdpr')",
        effect: 'deny',
      },
    });
    assert.equal(denied.statusCode, 201, denied.body);
    const hidden = all.filter((d) => d !== 'silver.customers');
    assert.deepEqual(names((await asAnalyst('/api/v1/workspaces/listing/datasets')).json()), hidden);
    // A page of two: the hidden dataset is skipped and the page still fills up.
    const first = (await asAnalyst('/api/v1/workspaces/listing/datasets?limit=2')).json();
    assert.deepEqual(names(first), ['bronze.orders_raw', 'gold.revenue']);
    const second = (await asAnalyst(`/api/v1/workspaces/listing/datasets?limit=2&cursor=${first.nextCursor}`)).json();
    assert.deepEqual(names(second), ['silver.orders']);
    assert.equal(second.nextCursor, null);
    assert.deepEqual(names((await get('/api/v1/workspaces/listing/datasets')).json()), all, 'admins see all');
  });

  test('needs a signed-in caller', async () => {
    const res = await platform.http!.inject({ url: '/api/v1/workspaces/listing/datasets' });
    assert.equal(res.statusCode, 401);
  });
});

describe('datasetNames on an object store', () => {
  test('finds the same tables by listing keys, skipping quarantine and non-table prefixes', async () => {
    // The lake's storage without its local path: the listing takes the object-store route.
    const local = platform.lake.storage;
    const objectStore: LakeStorage = { ...local, localPath: () => undefined };
    assert.deepEqual(await datasetNames(objectStore, 'listing'), [
      'bronze.orders_raw',
      'gold.revenue',
      'silver.customers',
      'silver.orders',
    ]);
    assert.deepEqual(await datasetNames(objectStore, 'listing', 'silver'), ['silver.customers', 'silver.orders']);
    assert.deepEqual(await datasetNames(objectStore, 'listing-empty'), []);
  });
});
