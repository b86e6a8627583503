// The Admin pages of the portal in Chromium against a real `assay serve` with the built-in plugins: the plugins list
// shows what each contributes and a plugin is disabled and enabled again; a second user (made through the API) is
// added as a member, changes role and is removed; the audit log is filtered to those changes, expanded and paged.
// Each step checks the API agrees with what the page shows, and bad inputs show the server's error codes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { signIn, type SignedIn } from '../support/sign-in.ts';
import { assertAccessible, horizontalOverflow, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Ada Admin', email: 'ada@admin.test', password: 'admin pages password 1' };
const SECOND = { name: 'Sam Second', email: 'sam@admin.test', password: 'second user password 1' };
const WS = 'default';

interface PluginItem {
  id: string;
  title?: string;
  source: string;
  contributions: Record<string, { count: number; names: string[] }>;
}
interface Answer {
  items: Array<Record<string, unknown>>;
  id?: string;
}

let server: PortalServer;
let browser: Browser;
let page: Page;
let admin: SignedIn;
let plugins: PluginItem[] = [];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer }> {
  const response = await admin.fetch(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Answer };
}

const enabledInApi = async (id: string) =>
  (await api('GET', `/api/v1/workspaces/${WS}/plugins?limit=100`)).body.items.find((p) => p['id'] === id)?.['enabled'];
const memberRoles = async () =>
  (await api('GET', `/api/v1/workspaces/${WS}/members`)).body.items.find((m) => m['email'] === SECOND.email)?.['roles'];

