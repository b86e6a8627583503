import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { connectionYaml, pipelineFixturePlugin, pipelineYaml } from './pipeline-fixtures.ts';

let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
const WS = 'pipes';
const OTHER = 'pipes-other';
const base = `/api/v1/workspaces/${WS}/pipelines`;

before(async () => {
  platform = await startCoreTestPlatform({ plugins: [pipelineFixturePlugin], worker: false });
  await platform.createWorkspace(WS);
  await platform.createWorkspace(OTHER);
  const applied = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/apply`,
    payload: { files: [{ path: 'files.yaml', text: connectionYaml('files', '/tmp') }] },
  });
  assert.equal(applied.statusCode, 200, applied.body);
});
after(() => platform?.close());

/** A pipeline document as JSON, the way the portal sends it. */
function document(name: string, jobs: Array<Record<string, unknown>>, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'assay.dev/v1', kind: 'Pipeline', metadata: { name }, spec: { ...spec, jobs } };
}
const raw = { id: 'raw', operator: 'load', connection: 'files', config: { path: 'a/*.csv' }, output: 'bronze.raw' };
const clean = {
  id: 'clean',
  operator: 'transform',
  inputs: ['bronze.raw'],
  config: { sql: 'select 1' },
  output: 'silver.clean',
};

describe('pipelines API', () => {
  test('a plugin disabled in the workspace: its operators are refused there, and only there', async () => {
    const toggle = (enabled: boolean) =>
      platform.inject({
        method: 'PUT',
        url: `/api/v1/workspaces/${WS}/plugins/pipeline-fixture`,
        payload: { enabled },
      });
    const validate = async (ws: string) =>
      (
        await platform.inject({
          method: 'POST',
          url: `/api/v1/workspaces/${ws}/pipelines/validate`,
          payload: { document: document('disabled', [clean, raw]) },
        })
      ).json() as { valid: boolean; problems: Array<{ code: string; path: string }> };
    assert.equal((await toggle(false)).statusCode, 200);
    try {
      const refused = await validate(WS);
      assert.equal(refused.valid, false);
      assert.deepEqual(
        refused.problems.map((problem) => [problem.code, problem.path]),
        [
          ['PIPELINE_OPERATOR_DISABLED', 'spec.jobs[0].operator'],
          ['PIPELINE_OPERATOR_DISABLED', 'spec.jobs[1].operator'],
        ],
      );
      const saved = await platform.inject({
        method: 'POST',
        url: base,
        payload: { document: document('disabled', [raw]) },
      });
      assert.equal(saved.statusCode, 400, saved.body);
      const elsewhere = await validate(OTHER);
      assert.ok(
        !elsewhere.problems.some((problem) => problem.code === 'PIPELINE_OPERATOR_DISABLED'),
        'another workspace still has the plugin',
      );
    } finally {
      assert.equal((await toggle(true)).statusCode, 200);
    }
    assert.deepEqual((await validate(WS)).problems, []);
  });

  test('create, show with its graph, save versions, list', async () => {
    const created = await platform.inject({
      method: 'POST',
      url: base,
      payload: { document: document('orders', [clean, raw]), message: 'first cut' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json();
    assert.deepEqual(
      [body.name, body.version.version, body.changed, body.version.message],
      ['orders', 1, true, 'first cut'],
    );
    assert.match(body.version.author, /^admin-.*@assay\.test$/, 'the API records the caller’s email');
    assert.deepEqual(body.graph.order, ['raw', 'clean'], 'topological order, not declaration order');

    const shown = await platform.inject(`${base}/orders`);
    assert.equal(shown.statusCode, 200, shown.body);
    const detail = shown.json();
    assert.deepEqual(
      detail.graph.jobs.map((j: { id: string; upstream: string[]; downstream: string[] }) => [
        j.id,
        j.upstream,
        j.downstream,
      ]),
      [
        ['clean', ['raw'], []],
        ['raw', [], ['clean']],
      ],
    );
    const load = detail.document.spec.jobs.find((j: { id: string }) => j.id === 'raw');
    assert.deepEqual(load.config, { connection: 'files', format: 'csv', path: 'a/*.csv' }, 'stored normalized');
    assert.equal(load.version, 1, 'the operator version is pinned');

    const same = await platform.inject({
      method: 'PUT',
      url: `${base}/orders`,
      payload: { document: document('orders', [clean, raw]) },
    });
    assert.equal(same.statusCode, 200, same.body);
    assert.deepEqual([same.json().version.version, same.json().changed], [1, false]);

    const changed = await platform.inject({
      method: 'PUT',
      url: `${base}/orders`,
      payload: { document: document('orders', [clean, raw], { schedule: { cron: '0 6 * * *' } }), message: 'daily' },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual([changed.json().version.version, changed.json().changed], [2, true]);
    assert.ok(
      changed.json().diff.some((line: string) => line.includes('spec.schedule')),
      changed.json().diff.join('\n'),
    );

    const yaml = await platform.inject({
      method: 'POST',
      url: base,
      payload: { yaml: pipelineYaml('shop', { cron: '0 7 * * *' }) },
    });
    assert.equal(yaml.statusCode, 201, yaml.body);

    const listed = await platform.inject(base);
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      listed
        .json()
        .items.map((p: { name: string; currentVersion: number; jobCount: number }) => [
          p.name,
          p.currentVersion,
          p.jobCount,
        ]),
      [
        ['orders', 2, 2],
        ['shop', 1, 2],
      ],
    );
    assert.deepEqual(listed.json().items[1].schedule, { cron: '0 7 * * *', timezone: 'Europe/Amsterdam' });
    assert.equal(listed.json().items[1].description, 'Sales from the shop');
    const paged = await platform.inject(`${base}?limit=1`);
    assert.deepEqual(
      paged.json().items.map((p: { name: string }) => p.name),
      ['orders'],
    );
    const next = await platform.inject(`${base}?limit=1&cursor=${paged.json().nextCursor}`);
    assert.deepEqual(
      [next.json().items.map((p: { name: string }) => p.name), next.json().nextCursor],
      [['shop'], null],
    );
  });

  test('versions, one version with its diff, diff between versions, rollback', async () => {
    const versions = await platform.inject(`${base}/orders/versions`);
    assert.equal(versions.statusCode, 200, versions.body);
    assert.deepEqual(
      versions.json().items.map((v: { version: number }) => v.version),
      [2, 1],
    );
    const page = await platform.inject(`${base}/orders/versions?limit=1`);
    const older = await platform.inject(`${base}/orders/versions?limit=1&cursor=${page.json().nextCursor}`);
    assert.deepEqual(
      older.json().items.map((v: { version: number }) => v.version),
      [1],
    );

    const v2 = await platform.inject(`${base}/orders/versions/2`);
    assert.equal(v2.statusCode, 200, v2.body);
    assert.equal(v2.json().message, 'daily');
    assert.ok(
      v2.json().diff.some((line: string) => line.startsWith('+ spec.schedule')),
      v2.json().diff.join('\n'),
    );
    assert.deepEqual((await platform.inject(`${base}/orders/versions/1`)).json().diff, []);
    const missing = await platform.inject(`${base}/orders/versions/9`);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'PIPELINE_VERSION_NOT_FOUND');

    const diff = await platform.inject(`${base}/orders/diff?from=1&to=2`);
    assert.equal(diff.statusCode, 200, diff.body);
    assert.deepEqual([diff.json().from, diff.json().to], [1, 2]);
    assert.ok(
      diff
        .json()
        .changes.some((c: { op: string; path: string }) => c.op === 'add' && c.path.startsWith('spec.schedule')),
    );
    const byDefault = await platform.inject(`${base}/orders/diff`);
    assert.deepEqual([byDefault.json().from, byDefault.json().to], [1, 2]);

    const rolled = await platform.inject({ method: 'POST', url: `${base}/orders/rollback`, payload: { version: 1 } });
    assert.equal(rolled.statusCode, 200, rolled.body);
    assert.deepEqual(
      [rolled.json().version.version, rolled.json().changed, rolled.json().version.message],
      [3, true, 'Rollback to version 1'],
    );
    assert.ok(rolled.json().diff.some((line: string) => line.startsWith('- spec.schedule')));
    const v1 = (await platform.inject(`${base}/orders/versions/1`)).json();
    assert.equal(rolled.json().version.hash, v1.hash);
    const noVersion = await platform.inject({
      method: 'POST',
      url: `${base}/orders/rollback`,
      payload: { version: 7 },
    });
    assert.equal(noVersion.json().error.code, 'PIPELINE_VERSION_NOT_FOUND');
  });

  test('validate reports every problem and saves nothing', async () => {
    const bad = document('broken', [
      { id: 'a', operator: 'nope', output: 'bronze.a' },
      { id: 'b', operator: 'transform', inputs: ['bronze.c'], config: { sql: '' }, output: 'bronze.b' },
      { id: 'c', operator: 'transform', inputs: ['bronze.b'], config: { sql: 'x' }, output: 'bronze.c' },
      { id: 'd', operator: 'load', connection: 'ghost', config: { path: 'x' }, output: 'bronze.d' },
    ]);
    const res = await platform.inject({ method: 'POST', url: `${base}/validate`, payload: { document: bad } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().valid, false);
    const found = res.json().problems.map((p: { code: string; path: string }) => `${p.code} ${p.path}`);
    for (const expected of [
      'PIPELINE_OPERATOR_UNKNOWN spec.jobs[0].operator',
      'PIPELINE_CONFIG_INVALID spec.jobs[1].config.sql',
      'PIPELINE_CONNECTION_UNKNOWN spec.jobs[3].connection',
    ]) {
      assert.ok(found.includes(expected), `${expected} in ${found.join('; ')}`);
    }
    assert.ok(
      found.some((p: string) => p.startsWith('PIPELINE_CYCLE')),
      found.join('; '),
    );
    assert.ok(
      res.json().problems.every((p: { line?: number }) => p.line === undefined),
      'a JSON body has no lines',
    );

    const yaml = await platform.inject({
      method: 'POST',
      url: `${base}/validate`,
      payload: { yaml: pipelineYaml('ok').replace('operator: transform', 'operator: transfrom') },
    });
    const [problem] = yaml.json().problems;
    assert.deepEqual(
      [problem.code, problem.path, problem.line],
      ['PIPELINE_OPERATOR_UNKNOWN', 'spec.jobs[1].operator', 14],
    );

    const good = await platform.inject({
      method: 'POST',
      url: `${base}/validate`,
      payload: { document: document('fine', [raw, clean]) },
    });
    assert.deepEqual([good.json().valid, good.json().graph.order], [true, ['raw', 'clean']]);
    assert.equal((await platform.inject(`${base}/fine`)).statusCode, 404, 'validate saved nothing');
  });

  test('bad requests are 400 with a path; names and workspaces must match', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{}, 'REQUEST_INVALID', /either document .* or yaml/],
      [{ document: 5 }, 'REQUEST_INVALID', /\/body\/document/],
      [{ yaml: 'x', document: {} }, 'REQUEST_INVALID', /not both/],
      [{ yaml: 'kind: [', message: 'x' }, 'DOCUMENT_SYNTAX_INVALID', /YAML syntax error/],
      [{ document: { ...document('x', [raw]), extra: 1 } }, 'DOCUMENT_INVALID', /extra/],
      [{ document: document('x', [raw]), unknown: 1 }, 'REQUEST_INVALID', /\/body/],
    ];
    for (const [payload, code, message] of cases) {
      const res = await platform.inject({ method: 'POST', url: base, payload: payload as Record<string, unknown> });
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().error.code, code, res.body);
      assert.match(res.json().error.message, message);
    }
    const invalid = await platform.inject({
      method: 'POST',
      url: base,
      payload: { document: document('x', [{ ...raw, config: { path: '' } }]) },
    });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().error.code, 'PIPELINE_CONFIG_INVALID');
    assert.equal(invalid.json().error.details.problems[0].path, 'spec.jobs[0].config.path');

    const exists = await platform.inject({
      method: 'POST',
      url: base,
      payload: { document: document('orders', [raw]) },
    });
    assert.equal(exists.statusCode, 409);
    assert.equal(exists.json().error.code, 'PIPELINE_EXISTS');
    const mismatch = await platform.inject({
      method: 'PUT',
      url: `${base}/orders`,
      payload: { document: document('shop', [raw]) },
    });
    assert.equal(mismatch.statusCode, 400);
    assert.equal(mismatch.json().error.code, 'PIPELINE_NAME_MISMATCH');
    const elsewhere = await platform.inject({
      method: 'PUT',
      url: `${base}/orders`,
      payload: { document: { ...document('orders', [raw]), metadata: { name: 'orders', workspace: 'prod' } } },
    });
    assert.equal(elsewhere.json().error.code, 'DOCUMENT_WORKSPACE_MISMATCH');
    const env = await platform.inject({
      method: 'PUT',
      url: `${base}/orders`,
      payload: { document: document('orders', [{ ...raw, config: { path: '${env:HOME}/x' } }]) },
    });
    assert.equal(env.json().error.code, 'DOCUMENT_ENV_UNRESOLVED');
    const notFound = await platform.inject({
      method: 'PUT',
      url: `${base}/ghost`,
      payload: { document: document('ghost', [raw]) },
    });
    assert.equal(notFound.statusCode, 404);
    assert.equal(notFound.json().error.code, 'PIPELINE_NOT_FOUND');
    assert.equal((await platform.inject(`${base}/orders/versions?cursor=nope`)).json().error.code, 'CURSOR_INVALID');
    assert.equal((await platform.inject(`${base}/orders/versions/abc`)).statusCode, 400);
    assert.equal((await platform.inject(`${base}/orders/versions/99999999999`)).statusCode, 400, 'not an int4 error');
    const connection = await platform.inject({
      method: 'POST',
      url: base,
      payload: { yaml: connectionYaml('c', '/tmp') },
    });
    assert.equal(connection.json().error.code, 'PIPELINE_DOCUMENT_EXPECTED');
    const long = await platform.inject({
      method: 'POST',
      url: base,
      payload: { document: document('a'.repeat(70), [raw]) },
    });
    assert.deepEqual(
      [long.statusCode, long.json().error.code, long.json().error.details.problems[0].path],
      [400, 'PIPELINE_NAME_INVALID', 'metadata.name'],
    );
  });

  test('viewers read, engineers save; other workspaces see nothing; changes are audited', async () => {
    const viewer = await platform.createMember({ workspace: WS, role: 'viewer' });
    const engineer = await platform.createMember({ workspace: WS, role: 'engineer' });
    const outsider = await platform.createMember({ workspace: OTHER, role: 'admin' });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    assert.equal((await platform.inject({ url: `${base}/orders`, headers: as(viewer.token) })).statusCode, 200);
    const denied = await platform.inject({
      method: 'PUT',
      url: `${base}/orders`,
      headers: as(viewer.token),
      payload: { document: document('orders', [raw]) },
    });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().error.code, 'PERMISSION_DENIED');
    const saved = await platform.inject({
      method: 'PUT',
      url: `${base}/orders`,
      headers: as(engineer.token),
      payload: { document: document('orders', [raw]), message: 'only raw' },
    });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.match(saved.json().version.author, /^engineer-/);
    const foreign = await platform.inject({ url: `${base}/orders`, headers: as(outsider.token) });
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().error.code, 'TOKEN_WORKSPACE_MISMATCH');
    assert.ok(!foreign.body.includes('orders'));
    const other = await platform.inject(`/api/v1/workspaces/${OTHER}/pipelines/orders`);
    assert.equal(other.json().error.code, 'PIPELINE_NOT_FOUND', 'pipelines belong to one workspace');

    const entries = await platform
      .db('core_audit_log')
      .where({ workspace: WS, action: 'pipeline:edit', principal_id: engineer.userId })
      .select('method', 'resource', 'outcome');
    assert.deepEqual(entries, [{ method: 'PUT', resource: `${base}/orders`, outcome: 'success' }]);
    const refused = await platform.db('core_audit_log').where({ principal_id: viewer.userId, outcome: 'denied' });
    assert.equal(refused.length, 1);
  });

  test('delete removes the pipeline and its versions', async () => {
    const removed = await platform.inject({ method: 'DELETE', url: `${base}/shop` });
    assert.equal(removed.statusCode, 204);
    assert.equal((await platform.inject(`${base}/shop`)).json().error.code, 'PIPELINE_NOT_FOUND');
    assert.equal((await platform.inject({ method: 'DELETE', url: `${base}/shop` })).statusCode, 404);
    const rows = await platform
      .db('core_pipeline_versions')
      .join('core_pipelines', 'id', 'pipeline_id')
      .where({ name: 'shop' });
    assert.equal(rows.length, 0);
  });
});
