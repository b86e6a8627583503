import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { coreServices, definePlugin, Type, type PluginHttpApp, type RouteAccess } from '@assay/sdk';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import type { RouteEntry } from './access-hook.ts';
import { BUILTIN_ROLE_PERMISSIONS } from './builtin-roles.ts';

/** A plugin with workspace routes, so the sweep covers plugin routes as well as core's. */
const notes = definePlugin({
  id: 'notes',
  platform: '^0.1.0',
  register(env) {
    env.registerInit({
      deps: { router: coreServices.httpRouter },
      async init({ router }) {
        router.use(async (app: PluginHttpApp) => {
          const schema = { params: Type.Object({ ws: Type.String() }) };
          app.get(
            '/workspaces/:ws/notes',
            { config: { access: { permission: 'dataset:read' } }, schema },
            async (r) => ({
              notes: [`secret note of ${r.params.ws}`],
            }),
          );
          app.post(
            '/workspaces/:ws/notes',
            { config: { access: { permission: 'pipeline:edit' } }, schema },
            async () => ({}),
          );
        });
      },
    });
  },
});

type Kit = Awaited<ReturnType<typeof startCoreTestPlatform>>;
let kit: Kit;
let routes: readonly RouteEntry[];

before(async () => {
  kit = await startCoreTestPlatform({ plugins: [notes] });
  routes = kit.platform.http!.routeCatalog;
  await kit.createWorkspace('alpha');
  await kit.createWorkspace('bravo');
  await kit.platform.identity.workspaces.update('bravo', { name: 'Bravo Confidential', description: 'bravo-only' });
});
after(() => kit.close());

const PUBLIC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /*',
  'GET /api/v1/auth/options',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/setup',
  'GET /api/v1/auth/oidc/login',
  'GET /api/v1/auth/oidc/callback',
];

/** A concrete URL for a route template, in workspace `ws`. */
function urlFor(template: string, ws: string): string {
  return template
    .replace(':ws', ws)
    .replace(':layer', 'silver')
    .replace(':name', 'customers')
    .replace(':kind', 'user')
    .replace(/:id\b/, '00000000-0000-4000-8000-000000000000')
    .replace(/:[a-zA-Z]+/g, 'x');
}

const workspaceRoutes = (): RouteEntry[] => routes.filter((r) => r.url.includes(':ws'));
const permissionOf = (access: RouteAccess): string | undefined =>
  'permission' in access ? access.permission : undefined;

describe('every route declares its access', () => {
  test('the catalog holds core and plugin routes, and only the known ones are public', () => {
    assert.ok(
      routes.some((r) => r.url === '/api/v1/plugins/notes/workspaces/:ws/notes'),
      'plugin routes are listed',
    );
    assert.ok(routes.length > 30, `expected the whole API, found ${routes.length} routes`);
    const unexpected = routes
      .filter((r) => 'public' in r.access && !r.url.startsWith('/api/docs'))
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !PUBLIC_ROUTES.includes(r));
    assert.deepEqual(unexpected, [], 'a route became public; add it to PUBLIC_ROUTES only if that is intended');
    for (const route of workspaceRoutes()) {
      assert.ok(permissionOf(route.access), `${route.method} ${route.url} is a workspace route without a permission`);
    }
  });

  test('a plugin route without an access declaration stops the platform from starting', async () => {
    const careless = definePlugin({
      id: 'careless',
      platform: '^0.1.0',
      register(env) {
        env.registerInit({
          deps: { router: coreServices.httpRouter },
          async init({ router }) {
            router.use(async (app) => {
              app.get('/open', async () => ({}));
            });
          },
        });
      },
    });
    await assert.rejects(startCoreTestPlatform({ plugins: [careless] }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ROUTE_ACCESS_UNDECLARED');
      assert.match(error.message, /GET \/api\/v1\/plugins\/careless\/open/);
      return true;
    });
  });
});

