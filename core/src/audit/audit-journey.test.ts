import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../engine/dataset-view.ts';
import { stagedFilesIn } from '../lake/delta-write/staged-files.ts';
import { createLakeService } from '../lake/lake-service.ts';
import { startCoreTestPlatform } from '../testing/test-platform.ts';

type Kit = Awaited<ReturnType<typeof startCoreTestPlatform>>;
let kit: Kit;

before(async () => {
  kit = await startCoreTestPlatform();
  await kit.createWorkspace('acme');
  const { config, db } = kit.platform;
  const table = createLakeService({ config, db }).table('acme', 'gold.revenue');
  const staging = join(config.home, 'staging');
  await mkdir(staging, { recursive: true });
  const file = join(staging, 'revenue.parquet');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`COPY (SELECT 1 AS day, 100.5 AS amount) TO ${literal(file)} (FORMAT parquet)`);
  await table.write({
    mode: 'append',
    staged: await stagedFilesIn(file, []),
    columns: [
      { name: 'day', type: 'INTEGER' },
      { name: 'amount', type: 'DECIMAL(4,1)' },
    ],
    provenance: { operation: 'WRITE' },
  });
});
after(() => kit.close());

describe('audit log through the API', () => {
  test('create, update, delete and read calls appear exactly once each, in order, with principal and outcome', async () => {
    const engineer = await kit.createMember({ workspace: 'acme', role: 'engineer', email: 'eng@acme.test' });
    const viewer = await kit.createMember({ workspace: 'acme', role: 'viewer', email: 'view@acme.test' });
    const as = (token: string, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      kit.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    const secret = '/api/v1/workspaces/acme/secrets/warehouse-password';

    assert.equal((await as(engineer.token, 'PUT', secret, { value: 's3cr3t-value' })).statusCode, 200);
    assert.equal((await as(engineer.token, 'PUT', secret, { value: 'rotated-value' })).statusCode, 200);
    assert.equal((await as(engineer.token, 'GET', '/api/v1/workspaces/acme/secrets')).statusCode, 200);
    assert.equal((await as(engineer.token, 'DELETE', secret)).statusCode, 204);
    const preview = await as(viewer.token, 'GET', '/api/v1/workspaces/acme/datasets/gold/revenue/preview');
    assert.equal(preview.statusCode, 200, preview.body);
    assert.equal((await as(viewer.token, 'DELETE', secret)).statusCode, 403);

    const res = await kit.inject('/api/v1/workspaces/acme/audit');
    assert.equal(res.statusCode, 200, res.body);
    const items = (res.json().items as Array<Record<string, unknown>>).map((e) => ({
      action: e.action,
      method: e.method,
      resource: e.resource,
      outcome: e.outcome,
      status: e.status,
      principal: (e.principal as { name: string } | null)?.name,
    }));
    const engineerName = 'engineer of acme';
    const viewerName = 'viewer of acme';
    assert.deepEqual(items, [
      {
        action: 'secret:manage',
        method: 'DELETE',
        resource: secret,
        outcome: 'denied',
        status: 403,
        principal: viewerName,
      },
      {
        action: 'dataset:read',
        method: 'GET',
        resource: '/api/v1/workspaces/acme/datasets/gold/revenue/preview',
        outcome: 'success',
        status: 200,
        principal: viewerName,
      },
      {
        action: 'secret:manage',
        method: 'DELETE',
        resource: secret,
        outcome: 'success',
        status: 204,
        principal: engineerName,
      },
      {
        action: 'secret:manage',
        method: 'PUT',
        resource: secret,
        outcome: 'success',
        status: 200,
        principal: engineerName,
      },
      {
        action: 'secret:manage',
        method: 'PUT',
        resource: secret,
        outcome: 'success',
        status: 200,
        principal: engineerName,
      },
    ]);
    assert.ok(!res.body.includes('s3cr3t-value') && !res.body.includes('rotated-value'), 'no secret value is audited');
  });

  test('entries cannot be altered through the API, and a failed login lands in the platform audit', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
      const res = await kit.inject({ method, url: '/api/v1/workspaces/acme/audit', payload: {} });
      assert.equal(res.statusCode, 404, method);
    }
    await kit.platform.identity.users.createLocal({ email: 'x@acme.test', name: 'X', password: 'a long password 1' });
    const failed = await kit.injectAnonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'x@acme.test', password: 'not the password' },
    });
    assert.equal(failed.statusCode, 401);
    const platform = (await kit.inject('/api/v1/audit?action=auth:login')).json();
    const [latest] = platform.items as Array<{ outcome: string; details: Record<string, unknown> }>;
    assert.equal(latest!.outcome, 'denied');
    assert.equal(latest!.details.userName, 'x@acme.test');
    assert.ok(!JSON.stringify(platform).includes('not the password'));
  });
});
