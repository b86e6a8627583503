import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreServices, createServiceRef, definePlugin, OperationalError, type PluginDefinition } from '@assay/sdk';
import { PluginLoadError } from './plugin-errors.ts';
import { initializePlugins, type ServiceResolver } from './plugin-initializer.ts';
import type { LoadedPlugin } from './plugin-loader.ts';

const known = new Set(['core.database', 'core.logger']);

function loaded(id: string, register: PluginDefinition['register']): LoadedPlugin {
  return { id, version: '1.0.0', source: 'inline', plugin: definePlugin({ id, platform: '^0.1.0', register }) };
}

async function initError(plugins: LoadedPlugin[], resolve: ServiceResolver = () => ({})): Promise<PluginLoadError> {
  const error = await initializePlugins(plugins, resolve, known).then(
    () => assert.fail('initializePlugins should have failed'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof PluginLoadError, `expected a PluginLoadError, got ${String(error)}`);
  return error;
}

describe('initializePlugins', () => {
  it('runs inits in load order with dependencies resolved for the calling plugin', async () => {
    const calls: string[] = [];
    const resolve: ServiceResolver = (pluginId, ref) => `${ref.id} for ${pluginId}`;
    const plugin = (id: string) =>
      loaded(id, (env) => {
        env.registerInit({
          deps: { db: coreServices.database, log: coreServices.logger },
          init: async ({ db, log }) => {
            calls.push(`${id}: ${String(db)}, ${String(log)}`);
          },
        });
      });
    await initializePlugins([plugin('first'), loaded('quiet', undefined), plugin('second')], resolve, known);
    assert.deepEqual(calls, [
      'first: core.database for first, core.logger for first',
      'second: core.database for second, core.logger for second',
    ]);
  });

  it('refuses a dependency on a service the platform does not provide, before any init runs', async () => {
    let ran = false;
    const lake = createServiceRef<unknown>({ id: 'core.lake' });
    const error = await initError([
      loaded('early', (env) => env.registerInit({ deps: {}, init: () => void (ran = true) })),
      loaded('lakey', (env) => env.registerInit({ deps: { lake }, init: () => {} })),
    ]);
    assert.equal(error.code, 'PLUGIN_INVALID');
    assert.equal(error.message, 'Plugin "lakey" depends on service "core.lake", which this platform does not provide');
    assert.equal(error.details?.plugin, 'lakey');
    assert.equal(ran, false);
  });

  it('turns a failing init into PLUGIN_INIT_FAILED naming the plugin, keeping the cause and its class', async () => {
    const cause = new OperationalError('database is starting up');
    let laterRan = false;
    const error = await initError([
      loaded('fragile', (env) => env.registerInit({ deps: {}, init: async () => Promise.reject(cause) })),
      loaded('later', (env) => env.registerInit({ deps: {}, init: () => void (laterRan = true) })),
    ]);
    assert.equal(error.code, 'PLUGIN_INIT_FAILED');
    assert.match(error.message, /^Plugin "fragile" failed to start: its init failed: database is starting up/);
    assert.equal(error.cause, cause);
    assert.equal(error.errorClass, 'operational');
    assert.equal(laterRan, false);
  });

  it('reports a register() that throws', async () => {
    const error = await initError([
      loaded('clumsy', () => {
        throw new Error('boom');
      }),
    ]);
    assert.equal(error.code, 'PLUGIN_INIT_FAILED');
    assert.match(error.message, /Plugin "clumsy" failed to start: its register\(\) threw: boom/);
  });

  it('refuses registerInit without an init function or with deps that are not service references', async () => {
    const error = await initError([
      loaded('sloppy', (env) => env.registerInit({ deps: { db: 'core.database' } as never, init: () => {} })),
      loaded('forgetful', (env) => env.registerInit({ deps: {} } as never)),
    ]);
    assert.equal(error.code, 'PLUGIN_INVALID');
    assert.match(error.message, /Plugin "sloppy" is invalid: registerInit dependency "db" is not a service reference/);
    assert.match(error.message, /Plugin "forgetful" is invalid: registerInit needs an init function/);
  });

  it('refuses registerInit once register() has returned', async () => {
    let saved: Parameters<NonNullable<PluginDefinition['register']>>[0] | undefined;
    await initializePlugins([loaded('late', (env) => void (saved = env))], () => ({}), known);
    assert.throws(() => saved?.registerInit({ deps: {}, init: () => {} }), /only be called while register\(\) runs/);
  });
});
