// A pipeline's Versions and Schedule & backfill pages in Chromium against a real `assay serve` without a worker
// (runs stay queued, which is all a backfill start needs). Versions: the history, a version's changes and a
// comparison of two, a bad comparison with the server's code, and a confirmed rollback that saves a new version equal
// to the first. Schedule: a cron with a time zone saved (the API agrees), an invalid cron and an unknown connection
// shown next to their fields, pause and resume, a backfill previewed (a large one waits for a confirmation) then
// started, a second one refused while the first is queued, and a pipeline without a partitioned job refused with
// the server's code; both pages again on a tablet in the dark theme.
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { signIn, type SignedIn } from '../support/sign-in.ts';
import { assertAccessible, horizontalOverflow, launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';

const ADMIN = { name: 'Vera Versions', email: 'vera@versions.test', password: 'versions admin password 1' };
const WS = 'default';
const BASE = `/w/${WS}/pipelines/events`;

/** A job landing the event files (day DATE, amount INTEGER) in `output`. */
const landing = (output: string) => `    - id: load
      operator: ingest
      connection: event-files
      config:
        stream: events
        streamConfig: { glob: 'events/*.csv' }
        options:
          schema:
            mode: declared
            columns:
              - { name: day, type: DATE }
              - { name: amount, type: INTEGER }
      output: ${output}`;

/** `events` lands event files and sums them per day (one partition per day); `whole` only lands them. */
const documents = (root: string) => `apiVersion: assay.dev/v1
kind: Connection
metadata: { name: event-files }
spec:
  type: file
  config: { source: server, root: ${JSON.stringify(root)} }
---
apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: events }
spec:
  jobs:
${landing('bronze.events')}
    - id: daily
      operator: sql
      inputs: [bronze.events]
      partitions: { column: day }
      config:
        sql: SELECT day, sum(amount)::INTEGER AS amount FROM bronze.events GROUP BY day
      output: silver.daily
---
apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: whole }
spec:
  jobs:
${landing('bronze.whole')}
`;

/** The JSON answers the test reads, loosely: each call site says what it expects. */
interface Answer {
  document: { spec: { jobs: Array<{ id: string; config: { sql?: string } }> } } & Record<string, unknown>;
  schedule: { cron: string; timezone?: string } | null;
  paused: boolean;
  message: string | null;
  items: Array<{ version: number; message: string | null }>;
  trigger: string;
  backfill: { from: string; to: string; partitions: number } | null;
  error: { code: string };
}

let data: string;
let server: PortalServer;
let browser: Browser;
let page: Page;
let admin: SignedIn;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer }> {
  const response = await admin.fetch(`/api/v1/workspaces/${WS}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

before(async () => {
  assertPortalBuilt();
  data = join(tmpdir(), `assay-portal-versions-${process.pid}-${Date.now()}`);
  await mkdir(join(data, 'events'), { recursive: true });
  server = await startPortalServer({
    worker: false,
    // A low confirmation threshold: a ten-day backfill then needs an explicit confirmation.
    config: { pluginConfig: { 'connector-file': { allowedRoots: [data] } }, pipelines: { backfillConfirmAbove: 5 } },
  });
  await createAdmin(server, ADMIN);
  admin = await signIn(server.address, { email: ADMIN.email, password: ADMIN.password });
  const applied = await api('POST', '/apply', { files: [{ path: 'events.yaml', text: documents(data) }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  // Version 2: amounts in cents.
  const current = await api('GET', '/pipelines/events');
  const document = structuredClone(current.body.document);
  document.spec.jobs[1]!.config.sql =
    'SELECT day, (sum(amount) * 100)::INTEGER AS amount FROM bronze.events GROUP BY day';
  const saved = await api('PUT', '/pipelines/events', { document, message: 'Amounts in cents' });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  browser = await launchBrowser();
  page = browser.page;
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await rm(data, { recursive: true, force: true });
});

describe('the pipeline Versions and Schedule pages in Chromium against assay serve', () => {
  test('the history lists both versions; the changes of v2 and a comparison show the SQL change', async () => {
    await page.goto(`${server.address}/login?returnTo=${encodeURIComponent(`${BASE}/versions`)}`);
    await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `${BASE}/versions`);
    await page.getByRole('heading', { level: 1, name: 'events' }).waitFor();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /v2\s+current\s+Amounts in cents/);
    assert.match(await rows.nth(1).innerText(), /^v1\s/);

    const changes = page.getByRole('list', { name: 'Changes from version 1 to 2' }).first();
    await changes.waitFor();
    assert.match(await changes.innerText(), /CHANGED\s+~ spec\.jobs\[daily\]\.config\.sql/i);
    assert.match(await changes.innerText(), /\* 100/);
    await assertAccessible(page, 'versions');
    await browser.screenshot('pipeline-versions-01-history');

    await page.getByLabel('From version', { exact: true }).fill('1');
    await page.getByLabel('To version', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const compared = page.getByRole('region', { name: 'Compare versions' });
    await compared.getByText('From version 1 to version 2: 1 change(s).').waitFor();
    assert.match(await compared.getByRole('list').innerText(), /spec\.jobs\[daily\]\.config\.sql/);

    await page.getByLabel('From version', { exact: true }).fill('9');
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const alert = compared.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /PIPELINE_VERSION_NOT_FOUND/);
  });

  test('a rollback to v1 asks first, then saves v3 equal to v1', async () => {
    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await api('GET', '/pipelines/events/versions')).body.items.length, 2, 'cancel saves nothing');

    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await dialog.getByLabel('Message').fill('Back to plain amounts');
    await browser.screenshot('pipeline-versions-02-rollback-dialog');
    await dialog.getByRole('button', { name: 'Roll back', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Rolled back to version 1: saved as version 3.' }).waitFor();
    await page.locator('tbody tr').first().filter({ hasText: 'Back to plain amounts' }).waitFor();
    assert.match(await page.locator('tbody tr').first().innerText(), /v3\s+current\s+Back to plain amounts/);

    const [v1, v3] = await Promise.all([
      api('GET', '/pipelines/events/versions/1'),
      api('GET', '/pipelines/events/versions/3'),
    ]);
    assert.equal(v3.body.message, 'Back to plain amounts');
    assert.deepEqual(v3.body.document, v1.body.document);
  });

  test('a schedule with a time zone is saved; an invalid cron is shown next to its field', async () => {
    await page.getByRole('link', { name: 'Schedule & backfill' }).click();
    await page.waitForURL((u) => u.pathname === `${BASE}/schedule`);
    const cron = page.getByLabel('Cron', { exact: true });
    await cron.waitFor();
    assert.equal(await cron.inputValue(), '');
    await assertAccessible(page, 'schedule');

    await cron.fill('0 6 * * *');
    await page.getByLabel('Time zone', { exact: true }).fill('Europe/Amsterdam');
    await page.getByLabel('Version message').fill('Every morning');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 4.' }).waitFor();
    const saved = await api('GET', '/pipelines/events');
    assert.deepEqual(saved.body.schedule, { cron: '0 6 * * *', timezone: 'Europe/Amsterdam' });
    const next = page.getByRole('region', { name: 'Next runs' }).getByRole('listitem');
    await next.first().waitFor();
    assert.ok((await next.count()) > 0);
    await browser.screenshot('pipeline-versions-03-schedule');

    await cron.fill('61 * * * *');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const problem = page.locator('#schedule-cron-error');
    await problem.waitFor();
    assert.match(await problem.innerText(), /not a valid cron expression/);
    assert.equal(await cron.getAttribute('aria-invalid'), 'true');
    assert.match(await page.getByRole('alert').innerText(), /PIPELINE_SCHEDULE_INVALID/);
    assert.deepEqual((await api('GET', '/pipelines/events')).body.schedule?.cron, '0 6 * * *', 'nothing saved');
    await browser.screenshot('pipeline-versions-04-invalid-cron');
    await cron.fill('0 6 * * *');
  });

  test('triggers are added and saved; an unknown connection is shown next to its field', async () => {
    await page.getByRole('button', { name: 'Add trigger' }).click();
    await page.getByLabel('Pipeline name', { exact: true }).fill('whole');
    await page.getByRole('button', { name: 'Add trigger' }).click();
    await page.getByLabel('Trigger 2: when').selectOption('new_files');
    await page.getByLabel('Connection', { exact: true }).fill('no-such-files');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const field = page.getByLabel('Connection', { exact: true });
    await page
      .getByRole('group', { name: 'Triggers' })
      .getByText('connection "no-such-files" of the new_files trigger does not exist')
      .waitFor();
    assert.match(await page.getByRole('alert').innerText(), /PIPELINE_CONNECTION_UNKNOWN/);
    assert.equal(await field.getAttribute('aria-invalid'), 'true');

    await page.getByRole('button', { name: 'Remove trigger 2' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 5.' }).waitFor();
    const saved = await api('GET', '/pipelines/events');
    assert.deepEqual((saved.body.document.spec as { triggers?: unknown }).triggers, [
      { type: 'pipeline_succeeded', pipeline: 'whole' },
    ]);
  });

  test('the schedule is paused and resumed', async () => {
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'the schedule and triggers start no runs' }).waitFor();
    assert.equal((await api('GET', '/pipelines/events')).body.paused, true);
    await page.getByText('Paused: the schedule starts no runs until it is resumed.').waitFor();
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Active: the schedule and triggers start runs.' }).waitFor();
    assert.equal((await api('GET', '/pipelines/events')).body.paused, false);
  });

  test('a backfill is previewed, then started, and links to its run', async () => {
    await page.getByRole('button', { name: 'Backfill…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Backfill events' });
    await dialog.waitFor();
    await dialog.getByLabel('From (first day)').fill('2026-01-01');
    await dialog.getByLabel('To (last day)').fill('2026-01-10');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const confirm = dialog.getByLabel('Start 10 job runs (more than 5 partitions)');
    await confirm.waitFor();
    const startButton = dialog.getByRole('button', { name: 'Start backfill' });
    assert.equal(await startButton.isDisabled(), true, 'a large backfill waits for its confirmation');
    await confirm.check();
    assert.equal(await startButton.isDisabled(), false);

    await dialog.getByLabel('To (last day)').fill('2026-01-03');
    assert.equal(await startButton.count(), 0, 'a changed range needs a new preview');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const table = dialog.getByRole('table', { name: 'Jobs the backfill runs' });
    await table.waitFor();
    assert.match(await dialog.innerText(), /2026-01-01 to 2026-01-03: 3 partition run\(s\)/);
    assert.match(await table.innerText(), /daily[\s\S]*by day[\s\S]*2026-01-01, 2026-01-02, 2026-01-03/);
    await assertAccessible(page, 'backfill preview');
    await browser.screenshot('pipeline-versions-05-backfill-preview');

    await dialog.getByRole('button', { name: 'Start backfill' }).click();
    const link = dialog.getByRole('link', { name: /^run #\d+$/ });
    await link.waitFor();
    const href = (await link.getAttribute('href')) ?? '';
    assert.match(href, new RegExp(`^/w/${WS}/runs/[0-9a-f-]{36}$`));
    const run = await api('GET', `/runs/${href.split('/').at(-1)}`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.trigger, 'backfill');
    assert.deepEqual(run.body.backfill, { from: '2026-01-01', to: '2026-01-03', partitions: 3 });
    await browser.screenshot('pipeline-versions-06-backfill-started');

    // Without a worker the first backfill stays queued: a second one is refused while it is active.
    await dialog.getByLabel('From (first day)').fill('2026-01-04');
    await dialog.getByLabel('To (last day)').fill('2026-01-05');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByRole('button', { name: 'Start backfill' }).click();
    const refused = dialog.getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.innerText(), /The backfill did not start[\s\S]*RUN_ALREADY_ACTIVE/);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  test('a pipeline without a partitioned job: the preview shows the server code', async () => {
    await page.goto(`${server.address}/w/${WS}/pipelines/whole/schedule`);
    await page.getByRole('button', { name: 'Backfill…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Backfill whole' });
    await dialog.getByLabel('From (first day)').fill('2026-01-01');
    await dialog.getByLabel('To (last day)').fill('2026-01-01');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /BACKFILL_NOT_PARTITIONED/);
    assert.equal(await dialog.getByRole('button', { name: 'Start backfill' }).count(), 0);
    await browser.screenshot('pipeline-versions-07-backfill-not-partitioned');
  });

  test('on a tablet in the dark theme both pages fit the width and stay accessible', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const [tab, shot] of [
      ['versions', 'pipeline-versions-08-tablet-dark-versions'],
      ['schedule', 'pipeline-versions-09-tablet-dark-schedule'],
    ] as const) {
      await page.goto(`${server.address}${BASE}/${tab}`);
      await page
        .locator(tab === 'versions' ? 'tbody tr' : '#schedule-cron')
        .first()
        .waitFor();
      const overflow = await horizontalOverflow(page);
      assert.ok(overflow <= 0, `${tab}: ${overflow}px wider than the tablet`);
      await assertAccessible(page, `${tab} on a tablet, dark`);
      await browser.screenshot(shot);
    }
  });
});
