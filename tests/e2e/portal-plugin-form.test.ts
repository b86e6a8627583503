// A third-party operator gets a working form with no portal change: the example plugin's `greet` (loaded from
// tests/fixtures/example-plugin) is added in the builder from the catalog, its schema renders as labelled inputs
// (text, a select for the enum, a number with bounds), a bad value is refused before saving, and the job runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { signIn } from '../support/sign-in.ts';
import { assertAccessible, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Pat Plugin', email: 'pat@plugin.test', password: 'plugin admin password 1' };
const PLUGIN = join(import.meta.dirname, '..', 'fixtures', 'example-plugin');

let server: PortalServer;
let browser: Browser;
let page: Page;

before(async () => {
  assertPortalBuilt();
  server = await startPortalServer({ worker: true, env: { ASSAY_PLUGINS: PLUGIN } });
  await createAdmin(server, ADMIN);
  browser = await launchBrowser();
  page = browser.page;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a third-party operator in the builder', () => {
  test('greet renders a form from its schema, refuses a bad value, saves and runs', async () => {
    const admin = await signIn(server.address, { email: ADMIN.email, password: ADMIN.password });
    await page.goto(`${server.address}/login?returnTo=${encodeURIComponent('/w/default/pipelines/new')}`);
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/pipelines/new');
    await page.getByLabel('Pipeline name').fill('hello');
    await page.getByRole('button', { name: 'Add job' }).click();
    await page
      .getByRole('dialog', { name: 'Add a job' })
      .getByRole('button', { name: /^Greet greet v1 · example/ })
      .click();
    await page.getByRole('heading', { name: 'Job greet' }).waitFor();

    const name = page.getByLabel('Name', { exact: true });
    const style = page.getByLabel('Style', { exact: true });
    const repeat = page.getByLabel('Repeat', { exact: true });
    assert.equal(await style.evaluate((el) => el.tagName), 'SELECT');
    assert.deepEqual(await style.locator('option').allTextContents(), ['casual', 'formal']);
    assert.equal(await repeat.getAttribute('type'), 'number');
    assert.equal(await repeat.inputValue(), '1', 'the schema default');
    await page.getByText('Between 1 and 5').waitFor();

    await repeat.fill('9');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.getByText('At most 5').waitFor();
    await page.getByText('Name is required').waitFor();
    assert.equal(new URL(page.url()).pathname, '/w/default/pipelines/new', 'nothing was saved');
    await assertAccessible(page, 'greet form with errors');
    await browser.screenshot('plugin-form-01-errors');

    await name.fill('Ada');
    await style.selectOption('formal');
    await repeat.fill('2');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/pipelines/hello');

    const saved = await admin.fetch('/api/v1/workspaces/default/pipelines/hello');
    const detail = (await saved.json()) as { document: { spec: { jobs: Array<Record<string, unknown>> } } };
    assert.deepEqual(detail.document.spec.jobs[0], {
      id: 'greet',
      operator: 'greet',
      version: 1,
      config: { name: 'Ada', style: 'formal', repeat: 2 },
    });

    await page.getByRole('button', { name: 'Run hello now' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/w/default/runs/'));
    await page
      .getByText(/succeeded/i)
      .first()
      .waitFor({ timeout: 30_000 });
    await browser.screenshot('plugin-form-02-run');
  });

  test('disabled in the workspace, the plugin leaves the catalog and its job is pinned with the server problem', async () => {
    const admin = await signIn(server.address, { email: ADMIN.email, password: ADMIN.password });
    const disabled = await admin.fetch('/api/v1/workspaces/default/plugins/example', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    assert.equal(disabled.status, 200, await disabled.text());
    await page.goto(`${server.address}/w/default/pipelines/hello`);
    await page
      .getByRole('button', { name: /^greet greet/ })
      .getByText('1 problem')
      .waitFor({ timeout: 15_000 });
    await page.getByText('PIPELINE_OPERATOR_DISABLED').waitFor();
    await page.getByRole('button', { name: 'Add job' }).click();
    const catalog = page.getByRole('dialog', { name: 'Add a job' });
    await catalog.getByRole('button', { name: /^SQL sql v1/ }).waitFor();
    assert.equal(await catalog.getByRole('button', { name: /^Greet/ }).count(), 0, 'greet is not offered');
    await browser.screenshot('plugin-form-03-disabled');
  });
});
