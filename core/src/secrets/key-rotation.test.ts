import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { rotateSecretKey } from './key-rotation.ts';
import { encodeSecretKey, keyFromBytes, loadSecretKey, type SecretKey } from './secret-key.ts';
import { createSecretStore } from './secret-store.ts';
import { createSecretsTestDatabase } from './secrets-testing.ts';

let database: Awaited<ReturnType<typeof createSecretsTestDatabase>>;
let db: Knex;
let home: string;
let current: SecretKey;
let next: SecretKey;
const NOW = new Date('2030-01-02T03:04:05.678Z');

before(async () => {
  database = await createSecretsTestDatabase();
  db = database.db;
});
after(() => database.drop());
beforeEach(async () => {
  await db('core_secrets').delete();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), 'assay-rotation-'));
  current = await loadSecretKey({ env: {}, home });
  next = { ...keyFromBytes(randomBytes(32)), source: 'generated' };
  const store = createSecretStore({ db, key: current });
  for (const name of ['a', 'b', 'c']) await store.put('demo', name, `value-${name}`);
});
after(() => rm(home, { recursive: true, force: true }));

const keyIds = async () => (await db('core_secrets').distinct('key_id')).map((row) => row.key_id as string);
const fileKey = async (path: string) => (await readFile(path, 'utf8')).trim();
const code = (expected: string) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, expected);
  return true;
};

describe('rotateSecretKey with a key file', () => {
  test('re-encrypts every row, replaces the key file and keeps the previous key, both 0600', async () => {
    const result = await rotateSecretKey({ db, current, next, now: NOW });
    const path = join(home, 'secret.key');
    const previous = `${path}.previous-20300102T030405678Z`;
    assert.deepEqual(result, {
      reencrypted: 3,
      previousKeyId: current.id,
      keyId: next.id,
      keyFile: path,
      previousKeyFile: previous,
      finishedInterrupted: false,
    });
    assert.deepEqual(await keyIds(), [next.id]);
    assert.equal(await fileKey(path), encodeSecretKey(next));
    assert.equal(await fileKey(previous), encodeSecretKey(current));
    for (const file of [path, previous]) assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(home)).sort(), ['secret.key', 'secret.key.previous-20300102T030405678Z']);

    const reloaded = await loadSecretKey({ env: {}, home });
    assert.equal(reloaded.id, next.id);
    assert.equal(await createSecretStore({ db, key: reloaded }).get('demo', 'b'), 'value-b');
    await assert.rejects(createSecretStore({ db, key: current }).get('demo', 'b'), code('SECRET_KEY_MISMATCH'));
  });

  test('a failure mid-way (a corrupt row) leaves old rows, the old key file and no new files', async () => {
    await db('core_secrets')
      .where({ name: 'b' })
      .update({ ciphertext: Buffer.from('garbage') });
    await assert.rejects(rotateSecretKey({ db, current, next, now: NOW }), code('SECRET_CORRUPT'));
    assert.deepEqual(await keyIds(), [current.id]);
    assert.equal(await createSecretStore({ db, key: current }).get('demo', 'a'), 'value-a');
    assert.equal(await fileKey(join(home, 'secret.key')), encodeSecretKey(current));
    assert.deepEqual(await readdir(home), ['secret.key']);
  });

  test('a failure just before COMMIT, after the key files were written, removes them again', async () => {
    await assert.rejects(
      rotateSecretKey({
        db,
        current,
        next,
        beforeCommit: async () => {
          assert.equal(await fileKey(join(home, 'secret.key.next')), encodeSecretKey(next));
          throw new Error('disk full');
        },
      }),
      /disk full/,
    );
    assert.deepEqual(await keyIds(), [current.id]);
    assert.deepEqual(await readdir(home), ['secret.key']);
  });

  test('a key that does not match the rows is SECRET_KEY_MISMATCH and changes nothing', async () => {
    const wrong: SecretKey = { ...keyFromBytes(randomBytes(32)), source: 'file', path: join(home, 'secret.key') };
    await assert.rejects(rotateSecretKey({ db, current: wrong, next }), code('SECRET_KEY_MISMATCH'));
    assert.deepEqual(await keyIds(), [current.id]);
    assert.deepEqual(await readdir(home), ['secret.key']);
  });

  test('a crash between COMMIT and the rename is finished by the next run', async () => {
    // What such a crash leaves: rows under the new key, the new key only in <file>.next.
    await createSecretStore({ db, key: current }).rotate(next);
    await writeFile(join(home, 'secret.key.next'), encodeSecretKey(next), { mode: 0o600 });
    await assert.rejects(createSecretStore({ db, key: current }).verifyKey(), code('SECRET_KEY_MISMATCH'));

    const another: SecretKey = { ...keyFromBytes(randomBytes(32)), source: 'generated' };
    const result = await rotateSecretKey({ db, current, next: another });
    assert.deepEqual([result.finishedInterrupted, result.keyId, result.reencrypted], [true, next.id, 0]);
    assert.equal(await fileKey(join(home, 'secret.key')), encodeSecretKey(next));
    assert.deepEqual(await readdir(home), ['secret.key']);
    await createSecretStore({ db, key: await loadSecretKey({ env: {}, home }) }).verifyKey();
  });

  test('a stale .next left by a crash before COMMIT is replaced by the next rotation', async () => {
    const stale = keyFromBytes(randomBytes(32));
    await writeFile(join(home, 'secret.key.next'), encodeSecretKey(stale), { mode: 0o600 });
    const result = await rotateSecretKey({ db, current, next, now: NOW });
    assert.equal(result.finishedInterrupted, false);
    assert.equal(await fileKey(join(home, 'secret.key')), encodeSecretKey(next));
    assert.deepEqual(await keyIds(), [next.id]);
    assert.ok(!(await readdir(home)).includes('secret.key.next'));
  });

  test('rotating to the current key is SECRET_KEY_UNCHANGED', async () => {
    await assert.rejects(rotateSecretKey({ db, current, next: current }), code('SECRET_KEY_UNCHANGED'));
    assert.deepEqual(await readdir(home), ['secret.key']);
  });
});

describe('rotateSecretKey with ASSAY_SECRET_KEY', () => {
  test('re-encrypts the rows and touches no file; beforeCommit runs before the rows change for others', async () => {
    const fromEnv: SecretKey = { ...current, source: 'env', path: undefined };
    await rm(join(home, 'secret.key'));
    let seenBeforeCommit: string[] = [];
    const result = await rotateSecretKey({
      db,
      current: fromEnv,
      next,
      beforeCommit: async () => {
        seenBeforeCommit = await keyIds();
      },
    });
    assert.deepEqual(seenBeforeCommit, [current.id], 'other connections still see the old rows before COMMIT');
    assert.deepEqual(
      [result.reencrypted, result.keyId, result.keyFile, result.previousKeyFile],
      [3, next.id, undefined, undefined],
    );
    assert.deepEqual(await keyIds(), [next.id]);
    assert.deepEqual(await readdir(home), []);
    assert.equal(await createSecretStore({ db, key: next }).get('demo', 'c'), 'value-c');
  });
});
