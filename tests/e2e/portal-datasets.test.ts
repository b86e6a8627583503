import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalStorage, stagedFilesIn, writeTable } from '@assay/core/lake-testing';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { assertAccessible, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Dora Data', email: 'dora@datasets.test', password: 'datasets admin password 1' };

let lakeDir: string;
let server: PortalServer;
let browser: Browser;
let page: Page;

/**
 * Seeds the server's lake from the test process, as a pipeline would: `silver.customers` with 1,000 rows then 200
 * more (two versions), and one table in bronze and gold each.
 */
async function seedLake(): Promise<void> {
  const storage = createLocalStorage(lakeDir);
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const writes: Array<[table: string, select: string]> = [
    ['silver/customers', `SELECT range::INTEGER AS id, 'customer ' || range AS name FROM range(1000)`],
    ['silver/customers', `SELECT (1000 + range)::INTEGER AS id, 'late ' || range AS name FROM range(200)`],
    ['bronze/customers_raw', `SELECT range::INTEGER AS id, 'raw ' || range AS name FROM range(10)`],
    ['gold/revenue', `SELECT range::INTEGER AS id, 'eur' AS name FROM range(3)`],
  ];
  for (const [index, [table, select]] of writes.entries()) {
    const file = join(lakeDir, `staged-${index}.parquet`);
    await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
    await writeTable(
      storage,
      `default/${table}`,
      {
        mode: 'append',
        staged: await stagedFilesIn(file, []),
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'name', type: 'VARCHAR' },
        ],
        provenance: { operation: 'WRITE', user: 'seed', runId: `seed-run-${index}` },
      },
      connection,
    );
  }
}

before(async () => {
  assertPortalBuilt();
  lakeDir = await mkdtemp(join(tmpdir(), 'assay-portal-datasets-lake-'));
  await seedLake();
  server = await startPortalServer({ config: { lake: lakeDir } });
  browser = await launchBrowser();
  page = browser.page;
  // The shell test covers first-run setup in the browser; here the admin is created through the API.
  await createAdmin(server, ADMIN);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (lakeDir !== undefined) await rm(lakeDir, { recursive: true, force: true });
});

const url = (path: string) => `${server.address}${path}`;
const inPage = <T>(expression: string): Promise<T> => page.evaluate<T>(expression);

/** A change through the API with the browser's session (cookie + CSRF header), as the portal makes it. */
async function apiAsBrowser(method: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const csrf = (await browser.context.cookies(server.address)).find((c) => c.name === 'assay_csrf')?.value ?? '';
  const response = await browser.context.request.fetch(url(path), {
    method,
    headers: { 'x-csrf-token': csrf },
    data: body,
  });
  return { status: response.status(), body: await response.text() };
}

/** The dataset names the list shows now. */
async function listed(): Promise<string[]> {
  return page.locator('tbody tr td:first-child').allInnerTexts();
}