before(async () => {
  assertPortalBuilt();
  server = await startPortalServer();
  await createAdmin(server, ADMIN);
  admin = await signIn(server.address, { email: ADMIN.email, password: ADMIN.password });
  const created = await api('POST', '/api/v1/users', SECOND);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  plugins = (await api('GET', '/api/v1/plugins?limit=100')).body.items as unknown as PluginItem[];
  browser = await launchBrowser();
  page = browser.page;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the Admin pages in Chromium against assay serve', () => {
  test('the plugins page lists the built-in plugins with what they contribute', async () => {
    assert.ok(
      plugins.some((p) => p.source === 'builtin' && p.id === 'connector-file'),
      JSON.stringify(plugins),
    );
    await page.goto(`${server.address}/login?returnTo=%2Fw%2Fdefault%2Fadmin`);
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/admin');
    await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
    await assertAccessible(page, 'admin overview');
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Plugins' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/admin/plugins');

    for (const plugin of plugins) {
      const card = page.getByRole('article', { name: plugin.title ?? plugin.id, exact: true });
      await card.waitFor();
      const text = await card.innerText();
      assert.ok(text.includes(plugin.id), text);
      if (plugin.source === 'builtin') assert.match(text, /built-in/);
      assert.match(text, /Enabled/);
      for (const [kind, { count, names }] of Object.entries(plugin.contributions)) {
        if (count === 0) continue;
        for (const name of names) assert.ok(text.includes(name), `${plugin.id}: ${kind} ${name} in ${text}`);
      }
    }
    const file = page.getByRole('article', { name: titleOf('connector-file'), exact: true });
    assert.match(await file.innerText(), /Connectors \(\d+\)/);
    await assertAccessible(page, 'plugins');
    await browser.screenshot('admin-01-plugins');
  });

  test('a plugin is disabled after a confirmation and enabled again; the API agrees each time', async () => {
    const name = titleOf('connector-file');
    const card = page.getByRole('article', { name, exact: true });
    await card.getByRole('button', { name: `Disable ${name}` }).click();
    const confirm = card.getByRole('group', { name: `Disable ${name} in ${WS}?` });
    await confirm.waitFor();
    await assertAccessible(page, 'disable confirmation');
    await browser.screenshot('admin-02-plugin-disable-confirm');
    assert.equal(await enabledInApi('connector-file'), true, 'nothing changes before the confirmation');
    await confirm.getByRole('button', { name: `Disable ${name}` }).click();
    await card.getByRole('button', { name: `Enable ${name}` }).waitFor();
    assert.match(await card.innerText(), /Disabled/);
    assert.equal(await enabledInApi('connector-file'), false);

    await card.getByRole('button', { name: `Enable ${name}` }).click();
    await card.getByRole('button', { name: `Disable ${name}` }).waitFor();
    assert.match(await card.innerText(), /Enabled/);
    assert.equal(await enabledInApi('connector-file'), true);
  });

  test('adding a member who does not exist shows the server error code next to the field', async () => {
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Members and roles' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/admin/members');
    await page.getByRole('row', { name: new RegExp(ADMIN.name) }).waitFor();
    await assertAccessible(page, 'members');

    await page.getByLabel('E-mail', { exact: true }).fill('nobody@admin.test');
    await page.getByRole('button', { name: 'Add member' }).click();
    const fieldError = page.locator('#member-who-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /USER_NOT_FOUND/);
    assert.equal(await page.getByLabel('E-mail', { exact: true }).getAttribute('aria-invalid'), 'true');
    await browser.screenshot('admin-03-member-not-found');

    await page.getByLabel('E-mail', { exact: true }).fill('x');
    await page.getByRole('button', { name: 'Add member' }).click();
    await fieldError.filter({ hasText: 'REQUEST_INVALID' }).waitFor();
    assert.equal(await memberRoles(), undefined, 'nobody was added');
  });

  test('the second user is added with a role, changes role and is removed after a confirmation', async () => {
    await page.getByLabel('E-mail', { exact: true }).fill(SECOND.email);
    await page.getByLabel('Role', { exact: true }).selectOption('analyst');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${SECOND.name} is a member with the role analyst.` })
      .waitFor();
    const row = page.getByRole('row', { name: new RegExp(SECOND.name) });
    assert.match(await row.innerText(), /sam@admin\.test\s+user\s+analyst/);
    assert.equal(await page.locator('#member-who-error').count(), 0, 'the earlier error is gone');
    assert.deepEqual(await memberRoles(), ['analyst']);
    await assertAccessible(page, 'member added');
    await browser.screenshot('admin-04-member-added');

    await page.getByLabel(`New role for ${SECOND.name}`).selectOption('engineer');
    await page.getByRole('button', { name: `Change role of ${SECOND.name}` }).click();
    await row.getByRole('cell', { name: 'engineer', exact: true }).waitFor();
    assert.deepEqual(await memberRoles(), ['engineer']);

    await page.getByRole('button', { name: `Remove ${SECOND.name}`, exact: true }).click();
    const confirm = page.getByRole('group', { name: `Remove ${SECOND.name} from ${WS}?` });
    await confirm.waitFor();
    await browser.screenshot('admin-05-member-remove-confirm');
    await confirm.getByRole('button', { name: `Remove ${SECOND.name}` }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await memberRoles(), undefined);
  });

  test('removing the last admin is refused with the server error code', async () => {
    await page.getByRole('button', { name: `Remove ${ADMIN.name}`, exact: true }).click();
    const confirm = page.getByRole('group', { name: `Remove ${ADMIN.name} from ${WS}?` });
    await confirm.getByRole('button', { name: `Remove ${ADMIN.name}` }).click();
    const alert = page.getByRole('row', { name: new RegExp(ADMIN.name) }).getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /LAST_ADMIN/);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    const admins = (await api('GET', `/api/v1/workspaces/${WS}/members`)).body.items;
    assert.deepEqual(
      admins.map((m) => [m['email'], m['roles']]),
      [[ADMIN.email, ['admin']]],
    );
  });

  test('the roles table lists the built-in roles; a built-in role cannot be replaced', async () => {
    const roles = page.getByRole('table', { name: /Roles of the workspace/ });
    for (const role of ['admin', 'engineer', 'analyst', 'viewer']) {
      await roles.getByRole('rowheader', { name: role, exact: true }).waitFor();
    }
    await page.getByLabel('Name', { exact: true }).fill('viewer');
    await page.getByLabel('Permissions').fill('dataset:read');
    await page.getByRole('button', { name: 'Save role' }).click();
    await page.locator('#role-name-error').filter({ hasText: 'ROLE_BUILTIN' }).waitFor();
  });

  test('a custom role is created, a bad permission is refused next to its field, and the role is deleted', async () => {
    await page.getByLabel('Name', { exact: true }).fill('auditor');
    await page.getByLabel('Description').fill('Reads the audit log');
    await page.getByLabel('Permissions').fill('audit:read, Not A Permission');
    await page.getByRole('button', { name: 'Save role' }).click();
    await page.locator('#role-permissions-error').filter({ hasText: 'REQUEST_INVALID' }).waitFor();
    assert.equal(await page.locator('#role-name-error').count(), 0);

    await page.getByLabel('Permissions').fill('audit:read, dataset:read');
    await page.getByRole('button', { name: 'Save role' }).click();
    const roles = page.getByRole('table', { name: /Roles of the workspace/ });
    const row = roles.getByRole('row', { name: /auditor/ });
    await row.waitFor();
    assert.match(await row.innerText(), /auditor\s+custom\s+Reads the audit log\s+audit:read, dataset:read/);
    const listed = (await api('GET', `/api/v1/workspaces/${WS}/roles`)).body.items.find((r) => r['name'] === 'auditor');
    assert.deepEqual(listed?.['permissions'], ['audit:read', 'dataset:read']);
    assert.ok(
      (await page.getByLabel('Role', { exact: true }).innerText()).includes('auditor'),
      'the new role can be given to a member',
    );
    await assertAccessible(page, 'custom role');
    await browser.screenshot('admin-06-custom-role');

    await row.getByRole('button', { name: 'Delete role auditor' }).click();
    await row.getByRole('button', { name: 'Delete auditor' }).click();
    await row.waitFor({ state: 'detached' });
    const after = (await api('GET', `/api/v1/workspaces/${WS}/roles`)).body.items.map((r) => r['name']);
    assert.deepEqual(after, ['admin', 'engineer', 'analyst', 'viewer']);
  });

  test('the audit log filtered by action shows the membership changes, with details', async () => {
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/admin/audit');
    await page.locator('tbody tr').first().waitFor();
    await assertAccessible(page, 'audit log');

    await page.getByLabel('Action').fill('member:manage');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const rows = page.locator('tbody tr:not([hidden])');
    await page
      .getByText(/DELETE \/api\/v1\/workspaces\/default\/members\/user\//)
      .first()
      .waitFor();
    const listed = await rows.allInnerTexts();
    assert.equal(listed.length, 6, listed.join('\n'));
    assert.ok(
      listed.every((r) => r.includes('member:manage')),
      listed.join('\n'),
    );
    // Newest first: the refused removal of the last admin, the removal, the role change, the add, the refused adds.
    assert.match(listed[0]!, /DELETE[\s\S]*failed\s+409/);
    assert.match(listed[1]!, /DELETE[\s\S]*success\s+204/);
    assert.match(listed[2]!, /POST \/api\/v1\/workspaces\/default\/members[\s\S]*success\s+200/);
    assert.match(listed.at(-2)!, /POST \/api\/v1\/workspaces\/default\/members[\s\S]*failed\s+400/);
    assert.match(listed.at(-1)!, /POST \/api\/v1\/workspaces\/default\/members[\s\S]*failed\s+404/);

    const refused = page.locator('tbody tr').filter({ hasText: /failed\s+404/ });
    await refused.getByRole('button', { name: /Details/ }).click();
    const details = page.locator('tbody tr:not([hidden]) pre');
    await details.waitFor();
    assert.match(await details.innerText(), /"errorCode": "USER_NOT_FOUND"/);
    await assertAccessible(page, 'audit entry expanded');
    await browser.screenshot('admin-07-audit-membership');

    await page.getByLabel('From').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('No audit entries').waitFor();
    assert.match(
      (await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')) ?? '',
      /from=2099-01-0\dT\d\d%3A00%3A00\.000Z/,
    );
    await page.getByLabel('From').fill('');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await rows.first().waitFor();

    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.equal(href, `/api/v1/workspaces/${WS}/audit/export?action=member%3Amanage`);
    const csv = await (await admin.fetch(href!)).text();
    assert.equal(csv.trim().split('\n').length, listed.length + 1, csv);
  });

  test('the audit log pages with "Load more"; a bad filter shows the server error code', async () => {
    for (let i = 0; i < 51; i++) {
      const answer = await api('PUT', `/api/v1/workspaces/${WS}/plugins/connector-http`, { enabled: true });
      assert.equal(answer.status, 200);
    }
    await page.getByLabel('Action').fill('plugin:configure');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('50 entries shown; there are more.').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('53 entries shown.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);

    await page.getByLabel('Actor').fill('a'.repeat(201));
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /REQUEST_INVALID/);
    await assertAccessible(page, 'audit error');
    await browser.screenshot('admin-08-audit-bad-filter');
  });

  test('the pages fit a tablet', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    for (const [path, ready, name] of [
      ['plugins', 'ul.plugins', 'admin-09-tablet-plugins'],
      ['members', 'tbody tr', 'admin-10-tablet-members'],
      ['audit', 'tbody tr', 'admin-11-tablet-audit'],
    ] as const) {
      await page.goto(`${server.address}/w/${WS}/admin/${path}`);
      await page.locator(ready).first().waitFor();
      const overflow = await horizontalOverflow(page);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
      await browser.screenshot(name);
    }
  });
});

function titleOf(id: string): string {
  const plugin = plugins.find((p) => p.id === id);
  return plugin?.title ?? id;
}
