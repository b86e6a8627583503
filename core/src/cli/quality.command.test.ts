import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { qualityCommand } from './quality.command.ts';
import { startQualityCliKit, type QualityCliKit } from './quality-cli-test-kit.ts';

let kit: QualityCliKit;
const T1 = new Date('2026-03-01T06:00:00Z');
const T2 = new Date('2026-03-02T06:00:00Z');

before(async () => {
  kit = await startQualityCliKit('dq');
  await kit.commit('gold.revenue', 3);
  // v2 failed its gate: readers stay on v1.
  await kit.platform.lake.publications.hold('dq', 'gold.revenue', {
    published: 1,
    held: 2,
    checks: ['revenue_sane'],
    runId: 'run-2',
  });
  const sample = JSON.stringify([{ day: '2026-03-02', revenue: -5 }]);
  for (const [run, at, failing] of [
    ['run-1', T1, 0],
    ['run-2', T2, 1],
  ] as const) {
    await kit.result({ dataset: 'gold.revenue', check_id: 'row_count', run_id: run, observed_at: at, observed: 4 });
    await kit.result({
      dataset: 'gold.revenue',
      check_id: 'revenue_sane',
      check_type: 'sum',
      kind: 'aggregate',
      action: 'gate',
      weight: 3,
      status: failing > 0 ? 'gated' : 'passed',
      checked: 1,
      failing,
      failing_percent: failing * 100,
      observed: failing > 0 ? -5 : 120.5,
      note: failing > 0 ? 'below the minimum 0' : null,
      sample: failing > 0 ? sample : '[]',
      delta_version: failing > 0 ? 2 : 1,
      run_id: run,
      observed_at: at,
    });
  }
  await kit.incident({ dataset: 'gold.revenue', check_id: 'revenue_sane', action: 'gate' });
  await kit.incident({ dataset: 'gold.revenue', check_id: 'row_count', state: 'resolved' });
});
after(() => kit?.close());

function capture() {
  const lines: string[] = [];
  return { lines, print: (line: string) => void lines.push(line) };
}

