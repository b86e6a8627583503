import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../queue/queue-test-kit.ts';
import { startRunsKit, testPipeline, type RunsKit } from '../pipelines/runs/runs-test-kit.ts';
import { runCommand, type RunCommandIo, type RunSessionStarter } from './run.command.ts';
import { runsCommand } from './runs.command.ts';

let kit: RunsKit;
const starts: Array<{ works: boolean; workspace: string; writes?: boolean }> = [];
// The kit's process works jobs, as `assay run --watch` does in its own process.
const starter: RunSessionStarter = async (_config, options) => {
  starts.push(options);
  return { runs: kit.main.runs, close: async () => undefined };
};

before(async () => {
  kit = await startRunsKit({ workspace: 'cli' });
  await kit.save(
    testPipeline('sales', [
      { id: 'load', step: { ms: 200, lines: 2 } },
      { id: 'clean', dependsOn: ['load'], step: { ms: 100 } },
    ]),
  );
  await kit.save(testPipeline('broken', [{ id: 'oops', step: { failTimes: 9, failClass: 'user', code: 'BAD_ROW' } }]));
  await kit.save(testPipeline('endless', [{ id: 'forever', step: { ms: 60_000 } }]));
});
after(() => kit?.close());

function capture(isTTY = false) {
  let text = '';
  let errors = '';
  const signals = new EventEmitter();
  const exits: number[] = [];
  const io: RunCommandIo = {
    out: { isTTY, columns: 100, write: (chunk: string) => void (text += chunk) },
    err: { write: (chunk: string) => void (errors += chunk) },
    signals: signals as unknown as RunCommandIo['signals'],
    exit: (code) => void exits.push(code),
  };
  return { io, signals, exits, text: () => text, errors: () => errors };
}

describe('assay run and assay runs', () => {
  test('run --watch works the jobs, prints each change and exits 0 when the run succeeded', async () => {
    const out = capture();
    const code = await runCommand(['sales', '--workspace', 'cli', '--watch'], starter, out.io);
    assert.equal(code, 0, out.text());
    assert.deepEqual(
      starts.at(-1),
      { works: true, workspace: 'cli', writes: true },
      '--watch works jobs in this process',
    );
    // The first line shows the run as the watch first sees it: a worker may have started it already.
    assert.match(out.text(), /^run \S+ \(sales v1, #1\) (queued|running)$/m);
    assert.match(out.text(), /^load: running$/m);
    assert.match(out.text(), /^load: succeeded in \d+\.\d s: 1 row\(s\) written$/m);
    assert.match(out.text(), /^clean: succeeded/m);
    assert.match(out.text(), /^run \S+ of sales v1 succeeded in \d+\.\d s$/m);
    assert.equal(out.errors(), '', 'nothing on stderr when the run succeeded');
  });

  test('a failed run exits 1 and names the failing job with its code and message on stderr', async () => {
    const out = capture();
    assert.equal(await runCommand(['broken', '--workspace', 'cli', '--watch'], starter, out.io), 1);
    assert.equal(out.errors(), 'oops: BAD_ROW: attempt 1 of oops fails on purpose\n');
    assert.match(out.text(), /^run \S+ of broken v1 failed in \d+\.\d s$/m, 'the outcome is progress: stdout');
    assert.doesNotMatch(out.text(), /BAD_ROW: attempt/, 'the failure summary is not on stdout');
    assert.match(out.text(), /oops error: attempt 1 of oops fails on purpose/, 'job errors are shown as they happen');
  });

  test('Ctrl-C cancels the run and exits 1 once it stopped; a second Ctrl-C exits at once', async () => {
    const out = capture();
    const running = runCommand(['endless', '--workspace', 'cli', '--watch'], starter, out.io);
    await waitUntil('forever runs', () => kit.recorder.of('forever').length > 0);
    out.signals.emit('SIGINT');
    assert.deepEqual(out.exits, []);
    out.signals.emit('SIGINT');
    assert.deepEqual(out.exits, [130], 'the second Ctrl-C exits');
    assert.equal(await running, 1);
    assert.match(out.text(), /cancelling the run/);
    assert.match(out.text(), /^run \S+ of endless v1 cancelled/m);
    assert.match(out.errors(), /^forever: JOB_CANCELLED/m);
  });

  test('on a terminal the jobs are a block redrawn in place, with bars for jobs that report progress', async () => {
    const out = capture(true);
    assert.equal(await runCommand(['sales', '--workspace', 'cli', '--watch'], starter, out.io), 0);
    assert.ok(out.text().includes('A\u001b[0J'), 'cursor up and clear');
    assert.match(out.text(), /✔ load +succeeded/);
    assert.match(out.text(), /\[[█░]{20}\] \d+%/);
  });

  test('without --watch, run only starts the run; --json prints it', async () => {
    const out = capture();
    assert.equal(await runCommand(['sales', '--workspace', 'cli', '--job', 'clean', '--json'], starter, out.io), 0);
    assert.deepEqual(
      starts.at(-1),
      { works: false, workspace: 'cli', writes: true },
      'nothing is worked in this process',
    );
    const run = JSON.parse(out.text());
    assert.deepEqual(run.selection, { job: 'clean', direction: 'only' });
    assert.match(run.actor, /^cli:/);
    await kit.waitForRun(run.id);
    await assert.rejects(runCommand(['sales', '--downstream'], starter, out.io), /need --job/);
    await assert.rejects(runCommand(['sales', '--version', 'x'], starter, out.io), /--version must be/);
    await assert.rejects(runCommand([], starter, out.io), /Usage: assay run/);
  });

  test('runs list, show, logs, cancel and resume', async () => {
    const listed = capture();
    assert.equal(
      await runsCommand(['list', '--workspace', 'cli', '--pipeline', 'broken', '--json'], starter, listed.io),
      0,
    );
    const [failed] = JSON.parse(listed.text()).items;
    assert.equal(failed.status, 'failed');

    const shown = capture();
    await runsCommand(['show', failed.id, '--workspace', 'cli'], starter, shown.io);
    assert.match(shown.text(), /^run \S+: broken v1 #1 failed/m);
    assert.match(shown.text(), /^ {2}oops \(test-step\): failed: BAD_ROW attempt 1 of oops fails on purpose$/m);

    const logs = capture();
    await runsCommand(['logs', failed.id, 'oops', '--workspace', 'cli'], starter, logs.io);
    assert.match(logs.text(), /\[1\] INFO job started/);
    assert.match(logs.text(), /\[1\] ERROR attempt 1 of oops fails on purpose/);

    const resumed = capture();
    assert.equal(await runsCommand(['resume', failed.id, '--workspace', 'cli', '--watch'], starter, resumed.io), 1);
    assert.deepEqual(starts.at(-1), { works: true, workspace: 'cli', writes: true });
    assert.match(resumed.text(), /^run \S+ of broken v1 failed/m);
    assert.match(resumed.errors(), /^oops: BAD_ROW: /m);

    const table = capture();
    await runsCommand(['list', '--workspace', 'cli', '--status', 'failed'], starter, table.io);
    await assert.rejects(runsCommand(['list', '--status', 'bogus'], starter, table.io), /--status must be one of/);
    await assert.rejects(
      runsCommand(['cancel', failed.id, '--workspace', 'cli'], starter, table.io),
      /already finished/,
    );
    await assert.rejects(runsCommand(['show'], starter, table.io), /Usage: assay runs/);
  });
});
