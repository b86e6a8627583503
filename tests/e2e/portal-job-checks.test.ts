// The job checks editor of the pipeline builder in Chromium against a real `assay serve` with the built-in plugins:
// a Silver job's check is listed with the layer's defaults, edited (a bad mostly is refused in the form), a new check
// is picked from the installed types and added (an action fix without a fix is refused), one is removed, and the
// saved version holds exactly the checks the editor shows. A where the server cannot parse comes back on its field.
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { signIn, type SignedIn } from '../support/sign-in.ts';
import { orderDocuments } from '../support/order-documents.ts';
import { assertAccessible, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Cora Checks', email: 'cora@checks.test', password: 'checks admin password 1' };
const WS = 'default';

const documents = (root: string) =>
  orderDocuments(
    root,
    'orders/*.csv',
    `    - id: clean
      operator: sql
      inputs: [bronze.orders]
      config:
        sql: SELECT order_id, lower(email) AS email, amount FROM bronze.orders
        write: { mode: full_refresh }
      output: silver.orders
      checks:
        - { check: not_null, column: email, action: quarantine }
        - { check: row_count, min: 1 }
`,
  );

let data: string;
let server: PortalServer;
let browser: Browser;
let page: Page;
let admin: SignedIn;

interface Pipeline {
  currentVersion: number;
  document: { spec: { jobs: Array<{ id: string; checks?: unknown[] }> } };
}

async function pipeline(): Promise<Pipeline> {
  const response = await admin.fetch(`/api/v1/workspaces/${WS}/pipelines/orders`);
  assert.equal(response.status, 200);
  return (await response.json()) as Pipeline;
}

const checks = () => page.getByRole('region', { name: 'Quality checks' });
const listText = async () => (await checks().locator('ol').first().innerText()).replace(/\s+/g, ' ');
const checkForm = (title: RegExp): Locator => checks().getByRole('form', { name: title });

before(async () => {
  assertPortalBuilt();
  data = join(tmpdir(), `assay-portal-job-checks-${process.pid}-${Date.now()}`);
  await mkdir(join(data, 'orders'), { recursive: true });
  server = await startPortalServer({ config: { pluginConfig: { 'connector-file': { allowedRoots: [data] } } } });
  await createAdmin(server, ADMIN);
  admin = await signIn(server.address, { email: ADMIN.email, password: ADMIN.password });
  const applied = await admin.fetch(`/api/v1/workspaces/${WS}/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ files: [{ path: 'orders.yaml', text: documents(data) }] }),
  });
  assert.equal(applied.status, 200, await applied.text());
  browser = await launchBrowser();
  page = browser.page;
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await rm(data, { recursive: true, force: true });
});

describe('the job checks editor in Chromium against assay serve', () => {
  test("a Silver job's checks are listed with the layer's default actions", async () => {
    await page.goto(`${server.address}/login?returnTo=%2Fw%2Fdefault%2Fpipelines%2Forders`);
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/pipelines/orders');
    await page.getByRole('button', { name: /^clean/ }).click();
    await checks().waitFor();
    assert.equal(await listText(), 'not_null on email → quarantine Edit Remove row_count → default action Edit Remove');
    await checks()
      .getByText('Left empty, Silver applies quarantine to row checks and fail to aggregate checks.')
      .waitFor();
    await assertAccessible(page, 'checks list');
    await browser.screenshot('job-checks-01-list');
  });

  test('an edit with a bad mostly is refused with the problem shown, then saved', async () => {
    await checks().getByRole('button', { name: 'Edit check 1: not_null on email → quarantine' }).click();
    const form = checkForm(/Not null/);
    await form.waitFor();
    assert.equal(await form.getByLabel('Column').inputValue(), 'email');
    await form.getByLabel('Mostly').fill('1.5');
    await form.getByRole('button', { name: 'Save check' }).click();
    const summary = form.getByRole('alert');
    await summary.waitFor();
    assert.match(await summary.innerText(), /1 problem[\s\S]*Mostly: At most 1/);
    assert.match(await listText(), /^not_null on email → quarantine/, 'nothing saved while the form has errors');
    await assertAccessible(page, 'check form with errors');
    await browser.screenshot('job-checks-02-refused');

    await form.getByLabel('Mostly').fill('0.9');
    await form.getByRole('button', { name: 'Save check' }).click();
    await form.waitFor({ state: 'detached' });
    assert.match(await listText(), /^not_null on email \(mostly 90%\) → quarantine/);
    await checks().getByRole('status').filter({ hasText: 'Saved check 1' }).waitFor();
  });

  test('a new check is picked by searching the installed types; action fix needs a fix', async () => {
    await checks().getByRole('button', { name: 'Add check' }).click();
    await checks().getByLabel('Search check types').fill('duplicate nothing-matches-this');
    await checks()
      .getByText(/No check type matches/)
      .waitFor();
    await checks().getByLabel('Search check types').fill('not_null');
    await checks()
      .getByRole('button', { name: /^Not null/ })
      .waitFor();
    assert.equal(
      await checks()
        .getByRole('button', { name: /^Row count/ })
        .count(),
      0,
      'the search filters',
    );
    await assertAccessible(page, 'check type picker');
    await browser.screenshot('job-checks-03-picker');
    await checks()
      .getByRole('button', { name: /^Not null/ })
      .click();

    const form = checkForm(/Not null/);
    await form.getByRole('button', { name: 'Add check' }).click();
    assert.match(await form.getByRole('alert').innerText(), /Column: Column is required/);
    await form.getByLabel('Column').fill('amount');
    await form.getByLabel('Action').selectOption('fix');
    await form.getByRole('button', { name: 'Add check' }).click();
    assert.match(await form.getByRole('alert').innerText(), /Fix: Action fix needs at least one column/);
    await form.getByLabel('Fix').fill('{"amount": "0"}');
    await form.getByLabel(/^Id/).fill('amount_present');
    await form.getByRole('button', { name: 'Add check' }).click();
    await form.waitFor({ state: 'detached' });
    assert.match(await listText(), /not_null on amount → fix amount_present Edit Remove$/);
    await browser.screenshot('job-checks-04-added');
  });

  test('a check is removed, and the saved version holds what the editor shows', async () => {
    await checks().getByRole('button', { name: 'Remove check 2: row_count → default action' }).click();
    await checks().getByRole('status').filter({ hasText: 'Removed check 2: row_count → default action' }).waitFor();
    await page.getByLabel('Version message').fill('Checks edited in the builder');
    await page.getByRole('button', { name: 'Save version' }).click();
    for (let tries = 0; tries < 50 && (await pipeline()).currentVersion < 2; tries++) await page.waitForTimeout(200);
    const saved = await pipeline();
    assert.equal(saved.currentVersion, 2);
    assert.deepEqual(saved.document.spec.jobs.find((job) => job.id === 'clean')?.checks, [
      { check: 'not_null', column: 'email', action: 'quarantine', mostly: 0.9 },
      { check: 'not_null', column: 'amount', action: 'fix', fix: { amount: '0' }, id: 'amount_present' },
    ]);
  });

  test("a where the server cannot parse comes back on the check's Where field with its message", async () => {
    await checks()
      .getByRole('button', { name: /^Edit check 1/ })
      .click();
    const form = checkForm(/Not null/);
    await form.getByLabel('Where').fill('amount >>> (');
    await form.getByRole('button', { name: 'Save check' }).click();
    await form.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save version' }).click();
    const problems = checks().getByRole('list', { name: 'Problems with check 1' });
    await problems.waitFor({ timeout: 20_000 });
    assert.match(await problems.innerText(), /where is not a SQL expression: syntax error/);
    await checks()
      .getByRole('button', { name: /^Edit check 1/ })
      .click();
    const where = checkForm(/Not null/)
      .locator('.field')
      .filter({ has: page.getByLabel('Where') });
    assert.match(await where.innerText(), /where is not a SQL expression: syntax error/);
    // The job panel (not this editor) repeats the problem above the job in a `ul role=alert`, which axe flags.
    await assertAccessible(page, 'server problem on a check');
    await browser.screenshot('job-checks-05-server-problem');
    assert.equal((await pipeline()).currentVersion, 2, 'the refused save made no version');
  });
});
