import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as sdk from '@assay/sdk';
import { installSdkResolution, platformSdkUrl } from './sdk-resolution.ts';
import { makeTempDir } from './write-test-plugin.ts';

let dir: string;

const PLUGIN_MODULE = `import { AssayError, definePlugin, isPlugin } from '@assay/sdk';
import * as testing from '@assay/sdk/testing';
export default definePlugin({ id: 'far-away', platform: '^0.1.0' });
export const shared = { AssayError, isPlugin, testing };
`;

async function importFile(name: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(join(dir, name)).href)) as Record<string, unknown>;
}

before(async () => {
  // /tmp has no node_modules anywhere above it: the sdk can only come from the hook.
  dir = await makeTempDir('sdk-resolution');
  await writeFile(join(dir, 'before.mjs'), PLUGIN_MODULE);
  await writeFile(join(dir, 'after.mjs'), PLUGIN_MODULE);
  const ownCopy = join(dir, 'bundled', 'node_modules', '@assay', 'sdk');
  await mkdir(ownCopy, { recursive: true });
  await writeFile(
    join(ownCopy, 'package.json'),
    JSON.stringify({ name: '@assay/sdk', type: 'module', main: 'index.js' }),
  );
  await writeFile(join(ownCopy, 'index.js'), 'export const isPlugin = () => "a stale copy";\n');
  await writeFile(join(dir, 'bundled', 'plugin.mjs'), "export { isPlugin } from '@assay/sdk';\n");
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('installSdkResolution', () => {
  it('is needed: without it a plugin outside the installation cannot find the sdk', async () => {
    await assert.rejects(importFile('before.mjs'), { code: 'ERR_MODULE_NOT_FOUND', message: /@assay\/sdk/ });
  });

  it('lets a plugin with no node_modules import the platform sdk and its subpaths, sharing its instances', async () => {
    installSdkResolution();
    installSdkResolution();
    const module = await importFile('after.mjs');
    assert.ok(sdk.isPlugin(module.default), 'the plugin made with the resolved sdk is a plugin');
    const shared = module.shared as { AssayError: unknown; isPlugin: unknown; testing: Record<string, unknown> };
    assert.equal(shared.AssayError, sdk.AssayError);
    assert.equal(shared.isPlugin, sdk.isPlugin);
    assert.equal(typeof shared.testing.startTestPlatform, 'function');
  });

  it('wins over a copy of the sdk a plugin ships in its own node_modules', async () => {
    const module = (await import(pathToFileURL(join(dir, 'bundled', 'plugin.mjs')).href)) as { isPlugin: unknown };
    assert.equal(module.isPlugin, sdk.isPlugin);
  });

  it('resolves to the sdk core itself uses', () => {
    assert.equal(platformSdkUrl(), import.meta.resolve('@assay/sdk'));
  });
});