describe('cross-tenant isolation', () => {
  test("a member of alpha reaches none of bravo's routes, by token or by session", async () => {
    const admin = await kit.createMember({ workspace: 'alpha', role: 'admin', email: 'alpha-admin@assay.test' });
    const password = 'alpha admin password';
    const { identity } = kit.platform;
    const sessionUser = await identity.users.createLocal({ email: 'alpha-web@assay.test', name: 'Web', password });
    await identity.access.assign(`user:${sessionUser.id}`, 'admin', 'alpha');
    const login = await kit.injectAnonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'alpha-web@assay.test', password },
    });
    const cookie = ([login.headers['set-cookie']].flat() as string[]).map((c) => c.split(';')[0]).join('; ');
    const callers = {
      token: { authorization: `Bearer ${admin.token}` },
      session: { cookie, 'x-csrf-token': login.json().csrfToken as string },
    };
    const checked: string[] = [];
    for (const route of workspaceRoutes()) {
      for (const [via, headers] of Object.entries(callers)) {
        const res = await kit.inject({
          method: route.method as 'GET',
          url: urlFor(route.url, 'bravo'),
          headers,
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
        });
        const where = `${route.method} ${route.url} via ${via}`;
        assert.ok([403, 404].includes(res.statusCode), `${where} answered ${res.statusCode}: ${res.body}`);
        assert.deepEqual(Object.keys(res.json()), ['error'], `${where} returned more than an error`);
        assert.ok(!/bravo-only|Bravo Confidential|secret note/.test(res.body), `${where} leaked data`);
        checked.push(where);
      }
    }
    assert.ok(checked.length >= 2 * workspaceRoutes().length);
  });
});

describe('roles per route group', () => {
  for (const role of ['viewer', 'analyst', 'engineer'] as const) {
    test(`${role}: every workspace route needing a permission the role lacks is 403 PERMISSION_DENIED`, async () => {
      const member = await kit.createMember({ workspace: 'alpha', role });
      const held = new Set(BUILTIN_ROLE_PERMISSIONS[role]);
      const denied = workspaceRoutes().filter((r) => !held.has(permissionOf(r.access)!));
      assert.ok(denied.length > 0);
      for (const route of denied) {
        const res = await kit.inject({
          method: route.method as 'GET',
          url: urlFor(route.url, 'alpha'),
          headers: { authorization: `Bearer ${member.token}` },
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
        });
        assert.equal(res.statusCode, 403, `${role} ${route.method} ${route.url}: ${res.body}`);
        assert.equal(res.json().error.code, 'PERMISSION_DENIED');
      }
      const allowedReads = workspaceRoutes().filter((r) => r.method === 'GET' && held.has(permissionOf(r.access)!));
      for (const route of allowedReads) {
        const res = await kit.inject({
          url: urlFor(route.url, 'alpha'),
          headers: { authorization: `Bearer ${member.token}` },
        });
        assert.ok(![401, 403].includes(res.statusCode), `${role} GET ${route.url} refused: ${res.body}`);
      }
    });
  }

  test('the named rules: viewer cannot mutate, analyst cannot edit pipelines, engineer cannot manage members', () => {
    const mutating = workspaceRoutes().filter((r) => r.method !== 'GET');
    // Creating your own API token (for no more than your role) is the one change a viewer may make.
    const viewerMay = mutating
      .map((r) => permissionOf(r.access)!)
      .filter((p) => BUILTIN_ROLE_PERMISSIONS.viewer.includes(p));
    assert.deepEqual(
      [...new Set(viewerMay)].filter((p) => p !== 'token:create'),
      [],
    );
    assert.ok(!BUILTIN_ROLE_PERMISSIONS.analyst.includes('pipeline:edit'));
    assert.ok(!BUILTIN_ROLE_PERMISSIONS.engineer.includes('member:manage'));
    assert.ok(
      mutating.some((r) => permissionOf(r.access) === 'pipeline:edit'),
      'a pipeline-editing route is swept',
    );
    assert.ok(
      mutating.some((r) => permissionOf(r.access) === 'member:manage'),
      'a member route is swept',
    );
  });
});
