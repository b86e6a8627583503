// The Runs pages of the portal in Chromium against a real `assay serve`. With a worker: a run started through the
// API is followed live until it succeeds (jobs, DAG, logs), a pipeline whose SQL job names a missing column shows
// the failed job's error code and message, and the history lists both with durations. Without a worker runs stay
// queued, which makes the live view deterministic: a cancel made elsewhere arrives through the stream, a resume
// opens the new run, and a second resume is refused with the server's code.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { signIn, type SignedIn } from '../support/sign-in.ts';
import { orderDocuments } from '../support/order-documents.ts';
import { assertAccessible, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Rita Runs', email: 'rita@runs.test', password: 'runs admin password 1' };
const WS = 'default';

/** `orders` lands the files and cleans them in SQL; `broken` lands them and selects a column that is not there. */
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
`,
  ) +
  `---
apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: broken }
spec:
  jobs:
    - id: land
      operator: ingest
      connection: order-files
      config:
        stream: returns
        streamConfig: { glob: 'returns/*.csv' }
        options:
          schema:
            mode: declared
            columns:
              - { name: order_id, type: BIGINT }
              - { name: reason, type: VARCHAR }
      output: bronze.returns
    - id: totals
      operator: sql
      inputs: [bronze.returns]
      config:
        sql: SELECT order_id, refund_amount FROM bronze.returns
        write: { mode: full_refresh }
      output: silver.returns
`;

interface RunAnswer {
  id: string;
  status: string;
  durationMs: number | null;
  jobs: Array<{ jobId: string; status: string; rowsWritten: number; error: { code: string; message: string } | null }>;
}

let data: string;
let browser: Browser;
let page: Page;

async function api(
  client: SignedIn,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: RunAnswer }> {
  const response = await client.fetch(`/api/v1/workspaces/${WS}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as RunAnswer };
}

