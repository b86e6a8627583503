import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { FIXTURE_TOKEN, fixturePlugin } from '../ingest/ingest-fixtures.ts';

let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let directory: string;
const WS = 'conn-tests';

before(async () => {
  platform = await startCoreTestPlatform({ plugins: [fixturePlugin], worker: false });
  await platform.createWorkspace(WS);
  directory = await mkdtemp(join(tmpdir(), 'assay-conn-'));
  await writeFile(join(directory, 'a.csv'), 'id,name\n1,ann\n2,bob\n');
});
after(async () => {
  await platform?.close();
  await rm(directory, { recursive: true, force: true });
});

const create = (body: Record<string, unknown>) =>
  platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/connections`, payload: body });

describe('connections', () => {
  test('a secret field is encrypted, never returned, and kept when an edit leaves it out', async () => {
    const created = await create({
      name: 'files',
      type: 'fixture-files',
      config: { directory, token: FIXTURE_TOKEN, auth: { kind: 'basic', user: 'u', password: 'pw-value-1' } },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.ok(!created.body.includes(FIXTURE_TOKEN) && !created.body.includes('pw-value-1'));
    const record = created.json();
    assert.deepEqual(record.config.token, { $secret: 'connection.files.token' });
    assert.deepEqual(record.config.auth.password, { $secret: 'connection.files.auth.password' });
    const stored = await platform.db('core_secrets').where({ workspace: WS }).select('name', 'ciphertext');
    assert.equal(stored.length, 2);
    assert.ok(stored.every((row: { ciphertext: Buffer }) => !row.ciphertext.toString('latin1').includes('pw-value')));

    const edited = await platform.inject({
      method: 'PUT',
      url: `/api/v1/workspaces/${WS}/connections/files`,
      payload: { config: { directory, auth: { kind: 'none' } }, description: 'local files' },
    });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.deepEqual(edited.json().config.token, { $secret: 'connection.files.token' });
    const names = (await platform.db('core_secrets').where({ workspace: WS }).pluck('name')).sort();
    assert.deepEqual(names, ['connection.files.token'], 'the password the edit dropped is deleted');

    const tested = await platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/connections/files/test` });
    assert.equal(tested.statusCode, 200);
    assert.equal(tested.json().ok, true, tested.body);
  });

  test('test reports a diagnosis with a code instead of an error status', async () => {
    assert.equal(
      (await create({ name: 'wrong-token', type: 'fixture-files', config: { directory, token: 'nope' } })).statusCode,
      201,
    );
    const tested = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/connections/wrong-token/test`,
    });
    assert.equal(tested.statusCode, 200);
    assert.equal(tested.json().ok, false);
    assert.equal(tested.json().code, 'AUTH_FAILED');
  });

  test('discover describes the files with the real readers', async () => {
    const response = await platform.inject(`/api/v1/workspaces/${WS}/connections/files/discover`);
    assert.equal(response.statusCode, 200, response.body);
    const [stream] = response.json().streams;
    assert.deepEqual(
      stream.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`),
      ['id:BIGINT', 'name:VARCHAR'],
    );
  });

  test('bad input answers with stable codes and paths', async () => {
    const unknownType = await create({ name: 'x1', type: 'nope', config: {} });
    assert.equal(unknownType.statusCode, 400);
    assert.equal(unknownType.json().error.code, 'CONNECTOR_NOT_FOUND');

    const missing = await create({ name: 'x2', type: 'fixture-files', config: { token: 'a' } });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'CONNECTION_CONFIG_INVALID');
    assert.match(missing.json().error.message, /directory/);

    const wrongType = await create({ name: 'x3', type: 'fixture-files', config: { directory: 5, token: 'a' } });
    assert.equal(wrongType.json().error.details.path, 'config.directory');

    const badSecret = await create({ name: 'x4', type: 'fixture-files', config: { directory, token: 42 } });
    assert.equal(badSecret.json().error.code, 'CONNECTION_CONFIG_INVALID');

    const danglingRef = await create({
      name: 'x5',
      type: 'fixture-files',
      config: { directory, token: { $secret: 'does-not-exist' } },
    });
    assert.equal(danglingRef.json().error.code, 'CONNECTION_SECRET_MISSING');

    const badName = await create({ name: 'Bad Name', type: 'fixture-files', config: { directory, token: 'a' } });
    assert.equal(badName.json().error.code, 'CONNECTION_NAME_INVALID');

    const duplicate = await create({ name: 'files', type: 'fixture-files', config: { directory, token: 'a' } });
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json().error.code, 'CONNECTION_EXISTS');

    const notFound = await platform.inject(`/api/v1/workspaces/${WS}/connections/nope`);
    assert.equal(notFound.statusCode, 404);
    assert.equal(notFound.json().error.code, 'CONNECTION_NOT_FOUND');
  });

  test('a reference to a workspace secret is used as it is and survives the connection', async () => {
    const put = await platform.inject({
      method: 'PUT',
      url: `/api/v1/workspaces/${WS}/secrets/shared-token`,
      payload: { value: FIXTURE_TOKEN },
    });
    assert.equal(put.statusCode, 200, put.body);
    const created = await create({
      name: 'by-ref',
      type: 'fixture-files',
      config: { directory, token: { $secret: 'shared-token' } },
    });
    assert.equal(created.statusCode, 201, created.body);
    const tested = await platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/connections/by-ref/test` });
    assert.equal(tested.json().ok, true);
    const removed = await platform.inject({ method: 'DELETE', url: `/api/v1/workspaces/${WS}/connections/by-ref` });
    assert.equal(removed.statusCode, 204);
    assert.equal((await platform.db('core_secrets').where({ workspace: WS, name: 'shared-token' })).length, 1);
  });

  test('uploads are streamed to the connection, size-limited and name-checked', async () => {
    const boundary = '----assay-test';
    const body = (name: string, content: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`;
    const upload = (name: string, content: string) =>
      platform.inject({
        method: 'POST',
        url: `/api/v1/workspaces/${WS}/connections/files/uploads`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: body(name, content),
      });
    const ok = await upload('orders.csv', 'id\n1\n');
    assert.equal(ok.statusCode, 201, ok.body);
    assert.deepEqual(
      ok.json().items.map((i: { name: string; size: number }) => [i.name, i.size]),
      [['orders.csv', 5]],
    );
    const listed = await platform.inject(`/api/v1/workspaces/${WS}/connections/files/uploads`);
    assert.equal(listed.json().items.length, 1);
    const traversal = await upload('../evil.csv', 'x');
    assert.deepEqual(
      traversal.json().items.map((i: { name: string }) => i.name),
      ['evil.csv'],
      'directories are dropped',
    );
    const hidden = await upload('.env', 'x');
    assert.equal(hidden.statusCode, 400);
    assert.equal(hidden.json().error.code, 'UPLOAD_NAME_INVALID');
    const notMultipart = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/connections/files/uploads`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(notMultipart.statusCode, 400);
  });

  test('engineers manage connections; viewers and analysts do not see them', async () => {
    const viewer = await platform.createMember({ workspace: WS, role: 'analyst' });
    const engineer = await platform.createMember({ workspace: WS, role: 'engineer' });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const listed = await platform.inject({ url: `/api/v1/workspaces/${WS}/connections`, headers: as(viewer.token) });
    assert.equal(listed.statusCode, 403);
    const created = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/connections`,
      headers: as(engineer.token),
      payload: { name: 'by-engineer', type: 'fixture-files', config: { directory, token: 'a' } },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().createdBy, engineer.userId);
  });
});
