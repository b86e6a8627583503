import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Ada Admin', email: 'ada@portal.test', password: 'portal admin password 1' };

let server: PortalServer;
let browser: Browser;
let page: Page;
/** The secret of the token the journey creates: it must never show again after the first time. */
let secret = '';

before(async () => {
  assertPortalBuilt();
  server = await startPortalServer();
  browser = await launchBrowser();
  page = browser.page;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.address}${path}`;
const pathOf = (page: Page) => new URL(page.url()).pathname + new URL(page.url()).search;

async function signIn(email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** A change through the API with the browser's session, as the portal makes it (cookie + CSRF header). */
async function apiAsBrowser(method: string, path: string, body: unknown): Promise<number> {
  const csrf = (await browser.context.cookies(server.address)).find((c) => c.name === 'assay_csrf')?.value ?? '';
  const response = await browser.context.request.fetch(url(path), {
    method,
    headers: { 'x-csrf-token': csrf },
    data: body,
  });
  return response.status();
}

/** Evaluates an expression in the page (a string, so the test needs no DOM types). */
const inPage = <T>(expression: string): Promise<T> => page.evaluate<T>(expression);

describe('the portal shell in Chromium against assay serve', () => {
  test('a new installation sends the visitor to first-run setup; a wrong token shows its error code', async () => {
    await page.goto(url('/w/default'));
    await page.waitForURL((u) => u.pathname === '/setup');
    await page.getByRole('heading', { name: 'Set up Assay' }).waitFor();
    await assertAccessible(page, 'setup page');
    await browser.screenshot('01-setup');

    await page.getByLabel('Setup token').fill('setup_not-the-real-token');
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /SETUP_TOKEN_INVALID/);
    await browser.screenshot('02-setup-wrong-token');
  });

  test('setup with the printed token creates the admin and opens the shell in the default workspace', async () => {
    await page.getByLabel('Setup token').fill(server.setupToken);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default');
    await page.getByRole('heading', { name: 'Default', level: 1 }).waitFor();
    assert.match(await page.locator('dl').innerText(), /admin/);
    await assertAccessible(page, 'workspace overview');
    await browser.screenshot('03-shell');
  });

  test('sign out, then a wrong password shows LOGIN_FAILED and the right one signs in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByRole('link', { name: /single sign-on/ }).count(), 0, 'no SSO without OIDC');
    await assertAccessible(page, 'login page');
    await browser.screenshot('04-login');

    // A crafted link may not forward the user to another site after signing in.
    await page.goto(url('/login?returnTo=%2F%2Fevil.test%2Fphish'));
    await signIn(ADMIN.email, 'not the password at all');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /LOGIN_FAILED/);
    assert.match(await alert.innerText(), /E-mail or password is wrong/);
    await signIn(ADMIN.email, ADMIN.password);
    await page.waitForURL((u) => u.pathname === '/w/default');
    assert.equal(new URL(page.url()).origin, server.address);
  });

  test('the workspace switcher moves to another workspace', async () => {
    assert.equal(await apiAsBrowser('POST', '/api/v1/workspaces', { slug: 'analytics', name: 'Analytics' }), 201);
    await page.reload();
    const switcher = page.getByLabel('Workspace', { exact: true });
    await switcher.waitFor();
    assert.deepEqual(await switcher.locator('option').allInnerTexts(), ['Analytics', 'Default']);
    await switcher.selectOption('analytics');
    await page.waitForURL((u) => u.pathname === '/w/analytics');
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await browser.screenshot('05-switched-workspace');
  });

  test('an API token is created with its secret shown once, then only its name is listed', async () => {
    await page.getByRole('link', { name: 'Profile & API tokens' }).click();
    await page.waitForURL((u) => u.pathname === '/profile');
    await page.getByText('No API tokens yet').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('nightly export');
    assert.equal(await page.getByLabel('Workspace', { exact: true }).first().inputValue(), 'analytics');
    await page.getByLabel('Acts as role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('token-secret');
    await shown.waitFor();
    secret = await shown.innerText();
    assert.match(secret, /^assay_[A-Za-z0-9_-]{43}$/);
    await browser.screenshot('06-token-secret-once');

    const me = await fetch(url('/api/v1/me'), { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 200, 'the secret shown is a working token');

    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'nightly export', exact: true }).waitFor();
    assert.equal(await page.getByTestId('token-secret').count(), 0);
    assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the page');
    await page.reload();
    await page.getByRole('cell', { name: 'nightly export', exact: true }).waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the list never shows the secret');
    await assertAccessible(page, 'profile page');
    await browser.screenshot('07-token-listed');
  });

  test('a revoked token is marked revoked and stops working', async () => {
    await page.getByRole('button', { name: 'Revoke nightly export' }).click();
    await page.getByRole('button', { name: 'Confirm revoke of nightly export' }).click();
    await page.getByText(/^Revoked/).waitFor();
    const me = await fetch(url('/api/v1/me'), { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 401);
  });

  test('after signing out, pages send the visitor to sign in and back where they were', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.goto(url('/w/analytics'));
    await page.waitForURL((u) => u.pathname === '/login');
    assert.equal(pathOf(page), '/login?returnTo=%2Fw%2Fanalytics');
    await signIn(ADMIN.email, ADMIN.password);
    await page.waitForURL((u) => u.pathname === '/w/analytics');
  });

  test('an expired or invalid session returns to sign-in, keeping the page the user was going to', async () => {
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await browser.context.addCookies([{ name: 'assay_session', value: 'expired', url: server.address }]);
    // A navigation inside the app: its first API call answers 401 and the shell sends the user to sign in.
    await page.getByRole('link', { name: 'Profile & API tokens' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    assert.equal(pathOf(page), '/login?returnTo=%2Fprofile');
    await page.getByText('Sign in to continue where you were.').waitFor();
    await browser.screenshot('08-session-expired');
    await signIn(ADMIN.email, ADMIN.password);
    await page.waitForURL((u) => u.pathname === '/profile');
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
  });

  test('the theme toggle switches to dark and the choice survives a reload', async () => {
    const toggle = page.getByRole('button', { name: /^Theme:/ });
    await toggle.click(); // system -> light
    await toggle.click(); // light -> dark
    assert.equal(await inPage('document.documentElement.dataset.theme'), 'dark');
    await page.reload();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    assert.equal(await inPage('document.documentElement.dataset.theme'), 'dark');
    const background = await inPage<string>('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, 'rgb(17, 20, 24)');
    await assertAccessible(page, 'profile page, dark');
    await browser.screenshot('09-dark-theme');
  });

  test('on a tablet the navigation stays usable and the skip link reaches the content', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(url('/w/analytics'));
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    const focused = await inPage<string | undefined>('document.activeElement?.textContent');
    assert.equal(focused?.trim(), 'Skip to main content', 'the skip link comes first');
    await page.keyboard.press('Enter');
    assert.equal(await inPage('document.activeElement?.id'), 'main');
    const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    assert.ok(nav !== null && nav.width <= 768, 'the navigation fits the tablet width');
    const overflow = await inPage<boolean>('document.documentElement.scrollWidth > window.innerWidth');
    assert.equal(overflow, false, 'no horizontal scrolling');
    await browser.screenshot('10-tablet');
  });
});
