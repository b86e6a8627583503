import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { keyFromBytes, type SecretKey } from './secret-key.ts';
import { createSecretStore, type SecretStore } from './secret-store.ts';
import { createSecretsTestDatabase } from './secrets-testing.ts';

let database: Awaited<ReturnType<typeof createSecretsTestDatabase>>;
let db: Knex;
let store: SecretStore;
const keyA: SecretKey = { ...keyFromBytes(randomBytes(32)), source: 'file', path: '/etc/assay/secret.key' };
const keyB: SecretKey = { ...keyFromBytes(randomBytes(32)), source: 'env' };

before(async () => {
  database = await createSecretsTestDatabase();
  db = database.db;
});
after(() => database.drop());
beforeEach(async () => {
  await db('core_secrets').delete();
  store = createSecretStore({ db, key: keyA });
});

const code = (expected: string) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, expected);
  return true;
};

describe('secret store', () => {
  test('put then get returns the value; the database holds only ciphertext under the key id', async () => {
    const info = await store.put('demo', 'warehouse.password', 's3cr3t-value', { description: 'DWH', actor: 'u-1' });
    assert.deepEqual([info.name, info.description, info.createdBy], ['warehouse.password', 'DWH', 'u-1']);
    assert.ok(!Object.values(info).includes('s3cr3t-value'));
    assert.equal(await store.get('demo', 'warehouse.password'), 's3cr3t-value');
    const [row] = await db('core_secrets').select('*');
    assert.equal(row.key_id, keyA.id);
    const stored = JSON.stringify(row) + Buffer.concat([row.iv, row.tag, row.ciphertext]).toString('latin1');
    assert.ok(!stored.includes('s3cr3t-value'));
  });

  test('put replaces value and description, keeps creator and creation time, bumps updated_at', async () => {
    const first = await store.put('demo', 'api-key', 'one', { description: 'old', actor: 'u-1' });
    const second = await store.put('demo', 'api-key', 'two', { actor: 'u-2' });
    assert.equal(await store.get('demo', 'api-key'), 'two');
    assert.deepEqual([second.description, second.createdBy, second.createdAt], [null, 'u-1', first.createdAt]);
    assert.ok(second.updatedAt >= first.updatedAt);
    assert.equal(
      await db('core_secrets')
        .count<{ count: string }[]>('* as count')
        .then((r) => Number(r[0]!.count)),
      1,
    );
  });

  test('secrets are per workspace', async () => {
    await store.put('demo', 'token', 'demo-value');
    await store.put('other', 'token', 'other-value');
    assert.equal(await store.get('demo', 'token'), 'demo-value');
    assert.equal(await store.get('other', 'token'), 'other-value');
    assert.deepEqual(
      (await store.list('other')).map((s) => s.name),
      ['token'],
    );
    await assert.rejects(store.get('third', 'token'), code('SECRET_NOT_FOUND'));
  });

  test('list gives metadata by name and never a value', async () => {
    await store.put('demo', 'b', 'value-b');
    await store.put('demo', 'a', 'value-a', { description: 'first' });
    const items = await store.list('demo');
    assert.deepEqual(
      items.map((s) => [s.name, s.description]),
      [
        ['a', 'first'],
        ['b', null],
      ],
    );
    assert.deepEqual(Object.keys(items[0]!).sort(), ['createdAt', 'createdBy', 'description', 'name', 'updatedAt']);
    assert.ok(!JSON.stringify(items).includes('value-'));
    assert.deepEqual(await store.list('empty'), []);
  });

  test('get and remove of a missing secret are SECRET_NOT_FOUND naming it', async () => {
    await assert.rejects(store.get('demo', 'missing'), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'SECRET_NOT_FOUND');
      assert.match(error.message, /"missing".*"demo"/);
      return true;
    });
    await assert.rejects(store.remove('demo', 'missing'), code('SECRET_NOT_FOUND'));
  });

  test('remove deletes it', async () => {
    await store.put('demo', 'gone', 'x');
    await store.remove('demo', 'gone');
    await assert.rejects(store.get('demo', 'gone'), code('SECRET_NOT_FOUND'));
  });

  test('invalid names and empty values are refused before anything is stored', async () => {
    for (const name of ['Upper', '1st', '-x', 'with space', 'a/b', '', 'x'.repeat(129)]) {
      await assert.rejects(store.put('demo', name, 'v'), code('SECRET_NAME_INVALID'));
    }
    await assert.rejects(store.put('demo', 'ok', ''), code('SECRET_VALUE_EMPTY'));
    assert.deepEqual(await store.list('demo'), []);
    await store.put('demo', `a${'x'.repeat(127)}`, 'v');
  });

  test('the table itself refuses invalid names', async () => {
    const row = {
      workspace: 'demo',
      key_id: 'k',
      iv: Buffer.alloc(12),
      tag: Buffer.alloc(16),
      ciphertext: Buffer.alloc(1),
    };
    await assert.rejects(db('core_secrets').insert({ ...row, name: 'Bad' }), /core_secrets_name_check/);
  });

  test('a ciphertext copied onto another row does not decrypt: SECRET_CORRUPT', async () => {
    await store.put('demo', 'source', 'the-value');
    await store.put('demo', 'target', 'other');
    const source = await db('core_secrets').where({ name: 'source' }).first('iv', 'tag', 'ciphertext');
    await db('core_secrets').where({ name: 'target' }).update(source);
    await assert.rejects(store.get('demo', 'target'), code('SECRET_CORRUPT'));
  });

  test('verifyKey passes on an empty table and with the right key', async () => {
    await createSecretStore({ db, key: keyB }).verifyKey();
    await store.put('demo', 'x', 'v');
    await store.verifyKey();
  });

  test('verifyKey with another key is SECRET_KEY_MISMATCH explaining both ids, the source and the fix', async () => {
    await store.put('demo', 'x', 'v');
    await store.put('demo', 'y', 'v');
    await assert.rejects(createSecretStore({ db, key: keyB }).verifyKey(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SECRET_KEY_MISMATCH');
      assert.ok(error.message.includes(`id ${keyB.id}, from ASSAY_SECRET_KEY`));
      assert.ok(error.message.includes(`2 stored secret(s) were encrypted with (id ${keyA.id})`));
      assert.match(error.message, /must share the same key/);
      assert.ok(!error.message.includes(keyA.bytes.toString('base64')));
      return true;
    });
    await assert.rejects(
      createSecretStore({ db, key: { ...keyB, source: 'file', path: '/k' } }).verifyKey(),
      /from the key file \/k/,
    );
  });

  test('a process with another key can neither read nor add secrets', async () => {
    await store.put('demo', 'x', 'v');
    const stale = createSecretStore({ db, key: keyB });
    await assert.rejects(stale.get('demo', 'x'), code('SECRET_KEY_MISMATCH'));
    await assert.rejects(stale.put('demo', 'new', 'v'), code('SECRET_KEY_MISMATCH'));
    await assert.rejects(stale.put('demo', 'x', 'v'), code('SECRET_KEY_MISMATCH'));
    assert.equal(await store.get('demo', 'x'), 'v');
    assert.deepEqual(
      (await store.list('demo')).map((s) => s.name),
      ['x'],
    );
  });

  test('rotate re-encrypts every row; the store then uses the new key and the old key no longer reads', async () => {
    await store.put('demo', 'a', 'value-a');
    await store.put('other', 'b', 'value-b');
    const before = await db('core_secrets').orderBy('name').select('name', 'updated_at');
    assert.deepEqual(await store.rotate(keyB), { reencrypted: 2 });
    assert.deepEqual(
      (await db('core_secrets').distinct('key_id')).map((r) => r.key_id),
      [keyB.id],
    );
    assert.deepEqual(await db('core_secrets').orderBy('name').select('name', 'updated_at'), before);
    assert.equal(await store.get('demo', 'a'), 'value-a');
    assert.equal(await createSecretStore({ db, key: keyB }).get('other', 'b'), 'value-b');
    await assert.rejects(createSecretStore({ db, key: keyA }).get('demo', 'a'), code('SECRET_KEY_MISMATCH'));
    await store.put('demo', 'c', 'value-c');
    await store.verifyKey();
  });

  test('rotate to the same key is SECRET_KEY_UNCHANGED', async () => {
    await assert.rejects(store.rotate({ ...keyA, source: 'env' }), code('SECRET_KEY_UNCHANGED'));
  });

  test('a rotation failing half-way leaves every row under the old key', async () => {
    for (const name of ['a', 'b', 'c']) await store.put('demo', name, `value-${name}`);
    await db('core_secrets')
      .where({ name: 'b' })
      .update({ tag: Buffer.alloc(16) });
    await assert.rejects(store.rotate(keyB), code('SECRET_CORRUPT'));
    assert.deepEqual(
      (await db('core_secrets').distinct('key_id')).map((r) => r.key_id),
      [keyA.id],
    );
    assert.equal(await store.get('demo', 'a'), 'value-a');
    await store.put('demo', 'b', 'value-b');
    await assert.rejects(
      store.rotate(keyB, {
        beforeCommit: async () => {
          throw new Error('crash before commit');
        },
      }),
      /crash before commit/,
    );
    assert.deepEqual(
      (await db('core_secrets').distinct('key_id')).map((r) => r.key_id),
      [keyA.id],
    );
    assert.equal(await store.get('demo', 'c'), 'value-c');
  });

  test('a put by a process with the old key waits for a running rotation, then refuses', async () => {
    await store.put('demo', 'a', 'value-a');
    const stale = createSecretStore({ db, key: keyA });
    let release!: () => void;
    let started!: () => void;
    const rotationWaiting = new Promise<void>((resolve) => (started = resolve));
    const rotating = store.rotate(keyB, {
      beforeCommit: () => {
        started();
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await rotationWaiting;
    const put = stale.put('demo', 'late', 'value-late').then(
      () => 'stored',
      (error: { code?: string }) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await rotating;
    assert.equal(await put, 'SECRET_KEY_MISMATCH');
    assert.deepEqual(
      (await store.list('demo')).map((s) => s.name),
      ['a'],
    );
  });
});
