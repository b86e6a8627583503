import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

describe('assay migrate and assay version', () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, ASSAY_HOME: await tempHome(), LOG_LEVEL: 'warn' };
  });
  after(() => database.drop());

  test('migrate applies core migrations once and reports nothing to do the second time', async () => {
    const first = await runAssayToEnd(['migrate', '--json'], env, env.ASSAY_HOME);
    assert.equal(first.code, 0, first.stderr.join('\n'));
    const { applied } = JSON.parse(first.stdout.join('\n')) as { applied: string[] };
    assert.ok(applied.includes('core/001_plugins'), `applied: ${applied.join(', ')}`);

    const second = await runAssayToEnd(['migrate'], env, env.ASSAY_HOME);
    assert.equal(second.code, 0);
    assert.deepEqual(second.stdout, ['Database is up to date.']);
  });

  test('version prints the platform version, as JSON for scripts', async () => {
    const result = await runAssayToEnd(['version', '--json'], {});
    assert.equal(result.code, 0);
    const parsed = JSON.parse(result.stdout.join('\n')) as { version: string; node: string };
    assert.match(parsed.version, /^\d+\.\d+\.\d+/);
    assert.equal(parsed.node, process.version);
  });

  test('an unknown option is a usage error with exit code 2', async () => {
    const result = await runAssayToEnd(['migrate', '--frobnicate'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr[0]!, /Unknown option '--frobnicate'/);
  });
});
