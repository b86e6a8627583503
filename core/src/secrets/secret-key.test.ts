import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { format, inspect } from 'node:util';
import { pino } from 'pino';
import { decodeSecretKey, loadSecretKey, readSecretKeyFrom } from './secret-key.ts';

let root: string;
let counter = 0;
const freshHome = () => join(root, `home-${++counter}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'assay-secret-key-'));
});
after(() => rm(root, { recursive: true, force: true }));

const KEY = randomBytes(32);
const expectedId = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

describe('loadSecretKey from ASSAY_SECRET_KEY', () => {
  test('accepts 64 hex characters, base64 and base64url of 32 bytes', async () => {
    for (const text of [
      KEY.toString('hex'),
      KEY.toString('base64'),
      KEY.toString('base64url'),
      ` ${KEY.toString('base64')}\n`,
    ]) {
      const key = await loadSecretKey({ env: { ASSAY_SECRET_KEY: text }, home: freshHome() });
      assert.equal(key.source, 'env');
      assert.deepEqual(key.bytes, KEY);
      assert.equal(key.id, expectedId(KEY));
      assert.equal(key.path, undefined);
    }
  });

  test('wins over a key file and creates none', async () => {
    const home = freshHome();
    const key = await loadSecretKey({ env: { ASSAY_SECRET_KEY: KEY.toString('hex') }, home });
    assert.equal(key.source, 'env');
    await assert.rejects(stat(join(home, 'secret.key')), { code: 'ENOENT' });
  });

  test('anything else is SECRET_KEY_INVALID naming the variable, never the value', async () => {
    const bad = [
      'too-short-secret-value',
      randomBytes(31).toString('base64'),
      randomBytes(48).toString('base64'),
      randomBytes(32).toString('hex').slice(1),
      `${randomBytes(32).toString('hex')}zz`,
      'p4ssw0rd-that-is-exactly-forty-four-chars!!',
    ];
    for (const value of bad) {
      await assert.rejects(loadSecretKey({ env: { ASSAY_SECRET_KEY: value }, home: freshHome() }), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'SECRET_KEY_INVALID');
        assert.match(error.message, /ASSAY_SECRET_KEY/);
        assert.match(error.message, /64 hex characters or as base64/);
        assert.ok(!error.message.includes(value), 'the message must not echo the value');
        return true;
      });
    }
  });

  test('an empty variable counts as unset, like every other Assay variable', async () => {
    const key = await loadSecretKey({ env: { ASSAY_SECRET_KEY: '' }, home: freshHome() });
    assert.equal(key.source, 'generated');
  });
});

describe('loadSecretKey from the key file', () => {
  test('a missing file is generated: 32 random bytes, base64, mode 0600, no temporary files left', async () => {
    const home = freshHome();
    const key = await loadSecretKey({ env: {}, home });
    assert.equal(key.source, 'generated');
    assert.equal(key.path, join(home, 'secret.key'));
    assert.equal(key.bytes.length, 32);
    assert.equal(key.id, expectedId(key.bytes));
    assert.equal((await readFile(key.path!, 'utf8')).trim(), key.bytes.toString('base64'));
    assert.equal((await stat(key.path!)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(home), ['secret.key']);
    const again = await loadSecretKey({ env: {}, home });
    assert.equal(again.source, 'file');
    assert.deepEqual(again.bytes, key.bytes);
  });

  test('processes racing to generate it all end up with the same key, and only one generates it', async () => {
    const home = freshHome();
    const keys = await Promise.all(Array.from({ length: 12 }, () => loadSecretKey({ env: {}, home })));
    assert.equal(new Set(keys.map((k) => k.id)).size, 1);
    assert.equal(keys.filter((k) => k.source === 'generated').length, 1);
    assert.deepEqual(await readdir(home), ['secret.key']);
  });

  test('secrets.keyFile is used, relative to home', async () => {
    const home = freshHome();
    const key = await loadSecretKey({ env: {}, home, keyFile: 'keys/assay.key' });
    assert.equal(key.path, join(home, 'keys', 'assay.key'));
    const absolute = join(root, `abs-${counter}.key`);
    await writeFile(absolute, KEY.toString('base64'), { mode: 0o600 });
    const fromAbsolute = await loadSecretKey({ env: {}, home, keyFile: absolute });
    assert.deepEqual([fromAbsolute.source, fromAbsolute.bytes], ['file', KEY]);
  });

  test('a file group or others may read is refused with SECRET_KEY_FILE_PERMISSIONS, saying to chmod 600', async () => {
    const home = freshHome();
    const key = await loadSecretKey({ env: {}, home });
    for (const mode of [0o640, 0o604, 0o660]) {
      await chmod(key.path!, mode);
      await assert.rejects(loadSecretKey({ env: {}, home }), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'SECRET_KEY_FILE_PERMISSIONS');
        assert.ok(error.message.includes(`chmod 600 ${key.path}`));
        assert.ok(!error.message.includes(key.bytes.toString('base64')));
        return true;
      });
    }
    await chmod(key.path!, 0o400);
    assert.deepEqual((await loadSecretKey({ env: {}, home })).bytes, key.bytes);
  });

  test('a malformed file is SECRET_KEY_INVALID naming the file and is left alone', async () => {
    const home = freshHome();
    const path = join(home, 'secret.key');
    await loadSecretKey({ env: {}, home });
    await writeFile(path, 'not a key at all\n');
    await assert.rejects(loadSecretKey({ env: {}, home }), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'SECRET_KEY_INVALID');
      assert.ok(error.message.includes(path));
      assert.ok(!error.message.includes('not a key at all'));
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), 'not a key at all\n');
  });
});

describe('a key object', () => {
  test('shows only its id when logged, stringified or inspected, also after a spread', async () => {
    const key = { ...(await loadSecretKey({ env: { ASSAY_SECRET_KEY: KEY.toString('hex') }, home: freshHome() })) };
    const logged: string[] = [];
    pino({}, { write: (line: string) => logged.push(line) }).info({ key }, 'loaded');
    for (const shown of [JSON.stringify({ key }), inspect({ key }), format('%o', key), logged.join('')]) {
      assert.ok(shown.includes(key.id), shown);
      assert.ok(!shown.includes(KEY.toString('hex')) && !shown.includes(KEY.toString('base64')), shown);
      assert.ok(!/\b(?:[0-9a-f]{2} ){8}/.test(shown), `no Buffer dump: ${shown}`);
    }
  });
});

describe('readSecretKeyFrom and decodeSecretKey', () => {
  test('a file that must exist but does not is SECRET_KEY_FILE_MISSING', async () => {
    await assert.rejects(readSecretKeyFrom(join(root, 'nope.key')), { code: 'SECRET_KEY_FILE_MISSING' });
  });

  test('decodeSecretKey starts its message with where the key came from', () => {
    assert.throws(
      () => decodeSecretKey('x', 'The file /k'),
      (error: Error) => error.message.startsWith('The file /k'),
    );
  });
});
