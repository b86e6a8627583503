import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InputError } from '@assay/sdk';
import { runNpm, stderrExcerpt } from './run-npm.ts';
import { makeTempDir } from './write-test-plugin.ts';

let dir: string;

before(async () => {
  dir = await makeTempDir('npm');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ private: true }));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runNpm', () => {
  it('returns npm output on success', async () => {
    const { stdout } = await runNpm(['--version'], { cwd: dir });
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+/);
  });

  it("maps a missing local archive to PLUGIN_PACKAGE_NOT_FOUND with npm's explanation", async () => {
    const error = await runNpm(['install', '--no-audit', '--no-fund', join(dir, 'missing.tgz')], { cwd: dir }).then(
      () => assert.fail('npm install should have failed'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof InputError);
    assert.equal(error.code, 'PLUGIN_PACKAGE_NOT_FOUND');
    assert.match(error.message, /^`npm install .*missing\.tgz` failed \(ENOENT\): .*missing\.tgz/);
    assert.equal(error.details?.npmCode, 'ENOENT');
  });
});

describe('stderrExcerpt', () => {
  it("keeps npm's error lines without the boilerplate", () => {
    const stderr = [
      'npm warn Unknown user config "nodedir".',
      'npm error code E404',
      'npm error 404 Not Found - GET https://registry.npmjs.org/nope - Not found',
      'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log',
    ].join('\n');
    assert.equal(stderrExcerpt(stderr), '404 Not Found - GET https://registry.npmjs.org/nope - Not found');
  });
});
