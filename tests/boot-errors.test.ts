import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createTestDatabase } from '@assay/core/test-database';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

/** A boot failure is exactly one line on stderr, naming the problem, with its code, and a non-zero exit. */
function assertOneLineFailure(result: { code: number | null; stderr: string[] }, pattern: RegExp): void {
  assert.equal(result.code, 1, `exit code; stderr:\n${result.stderr.join('\n')}`);
  assert.equal(result.stderr.length, 1, `one stderr line, got:\n${result.stderr.join('\n')}`);
  assert.match(result.stderr[0]!, pattern);
}

describe('assay serve refuses to boot on bad input', () => {
  test('an unknown key in assay.yaml', async () => {
    const home = await tempHome();
    await writeFile(join(home, 'assay.yaml'), 'port: 3000\nlog_level: debug\n');
    const result = await runAssayToEnd(['serve'], {}, home);
    assertOneLineFailure(
      result,
      /^assay: Invalid configuration: .*assay\.yaml: unknown key "log_level".*\[CONFIG_INVALID\]$/,
    );
  });

  test('a wrong type in assay.yaml', async () => {
    const home = await tempHome();
    await writeFile(join(home, 'assay.yaml'), 'port: high\n');
    const result = await runAssayToEnd(['serve'], {}, home);
    assertOneLineFailure(
      result,
      /^assay: Invalid configuration: port \(.*assay\.yaml\): must be integer \(got "high"\) \[CONFIG_INVALID\]$/,
    );
  });

  test('a wrong type in the environment', async () => {
    const result = await runAssayToEnd(['serve'], { PORT: 'eighty' }, await tempHome());
    assertOneLineFailure(result, /PORT \(environment\): must be integer \(got "eighty"\) \[CONFIG_INVALID\]$/);
  });

  test('an unreachable DATABASE_URL', async () => {
    const home = await tempHome();
    const result = await runAssayToEnd(
      ['serve'],
      { DATABASE_URL: 'postgres://assay:secret@127.0.0.1:1/assay', ASSAY_HOME: home },
      home,
    );
    assertOneLineFailure(
      result,
      /^assay: Cannot connect to PostgreSQL at postgres:\/\/assay:\*\*\*@127\.0\.0\.1:1\/assay: .*ECONNREFUSED.* \[DATABASE_UNREACHABLE\]$/,
    );
    assert.doesNotMatch(result.stderr[0]!, /secret/);
  });

  describe('an occupied port', () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });

    test('stops with PORT_IN_USE after releasing everything it started', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
      const port = (blocker.address() as { port: number }).port;
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      const home = await tempHome();
      const result = await runAssayToEnd(
        ['serve'],
        { DATABASE_URL: database.url, ASSAY_HOME: home, PORT: String(port), LOG_LEVEL: 'error' },
        home,
      );
      assertOneLineFailure(
        result,
        new RegExp(
          `^assay: Port ${port} on 127\\.0\\.0\\.1 is already in use: stop the other process or set PORT \\[PORT_IN_USE\\]$`,
        ),
      );
    });
  });

  test('an unknown command is a usage error', async () => {
    const result = await runAssayToEnd(['srve'], {});
    assert.equal(result.code, 2);
    assert.match(result.stderr[0]!, /unknown command "srve"/);
  });
});
