// Backfills from the shell: a pipeline of an ingest job into Bronze, a SQL job into Silver that computes one day at
// a time (`partitions: {column: day}`) and a whole SQL job into Gold, applied and run with the real `assay` binary;
// then its Silver logic changes and `assay backfill` recomputes three of its four days, previewed, confirmed and
// watched; a wide range needs a confirmation; an ingest job cannot declare partitions.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

const WORKSPACE = 'analytics';

/** The parts of `assay runs show --json` this test looks at. */
interface Run {
  id: string;
  version: number;
  status: string;
  trigger: string;
  backfill: { from: string; to: string; partitions: number } | null;
  jobs: Array<{ jobId: string; partition: string | null; status: string; rowsWritten: number }>;
}

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;

const connection = (data: string) => `apiVersion: assay.dev/v1
kind: Connection
metadata: { name: event-files }
spec:
  type: file
  config: { source: server, root: ${JSON.stringify(data)} }
`;
/** The pipeline; `amount` is the SQL of silver.daily's amount column, `loadPartitions` adds partitions to load. */
const pipeline = (amount: string, loadPartitions = '') => `apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: events }
spec:
  jobs:
    - id: load
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
              - { name: item, type: VARCHAR }
              - { name: amount, type: INTEGER }
      output: bronze.events${loadPartitions}
    - id: daily
      operator: sql
      inputs: [bronze.events]
      partitions: { column: day }
      config:
        sql: SELECT day, count(*)::INTEGER AS orders, ${amount} AS amount FROM bronze.events GROUP BY day
      output: silver.daily
    - id: totals
      operator: sql
      inputs: [silver.daily]
      config:
        sql: SELECT count(*)::INTEGER AS days, sum(orders)::INTEGER AS orders, sum(amount)::INTEGER AS amount FROM silver.daily
      output: gold.totals
`;

before(async () => {
  database = await createTestDatabase();
  dir = await tempHome('assay-backfill-cli-');
  const data = join(dir, 'data');
  await mkdir(join(data, 'events'), { recursive: true });
  await writeFile(
    join(data, 'events', 'events-1.csv'),
    'day,item,amount\n2026-01-01,a,1\n2026-01-01,b,2\n2026-01-02,c,3\n2026-01-03,d,4\n2026-01-03,e,5\n2026-01-04,f,6\n',
  );
  await writeFile(join(dir, 'assay.yaml'), `pluginConfig:\n  connector-file: { allowedRoots: ["${data}"] }\n`);
  await mkdir(join(dir, 'project'));
  await writeFile(join(dir, 'project', 'connection.yaml'), connection(data));
  await writeFile(join(dir, 'project', 'events.yaml'), pipeline('sum(amount)::INTEGER'));
  env = { DATABASE_URL: database.url, ASSAY_HOME: join(dir, 'home'), ASSAY_CONFIG: join(dir, 'assay.yaml') };
  for (const args of [['migrate'], ['workspace', 'create', WORKSPACE]]) {
    const result = await cli(args);
    assert.equal(result.code, 0, result.stderr.join('\n'));
  }
});

