// The main journey of the portal in Chromium against a real `assay serve` with a worker, using only the UI: first-run
// setup → a file connection with an uploaded CSV (tested, discovered) → a pipeline built in the visual builder from
// the forms (ingest pattern → SQL Silver job with a quarantining check → metrics Gold job connected by dragging) →
// run it and watch it succeed live → the Gold preview → the incident and the quarantined row → fix and reprocess.
// Bad input on the way: a field error before saving, a server error pinned to its field, and an expired session
// that returns to sign-in and back without losing the edited draft.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible, horizontalOverflow, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Jo Journey', email: 'jo@journey.test', password: 'journey admin password 1' };
const CSV =
  'order_id,email,amount,ordered_at\n1,ann@x.org,10.50,2026-11-01\n2,,20.00,2026-11-01\n3,bo@x.org,5.25,2026-11-02\n';

let server: PortalServer;
let browser: Browser;
let page: Page;
let scratch: string;
const url = (path: string) => `${server.address}${path}`;

/** A link of the main navigation. */
const nav = (area: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: area, exact: true });
/** The builder's job node button (its accessible name starts with the job id). */
const node = (id: string) => page.getByRole('button', { name: new RegExp(`^${id} `) });

before(async () => {
  assertPortalBuilt();
  scratch = await mkdtemp(join(tmpdir(), 'assay-journey-'));
  await writeFile(join(scratch, 'orders.csv'), CSV);
  server = await startPortalServer({ worker: true });
  browser = await launchBrowser();
  page = browser.page;
  page.on('pageerror', (e) => void writeFile('/tmp/q/pageerror.txt', `${e.message}\n${e.stack}\n`, { flag: 'a' }));
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('the main journey in Chromium against assay serve', () => {
  test('first-run setup creates the admin and opens the workspace', async () => {
    await page.goto(url('/'));
    await page.waitForURL((u) => u.pathname === '/setup');
    await page.getByLabel('Setup token').fill(server.setupToken);
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default');
    await browser.screenshot('journey-01-workspace');
  });

  test('a file connection is created from its form, gets a CSV upload, tests and discovers', async () => {
    await nav('Connections').click();
    await page.getByText('No connections yet').waitFor();
    await page.getByRole('link', { name: 'New connection' }).click();
    await page.getByRole('radio', { name: /Files \(server directory or uploads\)/ }).check();
    // The connector's form: source is an enum (a select); root only shows for source = server.
    const source = page.getByLabel('Source', { exact: true });
    assert.equal(await source.evaluate((el) => el.tagName), 'SELECT');
    assert.equal(await page.getByLabel(/^Root/).count(), 0);
    await source.selectOption('server');
    await page.getByLabel(/^Root/).waitFor();
    await source.selectOption('upload');
    await page.getByLabel('Name', { exact: true }).fill('Shop Files');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByText(/Start with a lower-case letter/).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('shop_files');
    await assertAccessible(page, 'new connection');
    await browser.screenshot('journey-02-new-connection');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { level: 1, name: 'shop_files' }).waitFor();

    await page.getByLabel('Files to upload').setInputFiles(join(scratch, 'orders.csv'));
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('Uploaded orders.csv.').waitFor();
    await page.getByRole('cell', { name: 'orders.csv' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Discover streams' }).click();
    const columns = page.getByRole('table', { name: /^Columns of / });
    await columns.getByRole('cell', { name: 'email', exact: true }).waitFor();
    await page
      .getByRole('table', { name: /^Sample rows of / })
      .getByRole('cell', { name: 'ann@x.org' })
      .waitFor();
    await assertAccessible(page, 'connection');
    await browser.screenshot('journey-03-connection');
  });

  test('a database connection with bad settings: field errors, then the connector diagnosis; a secret stays write-only', async () => {
    await nav('Connections').click();
    await page.getByRole('link', { name: 'New connection' }).click();
    await page.getByRole('radio', { name: /^PostgreSQL postgres v1/ }).check();
    await page.getByLabel('Name', { exact: true }).fill('warehouse');
    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Port', { exact: true }).fill('70000');
    await page.getByLabel('User', { exact: true }).fill('postgres');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByText('At most 65535').waitFor();
    await page.getByText('Database is required').waitFor();
    await page.getByLabel('Port', { exact: true }).fill('5432');
    await page.getByLabel('Database', { exact: true }).fill('assay_no_such_database');
    await page.getByLabel(/^Password/).fill('not-the-password');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { level: 1, name: 'warehouse' }).waitFor();
    // The secret is never shown again: the field says it is saved.
    assert.equal(await page.getByLabel(/^Password/).inputValue(), '');
    assert.equal(await page.getByLabel(/^Password/).getAttribute('placeholder'), 'Saved — type to replace');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const failed = page.getByText('Failed', { exact: true });
    await failed.waitFor({ timeout: 20_000 });
    assert.match(await failed.locator('..').innerText(), /assay_no_such_database/);
    await browser.screenshot('journey-03b-connection-diagnosis');
    await page.getByLabel('Database', { exact: true }).fill('test');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
  });

  test('the builder makes ingest → SQL → metrics from the forms; bad values are refused before saving', async () => {
    await nav('Pipelines').click();
    await page.getByText('No pipelines yet').waitFor();
    await page.getByRole('link', { name: 'New pipeline' }).click();
    await page.getByLabel('Pipeline name').fill('shop');

    // Bronze: the ingest pattern discovers the connection's stream.
    await page.getByRole('button', { name: 'Start from a pattern' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add a job from a pattern' });
    await wizard.getByLabel('Connection', { exact: true }).selectOption('shop_files');
    await wizard.getByRole('button', { name: 'Discover streams' }).click();
    await wizard.getByRole('radio', { name: /ordered_at/ }).check();
    await wizard.getByLabel('Output dataset').fill('bronze.orders');
    await browser.screenshot('journey-04-pattern');
    await wizard.getByRole('button', { name: 'Add job' }).click();
    await page.getByRole('heading', { name: 'Job orders' }).waitFor();
    assert.equal(await page.locator('#job-0-config-connection').inputValue(), 'shop_files');

    // Silver: a SQL job from the catalog reads the selected job's output; an empty query is refused.
    await page.getByRole('button', { name: 'Add job' }).click();
    await page
      .getByRole('dialog', { name: 'Add a job' })
      .getByRole('button', { name: /^SQL sql v1/ })
      .click();
    await page.getByRole('heading', { name: 'Job sql' }).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: 'bronze.orders' }).isChecked(), true);
    await page.getByRole('textbox', { name: 'Output dataset' }).fill('silver.orders');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.getByText('SQL is required').waitFor();
    await page.getByText(/Fix the \d+ marked field/).waitFor();
    await browser.screenshot('journey-05-field-error');
    await page.getByLabel('SQL', { exact: true }).fill('SELECT order_id, email, amount, ordered_at FROM bronze.orders');
    await page.getByRole('button', { name: 'Add check' }).click();
    await page.getByRole('button', { name: /^Not null/ }).click();
    const check = page.getByRole('form', { name: /Not null/ });
    await check.getByLabel('Column', { exact: true }).fill('email');
    await check.getByLabel(/^Action/).selectOption('quarantine');
    await check.getByRole('button', { name: /^Add/ }).click();
    await page
      .getByText(/not_null.*email.*quarantine/)
      .first()
      .waitFor();

    // Gold: a metrics job, connected to the SQL job by dragging its output port onto it.
    await node('orders').click();
    await page.getByRole('button', { name: 'Add job' }).click();
    await page
      .getByRole('dialog', { name: 'Add a job' })
      .getByRole('button', { name: /^Metrics metrics v1/ })
      .click();
    await page.getByRole('heading', { name: 'Job metrics' }).waitFor();
    const port = page.getByRole('button', { name: 'Connect the output of sql to another job' });
    const from = (await port.boundingBox())!;
    const to = (await node('metrics').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.getByText('metrics now reads the output of sql.').waitFor();
    await page.getByRole('checkbox', { name: 'bronze.orders' }).uncheck();
    assert.equal(await page.getByRole('checkbox', { name: 'silver.orders' }).isChecked(), true);
    await page.getByRole('textbox', { name: 'Output dataset' }).fill('gold.daily_revenue');
    await page.getByRole('button', { name: 'Add measures row' }).click();
    await page.getByLabel('Name 1', { exact: true }).fill('revenue');
    await page.getByLabel('Type 1', { exact: true }).selectOption('sum');
    await page.getByLabel('Column 1', { exact: true }).fill('amount');
    await page.locator('#job-2-config-time-column').fill('ordered_at');
    await page.locator('#job-2-config-time-grain').selectOption('day');
    await page.getByText('No problems found').waitFor({ timeout: 15_000 });
    await assertAccessible(page, 'builder');
    await browser.screenshot('journey-06-builder');
    for (const width of [1280, 768]) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await horizontalOverflow(page);
      assert.ok(overflow <= 0, `the builder scrolls sideways by ${overflow}px at ${width}px`);
    }
    await browser.screenshot('journey-06-builder-tablet');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('saving creates version 1; a run started from the page succeeds live', async () => {
    await page.getByLabel(/^Version message/).fill('First cut of the shop pipeline');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/pipelines/shop');
    await page.getByText('Version 1').waitFor();
    await page.getByRole('button', { name: 'Run shop now' }).click();
    await page.waitForURL((u) => /^\/w\/default\/runs\/[0-9a-f-]{36}$/.test(u.pathname));
    await page
      .getByText(/succeeded/i)
      .first()
      .waitFor({ timeout: 60_000 });
    await assertAccessible(page, 'run');
    await browser.screenshot('journey-07-run');
  });

  test('the Bronze dataset lists its load; the Gold dataset shows its rows in the preview', async () => {
    await nav('Datasets').click();
    await page.getByRole('link', { name: 'bronze.orders' }).click();
    await page.getByRole('tab', { name: 'Loads' }).click();
    const load = page.getByRole('table', { name: 'Loads into bronze.orders' }).getByRole('row').nth(1);
    await load.getByText('succeeded').waitFor();
    assert.match(await load.innerText(), /\b3\b/, 'three rows read and written');
    await assertAccessible(page, 'bronze loads');
    await browser.screenshot('journey-08-bronze-loads');

    await nav('Datasets').click();
    await page.getByRole('button', { name: 'Gold' }).click();
    await page.getByRole('link', { name: 'gold.daily_revenue' }).click();
    await page.getByRole('tab', { name: 'Preview' }).click();
    await page
      .getByTestId('preview-summary')
      .getByText(/2 rows/)
      .waitFor();
    const table = page.getByTestId('virtual-table');
    await table.getByText('2026-11-01').first().waitFor();
    await table.getByText('10.5').first().waitFor();
    await assertAccessible(page, 'gold preview');
    await browser.screenshot('journey-08b-gold-preview');
  });

  test('the failing check opened an incident; its quarantined row is fixed and reprocessed', async () => {
    await nav('Quality').click();
    const incident = page.getByRole('link', { name: /not_null/ }).first();
    await incident.waitFor();
    const checkId = (await incident.innerText()).trim();
    await browser.screenshot('journey-09-incidents');
    await incident.click();
    await page.getByRole('link', { name: 'quarantine', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/quality/quarantine/silver/orders');
    await page.getByText('1 rows in quarantine.').waitFor();
    await page.getByLabel('Check', { exact: true }).selectOption(checkId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByLabel('Column', { exact: true }).selectOption('email');
    await page.getByLabel('Expression', { exact: true }).fill("'cy@x.org'");
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.getByText('Dry run: 1 rows match, 1 would change.').waitFor();
    await page.getByRole('button', { name: 'Apply fix' }).click();
    await page.getByRole('button', { name: 'Apply to 1 rows' }).click();
    await page.getByText(/Fixed 1 rows/).waitFor();
    await browser.screenshot('journey-10-fixed');
    await page.getByRole('button', { name: `Reprocess all rows of check ${checkId}` }).click();
    await page.getByRole('button', { name: 'Start the run' }).click();
    await page.getByText(/trigger reprocess\): succeeded/).waitFor({ timeout: 60_000 });
    await page.getByText('The quarantine is empty.').waitFor();
    const silver = await page.request.get(url('/api/v1/workspaces/default/datasets/silver/orders/preview'));
    assert.match(await silver.text(), /cy@x\.org/, 'the fixed row reached silver.orders');
    await browser.screenshot('journey-11-reprocessed');
  });

  test('an expired session returns to sign-in and back without losing the edited draft', async () => {
    await page.goto(url('/w/default/pipelines/shop'));
    await page.getByRole('heading', { name: 'Job orders' }).waitFor();
    await node('sql').click();
    const edited = 'SELECT order_id, lower(email) AS email, amount, ordered_at FROM bronze.orders';
    await page.getByLabel('SQL', { exact: true }).fill(edited);
    // The session ends (expired, revoked) while the user is editing: the next call is a 401.
    await page.context().clearCookies();
    await page.getByLabel('SQL', { exact: true }).press('End');
    await page.getByLabel('SQL', { exact: true }).pressSequentially(' ');
    await page.waitForURL((u) => u.pathname === '/login', { timeout: 15_000 });
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/pipelines/shop');
    await page.getByText(/Your unsaved changes from .* were restored/).waitFor();
    await node('sql').click();
    assert.equal((await page.getByLabel('SQL', { exact: true }).inputValue()).trim(), edited);
    await browser.screenshot('journey-12-draft-restored');
    await page.getByRole('button', { name: 'Save version' }).click();
    await page.getByText('Saved version 2.').waitFor();
    await page.reload();
    await page.getByText('Version 2').waitFor();
    assert.equal(await page.getByText(/were restored/).count(), 0, 'a saved draft is not offered again');
  });

  test('the YAML and SQL views edit the same draft as the builder', async () => {
    await page.getByRole('button', { name: 'YAML', exact: true }).click();
    const yaml = page.getByLabel('Pipeline YAML');
    await yaml.waitFor();
    const text = await yaml.inputValue();
    assert.match(text, /operator: metrics/);
    await yaml.fill(text.replace('periodColumn: period', 'periodColumn: sold_on'));
    await page.getByRole('button', { name: 'Apply YAML to the builder' }).click();
    await page.getByText(/^Applied/).waitFor();
    await page.getByRole('button', { name: 'SQL', exact: true }).click();
    const sql = page.getByLabel(/^sql · sql/);
    await sql.fill('SELECT order_id, upper(email) AS email, amount, ordered_at FROM bronze.orders');
    await assertAccessible(page, 'sql view');
    await page.getByRole('button', { name: 'Builder', exact: true }).click();
    await node('metrics').click();
    assert.equal(await page.locator('#job-2-config-time-periodColumn').inputValue(), 'sold_on');
    // Column fields suggest the columns of the job's input as the lake holds it.
    const suggested = page.locator('#job-2-config-time-column-options option');
    await page.waitForFunction("document.querySelectorAll('#job-2-config-time-column-options option').length > 0");
    assert.ok(
      (await suggested.evaluateAll((options) => options.map((o) => o.getAttribute('value')))).includes('ordered_at'),
    );
    await node('sql').click();
    assert.match(await page.getByLabel('SQL', { exact: true }).inputValue(), /upper\(email\)/);
    await page.getByRole('button', { name: 'YAML', exact: true }).click();
    assert.match(await page.getByLabel('Pipeline YAML').inputValue(), /upper\(email\)/);
    await browser.screenshot('journey-13-yaml');
  });

  test('the SCD2 and metrics patterns add jobs the server accepts', async () => {
    await page.getByRole('button', { name: 'Builder', exact: true }).click();
    const wizard = page.getByRole('dialog', { name: 'Add a job from a pattern' });
    await page.getByRole('button', { name: 'Start from a pattern' }).click();
    await wizard.getByRole('radio', { name: /^SCD2 dimension/ }).check();
    await wizard.getByLabel('Input dataset').selectOption('silver.orders');
    await wizard.getByRole('button', { name: 'Add job' }).click();
    await wizard.getByText('Name the business key column(s)').waitFor();
    await wizard.getByLabel('Business key column(s)').fill('order_id');
    await wizard.getByLabel('Output dataset').fill('silver.dim_orders');
    await wizard.getByRole('button', { name: 'Add job' }).click();
    await page.getByRole('heading', { name: 'Job dim_orders' }).waitFor();
    assert.equal(await page.locator('#job-3-config-businessKey').inputValue(), 'order_id');

    await page.getByRole('button', { name: 'Start from a pattern' }).click();
    await wizard.getByRole('radio', { name: /^Metrics table/ }).check();
    await wizard.getByLabel('Input dataset').selectOption('silver.orders');
    await wizard.getByLabel('Time column').fill('ordered_at');
    await wizard.getByLabel('Period', { exact: true }).selectOption('month');
    await wizard.getByLabel(/^Column to sum/).fill('amount');
    await wizard.getByLabel('Output dataset').fill('gold.monthly_orders');
    await wizard.getByRole('button', { name: 'Add job' }).click();
    await page.getByRole('heading', { name: 'Job monthly_orders' }).waitFor();
    assert.equal(await page.getByLabel('Name 1', { exact: true }).inputValue(), 'total_amount');
    await page.getByText('No problems found').waitFor({ timeout: 15_000 });
    await browser.screenshot('journey-14-patterns');
  });
});
