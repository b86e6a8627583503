import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { recordFailure } from './incidents/incident-store.ts';

const WS = 'dq-api';
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let viewer: string;

before(async () => {
  platform = await startCoreTestPlatform({ worker: false });
  await platform.createWorkspace(WS);
  viewer = (await platform.createMember({ workspace: WS, role: 'viewer' })).token;
  // The dataset's governance marks email as PII: a viewer sees it masked in failing samples.
  const governed = await platform.inject({
    method: 'PUT',
    url: `/api/v1/workspaces/${WS}/datasets/silver/people/governance`,
    payload: { columns: { email: { classification: 'pii', mask: 'redact' } } },
  });
  assert.equal(governed.statusCode, 200, governed.body);
});
after(() => platform?.close());

const failure = (checkId: string, runId: string) =>
  recordFailure(platform.db, {
    workspace: WS,
    dataset: 'silver.people',
    checkId,
    checkType: 'not_null',
    action: 'warn',
    runId,
    result: { failing: 2, observed: null, sample: [{ id: 1, email: 'ann@x.org' }] },
  });
const api = (method: 'GET' | 'PATCH' | 'POST', path: string, payload?: object, token?: string) =>
  platform.inject({
    method,
    url: `/api/v1/workspaces/${WS}${path}`,
    ...(payload === undefined ? {} : { payload }),
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
  });

describe('quality API', () => {
  test('incidents: list pages by cursor, detail masks samples, changes keep one open incident per check', async () => {
    const first = await failure('not_null.email', 'run-1');
    await failure('not_null.email', 'run-2');
    await failure('not_null.name', 'run-2');
    await failure('unique.id', 'run-3');

    const page = await api('GET', '/quality/incidents?limit=2');
    assert.equal(page.statusCode, 200, page.body);
    assert.equal(page.json().items.length, 2);
    const rest = await api('GET', `/quality/incidents?limit=2&cursor=${page.json().nextCursor}`);
    assert.equal(rest.json().items.length, 1);
    assert.equal(rest.json().nextCursor, null);
    const all = [...page.json().items, ...rest.json().items];
    assert.equal(new Set(all.map((item: { id: string }) => item.id)).size, 3);
    assert.equal(all.find((item: { id: string }) => item.id === first.incident.id).count, 2);

    const asAdmin = await api('GET', `/quality/incidents/${first.incident.id}`);
    assert.deepEqual(asAdmin.json().lastResult.sample, [{ id: 1, email: 'ann@x.org' }]);
    const asViewer = await api('GET', `/quality/incidents/${first.incident.id}`, undefined, viewer);
    assert.deepEqual(asViewer.json().lastResult.sample, [{ id: 1, email: '***' }]);

    const denied = await api('PATCH', `/quality/incidents/${first.incident.id}`, { state: 'acknowledged' }, viewer);
    assert.equal(denied.statusCode, 403);
    const acknowledged = await api('PATCH', `/quality/incidents/${first.incident.id}`, {
      state: 'acknowledged',
      assignee: 'dana',
    });
    assert.deepEqual([acknowledged.json().state, acknowledged.json().assignee], ['acknowledged', 'dana']);
    const resolved = await api('PATCH', `/quality/incidents/${first.incident.id}`, { state: 'resolved' });
    assert.equal(resolved.json().state, 'resolved');
    for (const state of ['open', 'acknowledged']) {
      const refused = await api('PATCH', `/quality/incidents/${first.incident.id}`, { state });
      assert.equal(refused.json().error.code, 'INCIDENT_RESOLVED', state);
    }
    const reopened = await failure('not_null.email', 'run-4');
    assert.equal(reopened.opened, true, 'a failure after resolving opens a new incident');
  });

  test('bad requests: unknown incident, empty change, bad cursor, unknown dataset or check', async () => {
    const missing = await api('GET', '/quality/incidents/7d1f3c1e-6a5b-4f7e-9a1a-2b3c4d5e6f70');
    assert.deepEqual([missing.statusCode, missing.json().error.code], [404, 'INCIDENT_NOT_FOUND']);
    const { incident } = await failure('range.age', 'run-9');
    const empty = await api('PATCH', `/quality/incidents/${incident.id}`, {});
    assert.deepEqual([empty.statusCode, empty.json().error.code], [400, 'INCIDENT_CHANGE_EMPTY']);
    const cursor = await api('GET', '/quality/incidents?cursor=nonsense');
    assert.deepEqual([cursor.statusCode, cursor.json().error.code], [400, 'CURSOR_INVALID']);
    const dataset = await api('GET', '/datasets/silver/nothing/quality');
    assert.deepEqual([dataset.statusCode, dataset.json().error.code], [404, 'DATASET_NOT_FOUND']);
    const check = await api('GET', '/datasets/silver/people/quality/checks/nope');
    assert.deepEqual([check.statusCode, check.json().error.code], [404, 'CHECK_RESULTS_NOT_FOUND']);
    const publish = await api('POST', '/datasets/silver/nothing/publish', {});
    assert.deepEqual([publish.statusCode, publish.json().error.code], [404, 'DATASET_NOT_FOUND']);
  });
});