describe('datasets in the portal, in Chromium against assay serve', () => {
  test('signing in opens the dataset list with every layer', async () => {
    await page.goto(url('/login?returnTo=%2Fw%2Fdefault%2Fdatasets'));
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/datasets');
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'silver.customers' }).waitFor();
    assert.deepEqual(await listed(), ['bronze.customers_raw', 'gold.revenue', 'silver.customers']);
    const customers = page.getByRole('row', { name: /silver\.customers/ });
    assert.match(await customers.innerText(), /1,200/);
    assert.equal(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).count(),
      1,
    );
    await assertAccessible(page, 'dataset list');
    await browser.screenshot('datasets-01-list');
  });

  test('the layer filter and the search narrow the list, and say when nothing matches', async () => {
    await page.getByRole('button', { name: 'Gold' }).click();
    await page.waitForFunction(`document.querySelectorAll('tbody tr').length === 1`);
    assert.deepEqual(await listed(), ['gold.revenue']);
    await page.getByRole('button', { name: 'All layers' }).click();
    await page.getByLabel('Search datasets').fill('customers');
    await page.waitForFunction(`document.querySelectorAll('tbody tr').length === 2`);
    assert.deepEqual(await listed(), ['bronze.customers_raw', 'silver.customers']);
    await page.getByLabel('Search datasets').fill('nothing-like-this');
    await page.getByText('No dataset matches').waitFor();
    await browser.screenshot('datasets-02-no-match');
    await page.getByLabel('Search datasets').fill('customers');
    await page.getByRole('link', { name: 'silver.customers' }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/datasets/silver/customers');
  });

  test('the detail shows the schema, owner, classification and tags', async () => {
    await page.getByRole('heading', { name: 'silver.customers', level: 1 }).waitFor();
    assert.match(await page.locator('dl').innerText(), /No owner/);
    // Governance set through the API shows after a reload; the mask policy is for the preview below.
    const me = JSON.parse((await apiAsBrowser('GET', '/api/v1/me', undefined)).body) as { user: { id: string } };
    const governance = await apiAsBrowser('PUT', '/api/v1/workspaces/default/datasets/silver/customers/governance', {
      owner: me.user.id,
      classification: 'internal',
      tags: ['crm', 'customers'],
    });
    assert.equal(governance.status, 200, governance.body);
    const policy = await apiAsBrowser('POST', '/api/v1/workspaces/default/data-policies', {
      kind: 'mask',
      dataset: 'silver.customers',
      column: 'name',
      mask: 'redact',
      roles: ['admin'],
    });
    assert.equal(policy.status, 201, policy.body);
    await page.reload();
    await page.getByRole('heading', { name: 'silver.customers', level: 1 }).waitFor();
    const facts = await page.locator('dl').innerText();
    assert.match(facts, /1,200 in 2 files/);
    assert.match(facts, /Owner\s+You/);
    assert.match(facts, /internal/);
    assert.match(facts, /crm, customers/);
    const columns = page.getByRole('table', { name: 'Columns of silver.customers' });
    assert.deepEqual(await columns.locator('tbody td:first-child').allInnerTexts(), ['id', 'name']);
    assert.deepEqual(await columns.locator('tbody td:nth-child(2)').allInnerTexts(), ['integer', 'string']);
    await assertAccessible(page, 'dataset detail');
    await browser.screenshot('datasets-03-detail');
  });

  test('the preview loads 1,000 rows into a virtual table that keeps only visible rows in the page', async () => {
    await page.getByRole('tab', { name: 'Preview' }).click();
    await page
      .getByTestId('preview-summary')
      .getByText(/1,000 rows/)
      .waitFor();
    const table = page.getByTestId('virtual-table');
    assert.equal(await table.getAttribute('aria-rowcount'), '1001');
    // The rows come masked from the API: the policy redacts `name` for the admin role.
    const firstRow = await table.locator('[aria-rowindex="2"] [role="cell"]').allInnerTexts();
    assert.equal(firstRow[1], '***', `masked name, got ${firstRow.join(' | ')}`);
    assert.equal(await table.getByText(/^customer /).count(), 0, 'no name shows in clear');
    const rendered = () => table.locator('[data-row]').count();
    const atTop = await rendered();
    assert.ok(atTop > 10 && atTop <= 60, `${atTop} rows in the DOM at the top`);
    // Scroll as a user would, with the wheel, then jump to the very end.
    await table.hover();
    await page.mouse.wheel(0, 3200);
    await table.locator('[aria-rowindex="101"]').waitFor();
    await inPage(
      `(() => { const el = document.querySelector('[data-testid="virtual-table"]'); el.scrollTop = el.scrollHeight; })()`,
    );
    await table.locator('[aria-rowindex="1001"]').waitFor();
    const atEnd = await rendered();
    assert.ok(atEnd <= 60, `${atEnd} rows in the DOM at the end`);
    assert.equal(await table.locator('[aria-rowindex="2"]').count(), 0, 'the first row left the DOM');
    await assertAccessible(page, 'dataset preview');
    await browser.screenshot('datasets-04-preview');

    // Time travel: version 0 had exactly 1,000 rows, so nothing is left out.
    await page.getByLabel('Version', { exact: true }).selectOption('0');
    await page.getByTestId('preview-summary').getByText('Version 0: 1,000 rows.', { exact: false }).waitFor();
    assert.doesNotMatch(await page.getByTestId('preview-summary').innerText(), /has more/);
  });

  test('versions list the commits; restoring one asks first, then makes a new version', async () => {
    await page.getByRole('tab', { name: 'Versions' }).click();
    const versions = page.getByRole('table', { name: 'Versions of silver.customers' });
    await versions.waitFor();
    assert.deepEqual(await versions.locator('tbody td:first-child').allInnerTexts(), ['1 (shown)', '0']);
    assert.match(await versions.locator('tr[data-version="1"]').innerText(), /WRITE[\s\S]*seed[\s\S]*seed-run-1/);

    await page.getByRole('button', { name: 'Restore version 0' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 0?' });
    await dialog.waitFor();
    await browser.screenshot('datasets-05-restore-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await versions.locator('tbody tr').count(), 2, 'cancel restores nothing');

    await page.getByRole('button', { name: 'Restore version 0' }).click();
    await dialog.getByRole('button', { name: 'Restore version 0' }).click();
    await page.getByText('Restored: version 2 is the latest.').waitFor();
    await versions.locator('tr[data-version="2"]').waitFor();
    assert.match(await versions.locator('tr[data-version="2"]').innerText(), /RESTORE/);
    assert.match(await page.locator('dl').innerText(), /1,000 in 1 files/);
    assert.equal(await inPage('document.querySelector("dialog")?.open'), false);
    await browser.screenshot('datasets-06-restored');

    // Preview from the versions jumps to the preview tab at that version.
    await page.getByRole('button', { name: 'Preview version 1' }).click();
    await page
      .getByTestId('preview-summary')
      .getByText(/^Version 1: 1,000 rows \(the first ones/)
      .waitFor();
    assert.equal(await page.getByLabel('Version', { exact: true }).inputValue(), '1');
  });

  test('the quality tab says when no check ran yet', async () => {
    await page.getByRole('tab', { name: 'Quality' }).click();
    await page.getByText('No checks ran on this dataset yet').waitFor();
    assert.match(await page.getByText(/^Score:/).innerText(), /not scored yet/);
  });

  test('a dataset that does not exist shows its error code', async () => {
    await page.goto(url('/w/default/datasets/silver/nowhere'));
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /DATASET_NOT_FOUND/);
  });
});
