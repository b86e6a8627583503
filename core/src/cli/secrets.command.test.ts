import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../config/load-config.ts';
import { encodeSecretKey, keyFromBytes, loadSecretKey, type SecretKey } from '../secrets/secret-key.ts';
import { createSecretStore } from '../secrets/secret-store.ts';
import { createSecretsTestDatabase } from '../secrets/secrets-testing.ts';
import { createTestDatabase } from '../testing/test-database.ts';
import { secretsCommand, type SecretsCommandContext } from './secrets.command.ts';

let database: Awaited<ReturnType<typeof createSecretsTestDatabase>>;
let home: string;
let lines: string[];

before(async () => {
  database = await createSecretsTestDatabase();
});
after(() => database.drop());
beforeEach(async () => {
  await database.db('core_secrets').delete();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), 'assay-secrets-cli-'));
  lines = [];
});
after(() => rm(home, { recursive: true, force: true }));

function context(env: NodeJS.ProcessEnv = {}, databaseUrl = database.url): SecretsCommandContext {
  return {
    env,
    config: () => loadConfig({ env: {}, cwd: home, overrides: { home, databaseUrl, logLevel: 'silent' } }),
    out: (line) => lines.push(line),
  };
}

async function seed(key: SecretKey): Promise<void> {
  const store = createSecretStore({ db: database.db, key });
  await store.put('demo', 'a', 'value-a');
  await store.put('demo', 'b', 'value-b');
}

const code = (expected: string) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, expected);
  return true;
};

describe('assay secrets rotate', () => {
  test('with a key file: generates a key, replaces the file, keeps the previous one, prints no key', async () => {
    const old = await loadSecretKey({ env: {}, home });
    await seed(old);
    assert.equal(await secretsCommand(['rotate'], context()), 0);
    const current = await loadSecretKey({ env: {}, home });
    assert.notEqual(current.id, old.id);
    assert.equal(await createSecretStore({ db: database.db, key: current }).get('demo', 'a'), 'value-a');
    const previous = (await readdir(home)).filter((f) => f.startsWith('secret.key.previous-'));
    assert.equal(previous.length, 1);
    assert.equal((await readFile(join(home, previous[0]!), 'utf8')).trim(), encodeSecretKey(old));
    assert.match(lines[0]!, new RegExp(`^Re-encrypted 2 secret\\(s\\) with key ${current.id} \\(was ${old.id}\\)`));
    assert.ok(lines.some((line) => line.includes(`${join(home, 'secret.key')} now holds the new key`)));
    assert.ok(!lines.join('\n').includes(encodeSecretKey(current)), 'a key in a file is never printed');
  });

  test('--new-key-file and --json: uses that key and prints a summary without it', async () => {
    const old = await loadSecretKey({ env: {}, home });
    await seed(old);
    const wanted = keyFromBytes(randomBytes(32));
    const file = join(home, 'wanted.key');
    await writeFile(file, encodeSecretKey(wanted), { mode: 0o600 });
    assert.equal(await secretsCommand(['rotate', '--new-key-file', file, '--json'], context()), 0);
    assert.equal(lines.length, 1);
    const summary = JSON.parse(lines[0]!);
    assert.deepEqual(
      [summary.reencrypted, summary.keyId, summary.previousKeyId, summary.keySource, summary.newKey],
      [2, wanted.id, old.id, 'file', undefined],
    );
    assert.equal((await loadSecretKey({ env: {}, home })).id, wanted.id);
  });

  test('with ASSAY_SECRET_KEY and a generated key: prints the new key once and says to set it', async () => {
    const oldBytes = randomBytes(32);
    const env = { ASSAY_SECRET_KEY: oldBytes.toString('hex') };
    await seed({ ...keyFromBytes(oldBytes), source: 'env' });
    assert.equal(await secretsCommand(['rotate'], context(env)), 0);
    const printed = lines.filter((line) => /^[A-Za-z0-9+/]{43}=$/.test(line));
    assert.equal(printed.length, 1, 'the key is printed exactly once');
    const next = await loadSecretKey({ env: { ASSAY_SECRET_KEY: printed[0]! }, home });
    assert.equal(await createSecretStore({ db: database.db, key: next }).get('demo', 'b'), 'value-b');
    assert.ok(lines.some((line) => line.includes('set ASSAY_SECRET_KEY to the new key (printed above)')));
    assert.deepEqual(await readdir(home), [], 'no key file is written for an environment key');
  });

  test('with ASSAY_SECRET_KEY and ASSAY_NEW_SECRET_KEY: prints no key', async () => {
    const oldBytes = randomBytes(32);
    const newBytes = randomBytes(32);
    await seed({ ...keyFromBytes(oldBytes), source: 'env' });
    const env = { ASSAY_SECRET_KEY: oldBytes.toString('base64'), ASSAY_NEW_SECRET_KEY: newBytes.toString('base64url') };
    assert.equal(await secretsCommand(['rotate', '--json'], context(env)), 0);
    const summary = JSON.parse(lines[0]!);
    assert.deepEqual([summary.keyId, summary.keySource, summary.newKey], [keyFromBytes(newBytes).id, 'env', undefined]);
    assert.ok(!lines[0]!.includes(newBytes.toString('base64url')));
  });

  test('bad usage and bad new keys are refused before anything changes', async () => {
    const old = await loadSecretKey({ env: {}, home });
    await seed(old);
    await assert.rejects(secretsCommand([], context()), code('USAGE'));
    await assert.rejects(secretsCommand(['show'], context()), code('USAGE'));
    await assert.rejects(secretsCommand(['rotate', 'extra'], context()), code('USAGE'));
    await assert.rejects(
      secretsCommand(['rotate', '--new-key-file', join(home, 'x')], context({ ASSAY_NEW_SECRET_KEY: 'a' })),
      code('USAGE'),
    );
    await assert.rejects(
      secretsCommand(['rotate'], context({ ASSAY_NEW_SECRET_KEY: 'short' })),
      (error: Error & { code?: string }) =>
        error.code === 'SECRET_KEY_INVALID' && /ASSAY_NEW_SECRET_KEY/.test(error.message),
    );
    await assert.rejects(
      secretsCommand(['rotate', '--new-key-file', join(home, 'missing.key')], context()),
      code('SECRET_KEY_FILE_MISSING'),
    );
    assert.equal((await loadSecretKey({ env: {}, home })).id, old.id);
    assert.deepEqual(await readdir(home), ['secret.key']);
    assert.deepEqual(lines, []);
  });

  test('an unmigrated database is DATABASE_NOT_MIGRATED', async () => {
    const empty = await createTestDatabase();
    try {
      await assert.rejects(secretsCommand(['rotate'], context({}, empty.url)), code('DATABASE_NOT_MIGRATED'));
    } finally {
      await empty.drop();
    }
    assert.deepEqual(await readdir(home), ['secret.key']);
  });
});
