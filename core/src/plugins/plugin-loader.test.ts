import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defineOperator, definePlugin, PLUGIN_MARKER, Type, type Plugin } from '@assay/sdk';
import { PluginLoadError } from './plugin-errors.ts';
import { loadPlugins, type LoadPluginsOptions } from './plugin-loader.ts';
import { makeTempDir, pluginSource, writeTestPlugin } from './write-test-plugin.ts';

let root: string;
let appRoot: string;
let installDir: string;

function options(overrides: Partial<LoadPluginsOptions> = {}): LoadPluginsOptions {
  return { appRoot, installDir, specs: [], includeBuiltins: false, platformVersion: '0.1.0', cwd: root, ...overrides };
}

async function loadError(overrides: Partial<LoadPluginsOptions>): Promise<PluginLoadError> {
  const error = await loadPlugins(options(overrides)).then(
    () => assert.fail('loadPlugins should have failed'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof PluginLoadError, `expected a PluginLoadError, got ${String(error)}`);
  return error;
}

before(async () => {
  root = await makeTempDir('loader');
  appRoot = join(root, 'app');
  installDir = join(root, 'home', 'plugins');
  const scope = join(appRoot, 'node_modules', '@assay');
  const plugin = { assay: { role: 'plugin' } };
  await writeTestPlugin(join(scope, 'zeta'), {
    name: '@assay/zeta',
    source: pluginSource({ id: 'zeta' }),
    extra: plugin,
  });
  await writeTestPlugin(join(scope, 'not-a-plugin'), { name: '@assay/not-a-plugin', source: 'export default 1;\n' });
  // Workspace packages are symlinks from node_modules to their real directory.
  await writeTestPlugin(join(root, 'workspace', 'alpha'), {
    name: '@assay/alpha',
    version: '0.3.0',
    source: pluginSource({ id: 'alpha' }),
    extra: plugin,
  });
  await symlink(join(root, 'workspace', 'alpha'), join(scope, 'alpha'), 'dir');

  await writeTestPlugin(join(installDir, 'node_modules', 'shop-plugin'), {
    name: 'shop-plugin',
    version: '2.1.0',
    source: pluginSource({ id: 'shop', exportAs: 'plugin' }),
  });
  await writeFile(
    join(installDir, 'package.json'),
    JSON.stringify({ private: true, dependencies: { 'shop-plugin': '2.1.0' } }),
  );

  const local = (name: string, source: string, version?: string) =>
    writeTestPlugin(join(root, 'local', name), { name, source, ...(version === undefined ? {} : { version }) });
  await local('greeter', pluginSource({ id: 'greeter' }));
  await local('future', pluginSource({ id: 'future', platform: '^99.0.0' }), '4.5.6');
  await local('twin-a', pluginSource({ id: 'twin', operator: 'twin-a' }));
  await local('twin-b', pluginSource({ id: 'twin', operator: 'twin-b' }));
  await local('clash-a', pluginSource({ id: 'clash-a', operator: 'shared' }));
  await local('clash-b', pluginSource({ id: 'clash-b', operator: 'shared' }));
  await local('no-export', 'export const somethingElse = 1;\n');
  await local('not-plugin', 'export default { id: "x" };\n');
  await local('broken', 'export default {;\n');
  await local(
    'bad-ui',
    // A plugin built with another sdk copy, or by hand: nothing validated it before the platform does.
    `const operator = { type: 'bad-ui', version: 1, title: 'Bad', category: 'utility',
  config: { type: 'object', properties: { name: { type: 'string' } } }, ui: { order: ['name', 'nmae'] },
  async run() { return {}; } };
export default { $$type: '${PLUGIN_MARKER}', id: 'bad-ui', platform: '^0.1.0', operators: [operator] };\n`,
  );
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadPlugins', () => {
  it('discovers built-ins that declare the plugin role, in name order, from their real path', async () => {
    const loaded = await loadPlugins(options({ includeBuiltins: true }));
    const builtins = loaded.filter((entry) => entry.source === 'builtin');
    assert.deepEqual(
      builtins.map(({ id, version, packageName }) => ({ id, version, packageName })),
      [
        { id: 'alpha', version: '0.3.0', packageName: '@assay/alpha' },
        { id: 'zeta', version: '1.0.0', packageName: '@assay/zeta' },
      ],
    );
    assert.equal(builtins[0]?.packageDir, join(root, 'workspace', 'alpha'));
  });

  it('loads no built-ins when told not to', async () => {
    const loaded = await loadPlugins(options());
    assert.deepEqual(
      loaded.map((entry) => entry.source),
      ['installed'],
    );
  });

  it('loads every package in the install directory, accepting a named export "plugin"', async () => {
    const [shop] = await loadPlugins(options());
    assert.equal(shop?.id, 'shop');
    assert.equal(shop?.version, '2.1.0');
    assert.equal(shop?.packageName, 'shop-plugin');
    assert.equal(shop?.plugin.operators?.[0]?.type, 'shop-op');
  });

  it('loads path specs relative to cwd and absolute, and a package named twice only once', async () => {
    const loaded = await loadPlugins(
      options({ specs: ['./local/greeter', join(root, 'local', 'greeter'), 'shop-plugin'] }),
    );
    assert.deepEqual(
      loaded.map((entry) => `${entry.id}:${entry.source}`),
      ['shop:installed', 'greeter:installed'],
    );
  });

  it('reports a spec that is not installed with PLUGIN_NOT_FOUND and how to fix it', async () => {
    const error = await loadError({ specs: ['missing-plugin'] });
    assert.equal(error.code, 'PLUGIN_NOT_FOUND');
    assert.equal(error.details?.plugin, 'missing-plugin');
    assert.match(error.message, /Plugin package "missing-plugin" is not installed/);
    assert.match(error.message, /assay plugin add missing-plugin/);
  });

  it('reports a path spec that does not exist', async () => {
    const error = await loadError({ specs: ['./local/nowhere'] });
    assert.equal(error.code, 'PLUGIN_NOT_FOUND');
    assert.match(error.message, /Plugin path "\.\/local\/nowhere" does not exist/);
  });

  it('reports a package listed in the install directory but missing from node_modules', async () => {
    const otherInstall = join(root, 'other-install');
    await mkdir(otherInstall, { recursive: true });
    await writeFile(join(otherInstall, 'package.json'), JSON.stringify({ dependencies: { gone: '1.0.0' } }));
    const error = await loadError({ installDir: otherInstall });
    assert.equal(error.code, 'PLUGIN_NOT_FOUND');
    assert.match(error.message, /"gone" is listed in .* but missing from node_modules/);
  });

  it('refuses a module with no plugin export, naming what it does export', async () => {
    const error = await loadError({ specs: ['./local/no-export'] });
    assert.equal(error.code, 'PLUGIN_INVALID');
    assert.equal(error.details?.plugin, 'no-export');
    assert.match(error.message, /neither a default export nor an export named "plugin".*"somethingElse"/);
  });

  it('refuses a default export that was not made with definePlugin', async () => {
    const error = await loadError({ specs: ['./local/not-plugin'] });
    assert.equal(error.code, 'PLUGIN_INVALID');
    assert.match(error.message, /Package not-plugin 1\.0\.0 at .* is invalid: .*definePlugin\(\)/);
  });

  it('reports a module that fails to import, keeping the cause', async () => {
    const error = await loadError({ specs: ['./local/broken'] });
    assert.equal(error.code, 'PLUGIN_INVALID');
    assert.match(error.message, /importing .*broken.*index\.js failed/);
    assert.ok(error.cause instanceof SyntaxError);
  });

  it('refuses an incompatible platform range, naming the plugin and both versions', async () => {
    const error = await loadError({ specs: ['./local/future'] });
    assert.equal(error.code, 'PLUGIN_INCOMPATIBLE');
    assert.match(error.message, /^Plugin "future" 4\.5\.6 requires platform \^99\.0\.0, but this is Assay 0\.1\.0/);
    assert.deepEqual([error.details?.requires, error.details?.platformVersion], ['^99.0.0', '0.1.0']);
  });

  it('lets a prerelease of the platform load plugins made for its release', async () => {
    const [loaded] = await loadPlugins(
      options({ installDir: join(root, 'none'), specs: ['./local/greeter'], platformVersion: '0.1.0-rc.1' }),
    );
    assert.equal(loaded?.id, 'greeter');
  });

  it('refuses two packages with one plugin id, naming both packages', async () => {
    const error = await loadError({ specs: ['./local/twin-a', './local/twin-b'] });
    assert.equal(error.code, 'PLUGIN_DUPLICATE_ID');
    assert.match(
      error.message,
      /Plugin id "twin" is declared by both package twin-a 1\.0\.0 .* and package twin-b 1\.0\.0/,
    );
  });

  it('refuses two plugins contributing the same operator version, naming both', async () => {
    const error = await loadError({ specs: ['./local/clash-a', './local/clash-b'] });
    assert.equal(error.code, 'PLUGIN_CONTRIBUTION_CONFLICT');
    assert.match(
      error.message,
      /Operator "shared" version 1 is contributed by both plugin "clash-a" .* and plugin "clash-b"/,
    );
    assert.deepEqual(error.details?.plugins, ['clash-a', 'clash-b']);
  });

  it('re-validates contributions with the sdk: ui hints naming undeclared fields are refused', async () => {
    const error = await loadError({ specs: ['./local/bad-ui'] });
    assert.equal(error.code, 'PLUGIN_INVALID');
    assert.equal(error.details?.plugin, 'bad-ui');
    assert.match(error.message, /Operator "bad-ui": ui hints name fields the config does not declare: nmae/);
  });

  it("reports every problem at once, with the first one's code", async () => {
    const error = await loadError({ specs: ['missing-plugin', './local/future', './local/bad-ui'] });
    assert.equal(error.code, 'PLUGIN_NOT_FOUND');
    const problems = error.details?.problems as Array<{ code: string }>;
    assert.deepEqual(
      problems.map((problem) => problem.code),
      ['PLUGIN_NOT_FOUND', 'PLUGIN_INCOMPATIBLE', 'PLUGIN_INVALID'],
    );
    assert.match(error.message, /^3 plugin problems stop Assay from starting/);
  });

  it('loads inline plugins last with version 0.0.0-inline, and validates them too', async () => {
    const inline = definePlugin({
      id: 'inline-one',
      platform: '^0.1.0',
      operators: [
        defineOperator({
          type: 'noop',
          version: 1,
          title: 'No-op',
          category: 'utility',
          config: Type.Object({}),
          run: async () => ({}),
        }),
      ],
    });
    const loaded = await loadPlugins(options({ inline: [inline] }));
    assert.deepEqual(
      loaded.map(({ id, version, source }) => `${id}@${version}:${source}`),
      ['shop@2.1.0:installed', 'inline-one@0.0.0-inline:inline'],
    );
    const future = { ...inline, id: 'inline-future', platform: '>=2.0.0' } as Plugin;
    const error = await loadError({ inline: [future] });
    assert.equal(error.code, 'PLUGIN_INCOMPATIBLE');
    assert.match(error.message, /Plugin "inline-future" 0\.0\.0-inline requires platform >=2\.0\.0/);
  });
});
