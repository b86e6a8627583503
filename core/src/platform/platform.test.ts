import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InputError } from '@assay/sdk';
import {
  coreServices,
  createServiceRef,
  defineEvent,
  defineQueue,
  defineOperator,
  definePlugin,
  type EventBus,
  type Plugin,
  Type,
} from '@assay/sdk';
import { startTestPlatform, type TestPlatform } from '@assay/sdk/testing';

const probeJobs = defineQueue({ name: 'probe.jobs', schema: Type.Object({ n: Type.Integer() }) });
const orderPlaced = defineEvent({ topic: 'probe.order-placed', schema: Type.Object({ orderId: Type.String() }) });

/** What the probe plugin saw, so tests can assert on the services it was given. */
const seen = {
  jobs: 0,
  handled: [] as string[],
  shutdown: false,
  config: undefined as unknown,
  bus: undefined as EventBus | undefined,
};

const probe = definePlugin({
  id: 'probe',
  platform: '^0.1.0',
  title: 'Probe',
  config: Type.Object({ greeting: Type.String({ default: 'hello' }), limit: Type.Integer({ default: 3 }) }),
  operators: [
    defineOperator({
      type: 'probe-copy',
      version: 1,
      title: 'Copy',
      category: 'utility',
      config: Type.Object({ table: Type.String({ minLength: 1 }) }),
      ui: { help: { table: 'Table to copy' } },
      async run() {
        return { rowsWritten: 0 };
      },
    }),
  ],
  register(env) {
    env.registerInit({
      deps: {
        log: coreServices.logger,
        router: coreServices.httpRouter,
        events: coreServices.events,
        config: coreServices.config,
        lifecycle: coreServices.lifecycle,
        db: coreServices.database,
        queue: coreServices.queue,
      },
      async init({ log, router, events, config, lifecycle, db, queue }) {
        await queue.work(probeJobs, async (jobs) => {
          seen.jobs += jobs.length;
        });
        seen.config = config.plugin;
        seen.bus = events;
        await events.subscribe(orderPlaced, 'count-orders', async (payload) => {
          seen.handled.push(payload.orderId);
        });
        lifecycle.onShutdown(() => {
          seen.shutdown = true;
        });
        router.use(async (app) => {
          app.get(
            '/greeting',
            {
              config: { access: { authenticated: true } },
              schema: { response: { 200: Type.Object({ greeting: Type.String(), now: Type.String() }) } },
            },
            async () => {
              const { rows } = (await db.raw('select now()::text as now')) as { rows: Array<{ now: string }> };
              return { greeting: (config.plugin as { greeting: string }).greeting, now: rows[0]!.now };
            },
          );
        });
        log.info('probe ready');
      },
    });
  },
});

