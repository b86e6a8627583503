// The Quality area of the portal in Chromium against a real `assay serve` with the built-in plugins and a worker: a
// pipeline run through the API quarantines the order without an email and opens an incident; in the UI the incident
// is acknowledged and resolved with notes, and the quarantined row is fixed in bulk (dry run first), reprocessed
// through its job, and leaves the quarantine.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { signIn, type SignedIn } from '../support/sign-in.ts';
import { assertAccessible, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';
import { orderDocuments } from '../support/order-documents.ts';

const ADMIN = { name: 'Quinn Quality', email: 'quinn@quality.test', password: 'quality admin password 1' };
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
`,
  );

let data: string;
let server: PortalServer;
let browser: Browser;
let page: Page;
let admin: SignedIn;
let checkId = '';

/** The JSON answers the test reads, loosely: each call site says what it expects. */
interface Answer {
  status?: string;
  currentVersion?: number;
  rows: Array<{ check_id: string; order_id: unknown; email: unknown; row: Record<string, unknown> }>;
  items: Array<{ dataset: string; checkId: string; resolvedBy: string | null }>;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer }> {
  const response = await admin.fetch(`/api/v1/workspaces/${WS}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

before(async () => {
  assertPortalBuilt();
  data = join(tmpdir(), `assay-portal-quality-${process.pid}-${Date.now()}`);
  await mkdir(join(data, 'orders'), { recursive: true });
  await writeFile(join(data, 'orders', 'day-1.csv'), 'order_id,email,amount\n1,Ann@X.org,10\n2,,20\n');
  server = await startPortalServer({
    worker: true,
    config: { pluginConfig: { 'connector-file': { allowedRoots: [data] } } },
  });
  await createAdmin(server, ADMIN);
  admin = await signIn(server.address, { email: ADMIN.email, password: ADMIN.password });
  const applied = await api('POST', '/apply', { files: [{ path: 'orders.yaml', text: documents(data) }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  const run = await api('POST', '/pipelines/orders/runs', { wait: true });
  assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body));
  browser = await launchBrowser();
  page = browser.page;
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await rm(data, { recursive: true, force: true });
});

describe('the Quality pages in Chromium against assay serve', () => {
  test('the run quarantined the order without an email and opened an incident', async () => {
    const quarantine = await api('GET', '/datasets/silver/orders/quarantine');
    assert.equal(quarantine.body.rows.length, 1, JSON.stringify(quarantine.body));
    checkId = quarantine.body.rows[0]!.check_id;
    const incidents = await api('GET', '/quality/incidents?state=open');
    assert.deepEqual(
      incidents.body.items.map((i) => [i.dataset, i.checkId]),
      [['silver.orders', checkId]],
    );
  });

  test('incidents are listed; a bad dataset filter shows the server error code', async () => {
    await page.goto(`${server.address}/login?returnTo=%2Fw%2Fdefault`);
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default');
    await page.getByRole('link', { name: 'Quality', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/quality');
    const link = page.getByRole('link', { name: checkId });
    await link.waitFor();
    assert.match(await page.locator('tbody').innerText(), /silver\.orders\s+open\s+1\s/i);
    await assertAccessible(page, 'incidents list');
    await browser.screenshot('quality-01-incidents');

    await page.getByLabel('Dataset', { exact: true }).fill('Not A Dataset');
    await page.getByRole('button', { name: 'Filter' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /REQUEST_INVALID/);
    await page.getByLabel('Dataset', { exact: true }).fill('silver.orders');
    await page.getByRole('button', { name: 'Filter' }).click();
    await link.waitFor();
  });

  test('an incident shows its failing sample and is acknowledged, then resolved, with notes', async () => {
    await page.getByRole('link', { name: checkId }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(checkId) }).waitFor();
    const sample = page.getByRole('region', { name: 'Latest failing rows' });
    assert.match(await sample.innerText(), /order_id[\s\S]*2/);
    await assertAccessible(page, 'incident detail');

    await page.getByLabel('Note').fill('Looking at the source file');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('status').filter({ hasText: 'Acknowledged.' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).isDisabled(), true);
    await page.getByLabel('Assignee').fill('quinn');
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Assignee saved.' }).waitFor();
    assert.match(await page.locator('dl').innerText(), /Assignee\s+quinn/);
    await page.getByLabel('Note').fill('The missing email is fixed in quarantine');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('status').filter({ hasText: 'Resolved.' }).waitFor();
    assert.match(await page.locator('dl').innerText(), /Resolved\s+\S.* by you/);
    const notes = page.locator('ol.notes');
    assert.match(await notes.innerText(), /Looking at the source file[\s\S]*fixed in quarantine/);
    await browser.screenshot('quality-02-incident-resolved');

    const stored = await api('GET', '/quality/incidents?state=resolved');
    assert.equal(stored.body.items.length, 1);
    assert.notEqual(stored.body.items[0]!.resolvedBy, null);
  });

  test('the quarantined row is fixed in bulk after a dry run, reprocessed, and the quarantine is empty', async () => {
    await page.getByRole('link', { name: 'quarantine', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/quality/quarantine/silver/orders');
    await page.getByText('1 rows in quarantine.').waitFor();
    assert.match(await page.locator('tbody').innerText(), /email/);
    await assertAccessible(page, 'quarantine review');
    await browser.screenshot('quality-03-quarantine');

    // A discard needs a reason: nothing is sent without one.
    await page.getByRole('button', { name: /^Discard / }).click();
    await page.getByText('Say why the rows are discarded').waitFor();

    await page.getByLabel('Check', { exact: true }).selectOption(checkId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('button', { name: `Reprocess all rows of check ${checkId}` }).waitFor();
    await page.getByLabel('Column', { exact: true }).selectOption('email');
    await page.getByLabel('Expression', { exact: true }).fill("'Dan@X.org'");
    assert.equal(await page.getByRole('button', { name: 'Apply fix' }).isDisabled(), true, 'dry run first');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.getByText('Dry run: 1 rows match, 1 would change.').waitFor();
    const preview = page.getByRole('region', { name: 'Before and after the fix' });
    assert.match(await preview.innerText(), /before[\s\S]*NULL[\s\S]*after[\s\S]*Dan@X\.org/);
    assert.equal((await api('GET', '/datasets/silver/orders/quarantine')).body.rows[0]!.row.email, null);
    await browser.screenshot('quality-04-dry-run');
    await page.getByRole('button', { name: 'Apply fix' }).click();
    await page.getByRole('button', { name: 'Apply to 1 rows' }).click();
    await page.getByText(/Fixed 1 rows/).waitFor();

    await page.getByRole('button', { name: `Reprocess all rows of check ${checkId}` }).click();
    await page.getByRole('button', { name: 'Start the run' }).click();
    await page.getByText(/trigger reprocess\): succeeded/).waitFor({ timeout: 30_000 });
    await page.getByText('The quarantine is empty.').waitFor();
    await page.getByText('No quarantined rows').waitFor();
    await browser.screenshot('quality-05-reprocessed');

    const preview2 = await api('GET', '/datasets/silver/orders/preview');
    assert.deepEqual(preview2.body.rows.map((r) => [String(r.order_id), r.email]).sort(), [
      ['1', 'ann@x.org'],
      // A row a check set aside is a row of the job's output: it is appended as fixed, through the checks.
      ['2', 'Dan@X.org'],
    ]);
    assert.deepEqual((await api('GET', '/datasets/silver/orders/quarantine')).body.rows, []);
  });

  test('a profile suggests checks with evidence; a chosen one is added to the pipeline, and again is refused', async () => {
    await page.getByRole('link', { name: 'Profile', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/w/default/quality/profile/silver/orders');
    await page.getByRole('heading', { name: 'Suggested checks' }).waitFor();
    assert.match(await page.locator('table').innerText(), /order_id[\s\S]*BIGINT/);
    const first = page.getByRole('checkbox').first();
    const suggestion = (await page.locator('ul.suggestions li').first().locator('code').first().innerText()).trim();
    await first.check();
    await page.getByLabel('Version message').fill('Checks the profile suggested');
    await page.getByRole('button', { name: 'Add checks' }).click();
    await page
      .getByText(
        new RegExp(`Added ${suggestion.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to job clean: orders version 2`),
      )
      .waitFor();
    await assertAccessible(page, 'profile and suggestions');
    await browser.screenshot('quality-06-suggestions-accepted');

    // A check edited into an invalid one is refused with the problem's path in the request.
    await page.getByText('Edit the checks as JSON').click();
    await page
      .getByLabel('The checks as JSON')
      .fill('[{ "check": "not_null", "id": "not_null.nothing", "column": 7 }]');
    await page.getByRole('button', { name: 'Add checks' }).click();
    const problems = page.getByRole('list', { name: 'Problems' });
    await problems.waitFor();
    assert.match(await page.getByRole('alert').innerText(), /PIPELINE_CONFIG_INVALID/);
    assert.match(await problems.innerText(), /\/body\/checks\/0\/column · spec\.jobs\[1\]\.checks\[\d+\]\.column/);
    await browser.screenshot('quality-07-suggestion-refused');

    await page.getByLabel('The checks as JSON').fill('not json');
    await page.getByRole('button', { name: 'Add checks' }).click();
    await page.getByText('The checks are not valid JSON').waitFor();

    await first.uncheck();
    await first.check();
    await page.getByRole('button', { name: 'Add checks' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /SUGGESTION_CHECK_EXISTS/);
    const pipeline = await api('GET', '/pipelines/orders');
    assert.equal(pipeline.body.currentVersion, 2, 'the refused save made no version');
  });
});