after(async () => {
  await database?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runAssayToEnd(args, env, dir);
}

const output = (result: { stdout: string[]; stderr: string[] }) =>
  `${result.stdout.join('\n')}\n${result.stderr.join('\n')}`;

async function showRun(id: string): Promise<Run> {
  const shown = await cli(['runs', 'show', id, '--workspace', WORKSPACE, '--json']);
  assert.equal(shown.code, 0, shown.stderr.join('\n'));
  return JSON.parse(shown.stdout.join('')) as Run;
}

async function tableRows(dataset: string): Promise<Array<Record<string, unknown>>> {
  const read = await cli(['table', 'read', dataset, '--workspace', WORKSPACE, '--json']);
  assert.equal(read.code, 0, read.stderr.join('\n'));
  return read.stdout
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .sort((a, b) => String(a.day).localeCompare(String(b.day)));
}

describe('assay backfill from the shell', () => {
  test('after a change of Silver logic, a backfill recomputes exactly the days asked for, then Gold', async () => {
    const applied = await cli(['apply', '-f', join(dir, 'project'), '--workspace', WORKSPACE, '--yes']);
    assert.equal(applied.code, 0, output(applied));
    const first = await cli(['run', 'events', '--workspace', WORKSPACE, '--watch']);
    assert.equal(first.code, 0, output(first));
    assert.deepEqual(
      (await tableRows('silver.daily')).map((row) => [row.day, row.orders, row.amount]),
      [
        ['2026-01-01', 2, 3],
        ['2026-01-02', 1, 3],
        ['2026-01-03', 2, 9],
        ['2026-01-04', 1, 6],
      ],
    );

    // Amounts in cents from now on: the history must be recomputed.
    await writeFile(join(dir, 'project', 'events.yaml'), pipeline('(sum(amount) * 100)::INTEGER'));
    const changed = await cli(['apply', '-f', join(dir, 'project'), '--workspace', WORKSPACE, '--yes']);
    assert.equal(changed.code, 0, output(changed));

    const range = ['--from', '2026-01-01', '--to', '2026-01-03', '--workspace', WORKSPACE];
    const preview = await cli(['backfill', 'events', ...range, '--preview']);
    assert.equal(preview.code, 0, output(preview));
    assert.equal(preview.stdout[0], 'Backfill of events v2 from 2026-01-01 to 2026-01-03:');
    assert.match(preview.stdout[1]!, /^job +operator +mode +grain +partitions +rows read \(est\.\) +bytes read/);
    // The one Bronze file (6 rows) holds every day, so each of the 3 day runs reads it; Gold reads Silver whole.
    assert.match(
      preview.stdout[3]!,
      /^daily +sql +by partition +day +3: 2026-01-01 … 2026-01-03 +18 +\d+(\.\d KiB| B) +-$/,
    );
    assert.match(preview.stdout[4]!, /^totals +sql +whole +- +- +4 +\d+(\.\d KiB| B) +-$/);
    assert.deepEqual(preview.stdout.slice(5), [
      'Rewrites: silver.daily (3 partitions), gold.totals (whole)',
      'Total: 3 partition job run(s), 4 job run(s) in all',
    ]);

    const backfill = await cli(['backfill', 'events', ...range, '--yes', '--watch']);
    assert.equal(backfill.code, 0, output(backfill));
    const id = /^backfill run (\S+) of events v2 started: 3 partition job run\(s\), 4 job run\(s\) in all$/.exec(
      backfill.stdout.find((line) => line.startsWith('backfill run')) ?? '',
    )?.[1];
    assert.ok(id !== undefined, output(backfill));
    assert.ok(
      backfill.stdout.some((line) =>
        /^daily: succeeded in \d+\.\d s: 3\/3 day partitions, 3 row\(s\) written$/.test(line),
      ),
      output(backfill),
    );
    assert.ok(!backfill.stdout.some((line) => line.startsWith('daily[')), 'no line per partition when all succeed');
    assert.match(backfill.stdout.join('\n'), /^totals: succeeded in \d+\.\d s: 1 row\(s\) written/m);
    assert.match(backfill.stdout.at(-1)!, new RegExp(`^run ${id} of events v2 succeeded in \\d+\\.\\d s$`));

    const run = await showRun(id);
    assert.deepEqual(
      [run.version, run.status, run.trigger, run.backfill],
      [2, 'succeeded', 'backfill', { from: '2026-01-01', to: '2026-01-03', partitions: 3 }],
    );
    assert.deepEqual(
      run.jobs.map((job) => [job.jobId, job.partition, job.status, job.rowsWritten]),
      [
        ['daily', '2026-01-01', 'succeeded', 1],
        ['daily', '2026-01-02', 'succeeded', 1],
        ['daily', '2026-01-03', 'succeeded', 1],
        ['totals', null, 'succeeded', 1],
      ],
      'no ingest job: a backfill runs the partition-aware jobs and what is downstream of them',
    );
    const shown = await cli(['runs', 'show', id, '--workspace', WORKSPACE]);
    assert.equal(shown.stdout[1], '  backfill 2026-01-01 to 2026-01-03: 3 partition job run(s)');
    assert.match(
      shown.stdout[2]!,
      /^ {2}daily\[2026-01-01\] \(sql\): succeeded in \d+\.\d s: 1 row\(s\) written, version \d+$/,
    );

    const logs = await cli(['runs', 'logs', id, 'daily', '--partition', '2026-01-02', '--workspace', WORKSPACE]);
    assert.equal(logs.code, 0, output(logs));
    assert.match(logs.stdout.join('\n'), /INFO job started .*"partition":"2026-01-02"/);
    const unnamed = await cli(['runs', 'logs', id, 'daily', '--workspace', WORKSPACE]);
    assert.equal(unnamed.code, 1);
    assert.match(unnamed.stderr.join('\n'), /name the partition \[PARTITION_REQUIRED\]/);

    // The three days were replaced with the new logic; the fourth, outside the range, kept the old.
    assert.deepEqual(
      (await tableRows('silver.daily')).map((row) => [row.day, row.orders, row.amount]),
      [
        ['2026-01-01', 2, 300],
        ['2026-01-02', 1, 300],
        ['2026-01-03', 2, 900],
        ['2026-01-04', 1, 6],
      ],
    );
    assert.deepEqual(
      (await tableRows('gold.totals')).map((row) => [row.days, row.orders, row.amount]),
      [[4, 6, 1506]],
    );
  });

  test('a wide backfill needs a confirmation: refused without a terminal, started with --yes', async () => {
    const wide = ['backfill', 'events', '--from', '2025-10-01', '--to', '2026-01-31', '--workspace', WORKSPACE];
    const listRuns = async () => {
      const list = await cli(['runs', 'list', '--workspace', WORKSPACE, '--json']);
      return (JSON.parse(list.stdout.join('')) as { items: Array<{ id: string }> }).items.length;
    };
    const before = await listRuns();
    const refused = await cli(wide);
    assert.equal(refused.code, 1, output(refused));
    assert.ok(refused.stdout.includes('Total: 123 partition job run(s), 124 job run(s) in all'), output(refused));
    assert.ok(refused.stdout.at(-1)!.includes('more partitions than pipelines.backfillConfirmAbove (60)'));
    assert.deepEqual(refused.stderr, [
      'assay: This backfill has 123 partitions, more than pipelines.backfillConfirmAbove (60), and there is no ' +
        'terminal to ask: run with --yes to start it without a prompt (or --preview to only look at it) ' +
        '[BACKFILL_CONFIRMATION_REQUIRED]',
    ]);
    assert.equal(await listRuns(), before, 'nothing was started');

    const started = await cli([...wide, '--yes']);
    assert.equal(started.code, 0, output(started));
    const id =
      /^backfill run (\S+) of events v2 started: 123 partition job run\(s\), 124 job run\(s\) in all; a server/.exec(
        started.stdout.at(-1)!,
      )?.[1];
    assert.ok(id !== undefined, output(started));
    const cancelled = await cli(['runs', 'cancel', id, '--workspace', WORKSPACE]);
    assert.deepEqual([cancelled.code, cancelled.stdout], [0, [`run ${id} cancelled`]], output(cancelled));

    // Resuming the backfill repeats its partitions that did not succeed (all of them here).
    const resumed = await cli(['runs', 'resume', id, '--workspace', WORKSPACE]);
    assert.equal(resumed.code, 0, output(resumed));
    const again = new RegExp(
      `^run (\\S+) resumes ${id} with daily \\(123 partitions, 2025-10-01 … 2026-01-31\\), totals$`,
    );
    const resumedId = again.exec(resumed.stdout[0] ?? '')?.[1];
    assert.ok(resumedId !== undefined, output(resumed));
    const second = await showRun(resumedId);
    assert.deepEqual([second.trigger, second.backfill?.partitions, second.jobs.length], ['backfill', 123, 124]);
    const stopped = await cli(['runs', 'cancel', resumedId, '--workspace', WORKSPACE]);
    assert.equal(stopped.code, 0, output(stopped));
  });

  test('partitions on an ingest job are refused at apply time with file and line', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    const yaml = pipeline('sum(amount)::INTEGER', '\n      partitions: { column: day }').replace(
      'name: events',
      'name: events-bad',
    );
    await writeFile(join(bad, 'events.yaml'), yaml);
    const line = yaml.split('\n').findIndex((text) => text.includes('partitions: { column: day }')) + 1;
    const result = await cli(['apply', '-f', bad, '--workspace', WORKSPACE, '--yes']);
    assert.equal(result.code, 1, output(result));
    assert.deepEqual(result.stderr, [
      `${join(bad, 'events.yaml')}:${line}: spec.jobs[0].partitions: job "load": operator "ingest" cannot compute ` +
        'one partition at a time: remove partitions, or change the job so it can [PIPELINE_PARTITIONS_UNSUPPORTED]',
      'assay: 1 problem(s); nothing was applied [PIPELINE_PARTITIONS_UNSUPPORTED]',
    ]);
  });
});
