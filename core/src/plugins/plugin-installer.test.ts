import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger, OperatorDefinition } from '@assay/sdk';
import { createContributionRegistry } from './contribution-registry.ts';
import { installPlugin, removePlugin } from './plugin-installer.ts';
import { loadPlugins } from './plugin-loader.ts';
import { makeTempDir } from './write-test-plugin.ts';

const fixtures = fileURLToPath(new URL('../../../tests/fixtures/', import.meta.url));
let root: string;
let installDir: string;
const archives: Record<string, string> = {};

async function pack(fixture: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', join(fixtures, fixture), '--pack-destination', root, '--json'],
    {
      cwd: root,
    },
  );
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  return join(root, packed!.filename);
}

async function installedDependencies(): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(join(installDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return manifest.dependencies ?? {};
}

function load() {
  return loadPlugins({ appRoot: root, installDir, specs: [], includeBuiltins: false, platformVersion: '0.1.0' });
}

before(async () => {
  root = await makeTempDir('installer');
  installDir = join(root, 'home', 'plugins');
  for (const fixture of ['example-plugin', 'example-plugin-incompatible', 'example-plugin-duplicate']) {
    archives[fixture] = await pack(fixture);
  }
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('installPlugin and removePlugin', () => {
  it('installs a packed plugin that the loader then finds as installed, with its operator working', async () => {
    const installed = await installPlugin({ installDir, spec: archives['example-plugin']! });
    assert.deepEqual(installed, { name: 'example-plugin', version: '1.0.0' });
    const manifest = JSON.parse(await readFile(join(installDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.private, true);
    assert.match(
      String((manifest.dependencies as Record<string, string>)['example-plugin']),
      /^file:.*example-plugin-1\.0\.0\.tgz$/,
    );

    const loaded = await load();
    assert.deepEqual(
      loaded.map(({ id, version, source, packageName }) => ({ id, version, source, packageName })),
      [{ id: 'example', version: '1.0.0', source: 'installed', packageName: 'example-plugin' }],
    );
    const greet = createContributionRegistry(loaded).operator('greet');
    assert.equal(greet?.version, 1);
    assert.deepEqual(greet?.config.required, ['name', 'style', 'repeat']);
    const lines: unknown[] = [];
    const log = { info: (obj: unknown) => lines.push(obj) } as unknown as Logger;
    const run = (greet?.definition as OperatorDefinition).run;
    const ctx = {
      log,
      signal: new AbortController().signal,
      run: { runId: 'r', jobId: 'j', pipeline: 'p', workspace: 'w', attempt: 1, trigger: 'manual' },
      inputs: [],
      engine: { query: async () => [], describe: async () => [], changes: async () => undefined },
      output: undefined,
      state: undefined,
      setState: () => {},
      progress: () => {},
    };
    assert.deepEqual(await run(ctx, { name: 'Ada', style: 'formal', repeat: 2 }), { metrics: { greetings: 2 } });
    assert.deepEqual(lines, [{ greeting: 'Good day, Ada.' }, { greeting: 'Good day, Ada.' }]);
  });

  it('accepts a relative archive path and reinstalling the same package', async () => {
    const spec = relative(root, archives['example-plugin']!);
    assert.ok(!spec.startsWith('/'));
    const installed = await installPlugin({ installDir, spec: `./${spec}`, cwd: root });
    assert.deepEqual(installed, { name: 'example-plugin', version: '1.0.0' });
    assert.deepEqual(Object.keys(await installedDependencies()), ['example-plugin']);
  });

  it('refuses an incompatible plugin with PLUGIN_INCOMPATIBLE and undoes its install', async () => {
    await assert.rejects(installPlugin({ installDir, spec: archives['example-plugin-incompatible']! }), {
      code: 'PLUGIN_INCOMPATIBLE',
      message: /Plugin "example-incompatible" 1\.0\.0 requires platform \^99\.0\.0, but this is Assay 0\.1\.0/,
    });
    assert.deepEqual(Object.keys(await installedDependencies()), ['example-plugin']);
    assert.equal(existsSync(join(installDir, 'node_modules', 'example-plugin-incompatible')), false);
    assert.deepEqual(
      (await load()).map((entry) => entry.id),
      ['example'],
    );
  });

  it('refuses a plugin whose id is taken, naming both packages, and undoes its install', async () => {
    await assert.rejects(installPlugin({ installDir, spec: archives['example-plugin-duplicate']! }), {
      code: 'PLUGIN_DUPLICATE_ID',
      message:
        /Plugin id "example" is declared by both package example-plugin 1\.0\.0 .* and package example-plugin-duplicate 2\.0\.0/,
    });
    assert.deepEqual(Object.keys(await installedDependencies()), ['example-plugin']);
  });

  it('keeps its own copy of an archive, so deleting the download breaks no later install', async () => {
    const download = join(root, 'downloads', 'example-plugin-1.0.0.tgz');
    await mkdir(dirname(download), { recursive: true });
    await copyFile(archives['example-plugin']!, download);
    await installPlugin({ installDir, spec: download });
    await rm(download);
    assert.equal((await installedDependencies())['example-plugin'], 'file:archives/example-plugin-1.0.0.tgz');

    // A later install re-resolves every dependency; it must fail for its own reason, not a missing archive.
    await assert.rejects(installPlugin({ installDir, spec: archives['example-plugin-incompatible']! }), {
      code: 'PLUGIN_INCOMPATIBLE',
    });
    assert.equal(existsSync(join(installDir, 'archives', 'example-plugin-incompatible-1.0.0.tgz')), false);
    assert.deepEqual(
      (await load()).map((entry) => entry.id),
      ['example'],
    );
  });

  it('reports an archive that does not exist before running npm', async () => {
    await assert.rejects(installPlugin({ installDir, spec: join(root, 'nope-1.0.0.tgz') }), {
      code: 'PLUGIN_PACKAGE_NOT_FOUND',
      message: /nope-1\.0\.0\.tgz does not exist/,
    });
  });

  it('removes an installed plugin, and reports one that is not installed', async () => {
    assert.deepEqual(await removePlugin({ installDir, name: 'example-plugin' }), {
      name: 'example-plugin',
      version: '1.0.0',
    });
    assert.deepEqual(await installedDependencies(), {});
    assert.equal(existsSync(join(installDir, 'node_modules', 'example-plugin')), false);
    assert.deepEqual(await load(), []);
    await assert.rejects(removePlugin({ installDir, name: 'example-plugin' }), {
      code: 'PLUGIN_NOT_FOUND',
      message: /Plugin package "example-plugin" is not installed in .* \(installed: none\)/,
    });
  });
});