describe('assay quality', () => {
  test('shows the published, latest and held versions, the score and the latest result of each check', async () => {
    const out = capture();
    assert.equal(await qualityCommand(['gold.revenue', '--workspace', 'dq'], kit.starter(), out.print), 0);
    assert.deepEqual(kit.starts.at(-1), { workspace: 'dq', writes: false }, 'reads only');
    assert.deepEqual(out.lines.slice(0, 7), [
      'gold.revenue in workspace dq',
      '  published   v1 (what readers, downstream jobs and the API see)',
      '  latest      v2',
      '  held        v2 by revenue_sane (run run-2); "assay publish gold.revenue" approves it',
      // row_count weighs 1 and passed, revenue_sane weighs 3 and failed: 1 of 4.
      '  score       25 (latest run run-2: 1 passed, 1 failed); before: 100',
      '  incidents   1 open: assay incidents --dataset gold.revenue --workspace dq',
      '',
    ]);
    assert.match(out.lines[7]!, /^check +type +action +status +failing +observed +note +version +at$/);
    assert.match(
      out.lines[9]!,
      /^revenue_sane +sum +gate +gated +1\/1 \(100%\) +-5 +below the minimum 0 +2 +2026-03-02T06:00:00\.000Z$/,
    );
    assert.match(out.lines[10]!, /^row_count +row_count +warn +passed +0\/10 \(0%\) +4 +2026-03-02T06:00:00\.000Z$/);
    assert.equal(out.lines.at(-1), '(2 rows)');
  });

  test('--json answers what the API answers, failing samples included', async () => {
    const out = capture();
    assert.equal(await qualityCommand(['gold.revenue', '--workspace', 'dq', '--json'], kit.starter(), out.print), 0);
    const body = JSON.parse(out.lines.join('\n'));
    assert.deepEqual(
      [body.dataset, body.publishedVersion, body.latestVersion, body.held, body.score, body.openIncidents],
      ['gold.revenue', 1, 2, { version: 2, checks: ['revenue_sane'], runId: 'run-2' }, 25, 1],
    );
    assert.deepEqual(
      body.scores.map((point: { runId: string; score: number }) => [point.runId, point.score]),
      [
        ['run-2', 25],
        ['run-1', 100],
      ],
    );
    const sane = body.checks.find((check: { checkId: string }) => check.checkId === 'revenue_sane');
    assert.deepEqual([sane.status, sane.observed, sane.version], ['gated', -5, 2]);
    assert.deepEqual(sane.sample, [{ day: '2026-03-02', revenue: -5 }]);

    const fewer = capture();
    await qualityCommand(['gold.revenue', '--workspace', 'dq', '--json', '--runs', '1'], kit.starter(), fewer.print);
    assert.equal(JSON.parse(fewer.lines[0]!).scores.length, 1, '--runs limits the score points');
  });

  test('a dataset with nothing held and no checks yet says so', async () => {
    await kit.commit('silver.plain', 1);
    const out = capture();
    assert.equal(await qualityCommand(['silver.plain', '--workspace', 'dq'], kit.starter(), out.print), 0);
    assert.deepEqual(out.lines, [
      'silver.plain in workspace dq',
      '  published   v0 (what readers, downstream jobs and the API see)',
      '  latest      v0',
      '  held        nothing',
      '  score       none yet: no check ran',
      '  incidents   none open',
    ]);
  });

  test('--check shows one check’s results newest first; --limit bounds them', async () => {
    const out = capture();
    const args = ['gold.revenue', '--workspace', 'dq', '--check', 'revenue_sane'];
    assert.equal(await qualityCommand(args, kit.starter(), out.print), 0);
    assert.equal(out.lines[0], 'revenue_sane (sum, action gate) on gold.revenue, newest first:');
    assert.match(out.lines[1]!, /^at +run +partition +version +status +failing +observed +baseline +note$/);
    assert.match(out.lines[3]!, /^2026-03-02T06:00:00\.000Z +run-2 +2 +gated +1\/1 \(100%\) +-5 +below the minimum 0$/);
    assert.match(out.lines[4]!, /^2026-03-01T06:00:00\.000Z +run-1 +1 +passed +0\/1 \(0%\) +120\.5$/);
    assert.equal(out.lines.at(-1), '(2 rows)');

    const json = capture();
    assert.equal(await qualityCommand([...args, '--limit', '1', '--json'], kit.starter(), json.print), 0);
    const { items } = JSON.parse(json.lines[0]!);
    assert.deepEqual(
      items.map((item: { runId: string }) => item.runId),
      ['run-2'],
    );
  });

  test('a dataset or check without anything to show is not found, with the API’s codes', async () => {
    await assert.rejects(qualityCommand(['gold.nothing', '--workspace', 'dq'], kit.starter(), capture().print), {
      code: 'DATASET_NOT_FOUND',
      message: 'No dataset gold.nothing in workspace dq',
    });
    await assert.rejects(
      qualityCommand(['gold.revenue', '--workspace', 'dq', '--check', 'unique.id'], kit.starter(), capture().print),
      { code: 'CHECK_RESULTS_NOT_FOUND', message: /Check "unique\.id" has no results on gold\.revenue/ },
    );
  });

  test('bad arguments are refused before a platform starts', async () => {
    const before = kit.starts.length;
    const refused = async (args: string[], expected: { code: string; message?: RegExp }) =>
      assert.rejects(qualityCommand(args, kit.starter(), capture().print), expected);
    await refused(['Gold.Revenue'], { code: 'DATASET_NAME_INVALID', message: /must be named layer\.name/ });
    await refused([], { code: 'USAGE', message: /Usage: assay quality/ });
    await refused(['gold.a', 'gold.b'], { code: 'USAGE' });
    await refused(['gold.revenue', '--limit', '5'], { code: 'USAGE', message: /--limit goes with --check/ });
    await refused(['gold.revenue', '--check', 'x', '--runs', '5'], { code: 'USAGE', message: /--runs/ });
    await refused(['gold.revenue', '--check', 'x', '--limit', '0'], { code: 'USAGE', message: /from 1 to 1000/ });
    await refused(['gold.revenue', '--runs', 'many'], { code: 'USAGE', message: /--runs must be an integer/ });
    assert.equal(kit.starts.length, before, 'no session was started');
  });

  test('the real session refuses a workspace that does not exist', async () => {
    await assert.rejects(qualityCommand(['gold.revenue', '--workspace', 'nope'], kit.bootingStarter, capture().print), {
      code: 'WORKSPACE_NOT_FOUND',
    });
    const out = capture();
    assert.equal(await qualityCommand(['gold.revenue', '--workspace', 'dq'], kit.bootingStarter, out.print), 0);
    assert.equal(out.lines[2], '  latest      v2', 'it reads the same database and lake');
  });
});