/** A server with the admin set up, both pipelines applied, and a client signed in through the API. */
async function startServer(worker: boolean): Promise<{ server: PortalServer; admin: SignedIn }> {
  const server = await startPortalServer({
    worker,
    config: { pluginConfig: { 'connector-file': { allowedRoots: [data] } } },
  });
  await createAdmin(server, ADMIN);
  const admin = await signIn(server.address, { email: ADMIN.email, password: ADMIN.password });
  const applied = await admin.fetch(`/api/v1/workspaces/${WS}/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ files: [{ path: 'runs.yaml', text: documents(data) }] }),
  });
  assert.equal(applied.status, 200, await applied.text());
  return { server, admin };
}

/** Signs in through the login page and lands on `path`. */
async function signInAt(server: PortalServer, path: string): Promise<void> {
  await page.goto(`${server.address}/login?returnTo=${encodeURIComponent(path)}`);
  await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.pathname === path);
}

const jobNode = (job: string) =>
  page
    .getByRole('list', { name: 'Jobs of the run' })
    .getByRole('listitem')
    .filter({ has: page.getByText(job, { exact: true }) });

before(async () => {
  assertPortalBuilt();
  data = join(tmpdir(), `assay-portal-runs-${process.pid}-${Date.now()}`);
  await mkdir(join(data, 'orders'), { recursive: true });
  await mkdir(join(data, 'returns'), { recursive: true });
  await writeFile(join(data, 'orders', 'day-1.csv'), 'order_id,email,amount\n1,Ann@X.org,10\n2,Bob@Y.org,20\n');
  await writeFile(join(data, 'returns', 'day-1.csv'), 'order_id,reason\n1,damaged\n');
  browser = await launchBrowser();
  page = browser.page;
});
after(async () => {
  await browser?.close();
  await rm(data, { recursive: true, force: true });
});

describe('the Runs pages with a worker', () => {
  let server: PortalServer;
  let admin: SignedIn;
  let okRun = '';
  let failedRun = '';
  before(async () => {
    ({ server, admin } = await startServer(true));
  });
  after(async () => {
    // Leave the server's pages first: an open page keeps connections the server waits for when it stops.
    await page?.goto('about:blank');
    await server?.stop();
  });

  test('a run started through the API is followed live until it succeeded, with its jobs and logs', async () => {
    const started = await api(admin, 'POST', '/pipelines/orders/runs', {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    okRun = started.body.id;
    await signInAt(server, `/w/${WS}/runs/${okRun}`);
    await page.getByRole('heading', { level: 1, name: /orders run #1/ }).waitFor();
    await page.getByText('The run finished: succeeded.').waitFor({ timeout: 30_000 });
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /succeeded/i);
    assert.match(await jobNode('land').innerText(), /land\s+succeeded/i);
    assert.match(await jobNode('clean').innerText(), /clean\s+succeeded\s+2 rows written/i);
    assert.match(
      await page.locator('tbody tr').filter({ hasText: 'clean' }).innerText(),
      /sql v1\s+succeeded\s+2\s+2\s+0\s+1\s/i,
    );
    assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0, 'a finished run has no Cancel');
    assert.equal(await page.getByRole('button', { name: 'Resume run' }).count(), 0, 'a succeeded run has no Resume');
    const log = page.getByRole('log', { name: 'Log lines' });
    await log.getByRole('listitem').first().waitFor();
    const lines = await log.getByRole('listitem').count();
    assert.ok(lines > 0);
    await assertAccessible(page, 'run succeeded');
    await browser.screenshot('runs-01-succeeded');

    await page.getByLabel('Job', { exact: true }).selectOption('clean');
    const cleanLines = await log.getByRole('listitem').allInnerTexts();
    assert.ok(cleanLines.length > 0 && cleanLines.length < lines, `${cleanLines.length} of ${lines}`);
    assert.ok(
      cleanLines.every((line) => /\bclean\b/.test(line)),
      cleanLines.join('\n'),
    );

    // Each connection replays the history: after a reload the log is rebuilt, not doubled.
    await page.reload();
    await page.getByText('The run finished: succeeded.').waitFor();
    await log.getByRole('listitem').first().waitFor();
    assert.equal(await log.getByRole('listitem').count(), lines);

    // On a tablet in the dark theme the page fits the width (the DAG and tables scroll in their own boxes).
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true);
      await assertAccessible(page, 'run succeeded, tablet, dark');
      await browser.screenshot('runs-07-tablet-dark');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  test('a failed SQL job shows its error code and message', async () => {
    const run = await api(admin, 'POST', '/pipelines/broken/runs', { wait: true });
    assert.equal(run.body.status, 'failed', JSON.stringify(run.body));
    failedRun = run.body.id;
    const error = run.body.jobs.find((job) => job.jobId === 'totals')?.error;
    assert.ok(error, JSON.stringify(run.body.jobs));
    await page.goto(`${server.address}/w/${WS}/runs/${failedRun}`);
    const failures = page.getByRole('alert').filter({ hasText: 'A job failed' });
    await failures.waitFor();
    const text = await failures.innerText();
    assert.match(text, /Job totals, attempt \d/);
    assert.ok(text.includes(error.code), text);
    assert.match(text, /refund_amount/);
    assert.match(await jobNode('totals').innerText(), /totals\s+failed/i);
    assert.match(await jobNode('land').innerText(), /land\s+succeeded/i);
    await page.getByText('The run finished: failed.').waitFor();
    await page.getByRole('button', { name: 'Resume run' }).waitFor();
    await assertAccessible(page, 'run failed');
    await browser.screenshot('runs-02-failed');
  });

  test('the history lists both runs with durations and filters by pipeline', async () => {
    await page.getByRole('link', { name: '← All runs' }).click();
    await page.waitForURL((u) => u.pathname === `/w/${WS}/runs`);
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    const texts = await rows.allInnerTexts();
    assert.equal(texts.length, 2, texts.join('\n'));
    assert.match(texts[0]!, /#1\s+broken\s+failed\s+(manual|api)\s+\S.*\s+\d+(\.\d)? (ms|s)/i);
    assert.match(texts[1]!, /#1\s+orders\s+succeeded\s+(manual|api)\s+\S.*\s+\d+(\.\d)? (ms|s)/i);
    await assertAccessible(page, 'run history');
    await browser.screenshot('runs-03-history');

    await page.getByLabel('Pipeline', { exact: true }).fill('orders');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.search === '?pipeline=orders');
    await page.getByRole('heading', { level: 1, name: 'Runs of orders' }).waitFor();
    await page.waitForFunction("document.querySelectorAll('tbody tr').length === 1");
    await page.getByRole('link', { name: 'orders run #1' }).waitFor();

    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No run matches').waitFor();
  });

  test('Run now on the history of a pipeline opens the new run; an unknown pipeline shows the server error', async () => {
    await page.goto(`${server.address}/w/${WS}/runs?pipeline=orders`);
    await page.getByRole('button', { name: 'Run orders now' }).click();
    await page.waitForURL((u) => /^\/w\/default\/runs\/[0-9a-f-]{36}$/.test(u.pathname));
    await page.getByRole('heading', { level: 1, name: /orders run #2/ }).waitFor();
    await page.getByText('The run finished: succeeded.').waitFor({ timeout: 30_000 });

    await page.goto(`${server.address}/w/${WS}/runs?pipeline=no-such-pipeline`);
    await page.getByRole('button', { name: 'Run no-such-pipeline now' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not start a run of no-such-pipeline' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /PIPELINE_NOT_FOUND/);
    await browser.screenshot('runs-04-run-now-refused');
  });

  test('a run that does not exist shows RUN_NOT_FOUND', async () => {
    await page.goto(`${server.address}/w/${WS}/runs/00000000-0000-4000-8000-000000000000`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Could not open the run[\s\S]*RUN_NOT_FOUND/);
    await page.getByRole('button', { name: 'Try again' }).waitFor();
  });
});

describe('the live run view without a worker (runs stay queued)', () => {
  let server: PortalServer;
  let admin: SignedIn;
  before(async () => {
    ({ server, admin } = await startServer(false));
  });
  after(async () => {
    // Leave the server's pages first: an open page keeps connections the server waits for when it stops.
    await page?.goto('about:blank');
    await server?.stop();
  });

  test('a cancel made elsewhere arrives live; Resume opens the new run; a second resume is refused', async () => {
    const started = await api(admin, 'POST', '/pipelines/orders/runs', {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const first = started.body.id;
    await signInAt(server, `/w/${WS}/runs/${first}`);
    await page.getByText('Following the run live.').waitFor();
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /queued/i);
    await page.getByRole('button', { name: 'Cancel run' }).waitFor();
    await assertAccessible(page, 'queued run');
    await browser.screenshot('runs-05-queued');

    const cancelled = await api(admin, 'POST', `/runs/${first}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    await page.getByText('The run finished: cancelled.').waitFor();
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /cancelled/i);
    assert.match(await jobNode('clean').innerText(), /cancelled/i);
    assert.equal(await page.getByText('Jobs failed').count(), 0, 'cancelled jobs are not shown as failures');

    await page.getByRole('button', { name: 'Resume run' }).click();
    await page.waitForURL((u) => u.pathname.startsWith(`/w/${WS}/runs/`) && !u.pathname.endsWith(first));
    await page.getByRole('heading', { level: 1, name: /orders run #2/ }).waitFor();
    await page.getByText('Following the run live.').waitFor();
    await page.getByRole('link', { name: 'the earlier run' }).click();
    await page.waitForURL((u) => u.pathname.endsWith(first));
    await page.getByRole('button', { name: 'Resume run' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not resume the run' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /RUN_ALREADY_ACTIVE/);
    await browser.screenshot('runs-06-resume-refused');

    await page.goBack();
    await page.getByRole('heading', { level: 1, name: /orders run #2/ }).waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByText('The run finished: cancelled.').waitFor();
  });
});
