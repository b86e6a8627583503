import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPluginPackage } from './plugin-package.ts';
import { makeTempDir } from './write-test-plugin.ts';

let root: string;

async function packageWith(name: string, manifest: Record<string, unknown>, files: string[] = []): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'dist'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.2.3', ...manifest }));
  for (const file of files) await writeFile(join(dir, file), 'export default 1;\n');
  return dir;
}

before(async () => {
  root = await makeTempDir('package');
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('readPluginPackage', () => {
  it('takes the import condition of the root export over require and main', async () => {
    const dir = await packageWith(
      'conditional',
      {
        main: 'dist/index.cjs',
        exports: { '.': { require: './dist/index.cjs', import: './dist/index.js' }, './x': './x.js' },
      },
      ['dist/index.js', 'dist/index.cjs'],
    );
    const pkg = await readPluginPackage(dir);
    assert.deepEqual(
      { name: pkg.name, version: pkg.version, entry: pkg.entry },
      {
        name: 'conditional',
        version: '1.2.3',
        entry: join(dir, 'dist/index.js'),
      },
    );
  });

  it('follows a string export, nested conditions, main, and index.js by default', async () => {
    const string = await packageWith('string-export', { exports: './dist/index.js' }, ['dist/index.js']);
    assert.equal((await readPluginPackage(string)).entry, join(string, 'dist/index.js'));
    const nested = await packageWith(
      'nested',
      { exports: { node: { import: './dist/index.js' }, default: './x.js' } },
      ['dist/index.js'],
    );
    assert.equal((await readPluginPackage(nested)).entry, join(nested, 'dist/index.js'));
    const main = await packageWith('main-only', { main: 'dist/main.js' }, ['dist/main.js']);
    assert.equal((await readPluginPackage(main)).entry, join(main, 'dist/main.js'));
    const plain = await packageWith('plain', { assay: { role: 'plugin' } }, ['index.js']);
    const read = await readPluginPackage(plain);
    assert.equal(read.entry, join(plain, 'index.js'));
    assert.equal(read.role, 'plugin');
  });

  it('explains a missing entry, an entry outside the package, and a missing version', async () => {
    const missing = await packageWith('missing-entry', { main: 'dist/gone.js' });
    await assert.rejects(readPluginPackage(missing), /the entry "dist\/gone\.js" of "missing-entry" does not exist/);
    const outside = await packageWith('outside', { main: '../plain/index.js' });
    await assert.rejects(readPluginPackage(outside), /points outside its package/);
    const requireOnly = await packageWith('require-only', { exports: { require: './index.cjs' } });
    await assert.rejects(readPluginPackage(requireOnly), /no entry for "\." under the conditions/);
    const unversioned = await packageWith('unversioned', { version: '' });
    await assert.rejects(readPluginPackage(unversioned), /has no "version"/);
  });

  it('explains a package.json that is not JSON', async () => {
    const dir = join(root, 'broken-json');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), '{ "name": ');
    await assert.rejects(readPluginPackage(dir), /package\.json is not valid JSON/);
  });
});