describe('platform with an inline plugin (startTestPlatform)', () => {
  let platform: TestPlatform;

  before(async () => {
    platform = await startTestPlatform({ plugins: [probe], pluginConfig: { probe: { greeting: 'hey' } } });
  });
  after(async () => {
    await platform.close();
    assert.equal(seen.shutdown, true, 'plugin shutdown hooks ran on close');
  });

  test('the plugin gets its validated config with defaults applied', () => {
    assert.deepEqual(seen.config, { greeting: 'hey', limit: 3 });
  });

  test('plugin routes are mounted under /api/v1/plugins/<id> and use core services', async () => {
    const res = await platform.inject('/api/v1/plugins/probe/greeting');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().greeting, 'hey');
    assert.match(res.json().now, /^\d{4}-\d{2}-\d{2}/);
  });

  test('the catalog lists the plugin with its operator, route and subscription', async () => {
    const plugins = (await platform.inject('/api/v1/plugins')).json().items as Array<Record<string, unknown>>;
    const item = plugins.find((p) => p.id === 'probe');
    assert.ok(item, 'probe is listed');
    const serialized = JSON.stringify(item);
    assert.match(serialized, /probe-copy/);
    assert.match(serialized, /\/api\/v1\/plugins\/probe\/greeting/);
    assert.match(serialized, /probe\.order-placed/);
    const operators = (await platform.inject('/api/v1/operators')).json().items as Array<{ type: string }>;
    assert.ok(operators.some((o) => o.type === 'probe-copy'));
  });

  test('the OpenAPI document includes plugin routes', async () => {
    const doc = (await platform.inject('/api/docs/json')).json() as {
      paths: Record<string, unknown>;
      components?: { schemas?: Record<string, unknown> };
    };
    assert.ok(doc.paths['/api/v1/plugins/probe/greeting']);
    // Every $ref must resolve, or Swagger UI and generated API clients break.
    const refs = new Set<string>();
    JSON.stringify(doc, (key, value: unknown) => (key === '$ref' && refs.add(String(value)), value));
    for (const ref of refs) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(doc.components?.schemas?.[name], `unresolved ${ref}`);
    }
  });

  test('a durable subscription receives published events', async () => {
    await seen.bus!.publish(orderPlaced, { orderId: 'o-1' });
    const deadline = Date.now() + 10_000;
    while (!seen.handled.includes('o-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen.handled, ['o-1']);
  });

  test('queue metrics are exported at /metrics', async () => {
    await platform.get(coreServices.queue).send(probeJobs, { n: 1 });
    const completed = /assay_job_duration_seconds_count\{queue="probe\.jobs",outcome="completed"\} 1/;
    let metrics = '';
    const deadline = Date.now() + 10_000;
    while (!completed.test(metrics) && Date.now() < deadline) {
      metrics = (await platform.inject('/metrics')).body;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(metrics, completed);
    assert.match(metrics, /assay_queue_depth\{queue="probe\.jobs"\} \d+/);
    assert.equal(seen.jobs, 1);
  });

  test('root services are reachable through the testing kit', async () => {
    const db = platform.get(coreServices.database);
    const { rows } = (await db.raw(`select count(*)::int as n from core_plugins where id = 'probe'`)) as {
      rows: Array<{ n: number }>;
    };
    assert.equal(rows[0]!.n, 1, 'the installed set is recorded in PostgreSQL');
  });
});

describe('platform boot refuses bad plugins', () => {
  const bootError = async (plugin: Plugin, pluginConfig: Record<string, unknown> = {}) => {
    try {
      const platform = await startTestPlatform({ plugins: [plugin], pluginConfig });
      await platform.close();
    } catch (error) {
      return error as InputError;
    }
    assert.fail('expected boot to fail');
  };

  test('invalid plugin configuration names the key', async () => {
    const error = await bootError(probe, { probe: { limit: 'many' } });
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /pluginConfig\.probe\.limit: must be integer/);
  });

  test('configuration for a plugin that is not loaded is refused', async () => {
    const error = await bootError(probe, { probe: {}, porbe: {} });
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /pluginConfig\.porbe: no plugin "porbe" is loaded/);
  });

  test('a dependency on a service the platform does not provide', async () => {
    const lake = createServiceRef<unknown>({ id: 'core.lake' });
    const needsLake = definePlugin({
      id: 'needs-lake',
      platform: '^0.1.0',
      register(env) {
        env.registerInit({ deps: { lake }, init() {} });
      },
    });
    const error = await bootError(needsLake);
    assert.equal(error.code, 'PLUGIN_INVALID');
    assert.match(error.message, /"needs-lake".*"core\.lake"/);
  });

  test('an init that throws names the plugin', async () => {
    const broken = definePlugin({
      id: 'broken',
      platform: '^0.1.0',
      register(env) {
        env.registerInit({
          deps: {},
          init() {
            throw new Error('cannot reach the licence server');
          },
        });
      },
    });
    const error = await bootError(broken);
    assert.equal(error.code, 'PLUGIN_INIT_FAILED');
    assert.match(error.message, /"broken".*cannot reach the licence server/);
  });
});
