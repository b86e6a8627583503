import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { EventBus } from '@assay/sdk';
import { incidentsCommand, type IncidentsCommandIo } from './incidents.command.ts';
import { startQualityCliKit, type QualityCliKit } from './quality-cli-test-kit.ts';

let kit: QualityCliKit;
let nulls: string;
let revenue: string;
let settled: string;

const at = (day: number) => new Date(Date.UTC(2026, 2, day, 6));

before(async () => {
  kit = await startQualityCliKit('ops');
  nulls = await kit.incident({
    dataset: 'silver.sales',
    check_id: 'not_null.order_id',
    action: 'quarantine',
    count: 5,
    pipeline: 'retail',
    job_id: 'sales_clean',
    first_run_id: 'run-1',
    last_run_id: 'run-5',
    last_seen_at: at(5),
    last_result: JSON.stringify({
      status: 'quarantined',
      checked: 10,
      failing: 2,
      failingPercent: 20,
      observed: null,
      sample: [
        { order_id: null, amount: 3 },
        { order_id: null, amount: 4 },
      ],
      version: 7,
    }),
  });
  revenue = await kit.incident({
    dataset: 'gold.revenue',
    check_id: 'revenue_sane',
    action: 'gate',
    last_seen_at: at(4),
  });
  settled = await kit.incident({
    dataset: 'silver.sales',
    check_id: 'unique.order_id',
    state: 'resolved',
    last_seen_at: at(3),
  });
});
after(() => kit?.close());

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  const io: IncidentsCommandIo = { out: (line) => void lines.push(line), err: (line) => void errors.push(line) };
  return { io, lines, errors };
}

const run = async (args: string[], starter = kit.starter()) => {
  const out = capture();
  const code = await incidentsCommand([...args, '--workspace', 'ops'], starter, out.io);
  return { code, ...out };
};
const stored = (id: string) => kit.platform.db('core_dq_incidents').where({ id }).first();

describe('assay incidents', () => {
  test('lists incidents last seen first, filtered by state and dataset, and says when there are more', async () => {
    const all = await run([]);
    assert.equal(all.code, 0);
    assert.deepEqual(kit.starts.at(-1), { workspace: 'ops', writes: false });
    assert.match(all.lines[0]!, /^id +state +dataset +check +action +count +last seen +assignee$/);
    assert.deepEqual(
      all.lines.slice(2, 5).map((line) => line.split(/ +/).slice(0, 6)),
      [
        [nulls, 'open', 'silver.sales', 'not_null.order_id', 'quarantine', '5'],
        [revenue, 'open', 'gold.revenue', 'revenue_sane', 'gate', '1'],
        [settled, 'resolved', 'silver.sales', 'unique.order_id', 'warn', '1'],
      ],
    );
    assert.equal(all.lines.at(-1), '(3 rows)');

    const open = await run(['list', '--state', 'open', '--dataset', 'silver.sales', '--json']);
    const body = JSON.parse(open.lines[0]!);
    assert.deepEqual(
      body.items.map((incident: { id: string }) => incident.id),
      [nulls],
    );
    assert.deepEqual(body.items[0].lastResult.sample, [], 'lists carry no samples, as the API’s');
    assert.equal(body.more, false);

    const first = await run(['--limit', '1']);
    assert.equal(first.lines.at(-2), '(1 row)');
    assert.match(first.lines.at(-1)!, /^More incidents match: raise --limit/);
    assert.deepEqual((await run(['--check', 'nothing'])).lines, ['No incidents match.']);
  });

  test('show prints where it failed, the latest failing rows and the notes', async () => {
    const shown = await run(['show', nulls]);
    assert.equal(shown.code, 0);
    assert.deepEqual(shown.lines.slice(0, 9), [
      `incident ${nulls}: open, 5 failing run(s)`,
      '  dataset       silver.sales',
      '  check         not_null.order_id (not_null, action quarantine)',
      '  job           retail / sales_clean',
      '  runs          first run-1, last run-5',
      `  opened        ${(await stored(nulls)).opened_at.toISOString()}`,
      '  last seen     2026-03-05T06:00:00.000Z',
      '  assignee      nobody',
      '  last result   quarantined, 2 of 10 failing (20%), version 7',
    ]);
    assert.equal(shown.lines[9], 'Failing rows of the latest failure:');
    assert.match(shown.lines[10]!, /^amount +order_id$/);
    assert.match(shown.lines[12]!, /^3 +NULL$/);
    assert.equal(shown.lines.at(-1), '(2 rows)');

    const json = JSON.parse((await run(['show', nulls, '--json'])).lines[0]!);
    assert.deepEqual([json.id, json.state, json.notes, json.lastResult.sample.length], [nulls, 'open', [], 2]);
    assert.equal(json.workspace, undefined, 'shaped as the API shows it');
  });

  test('ack acknowledges once and announces dq.incident.updated; again changes and announces nothing', async () => {
    const acked = await run(['ack', nulls]);
    assert.equal(acked.code, 0);
    assert.deepEqual(kit.starts.at(-1), { workspace: 'ops', writes: true });
    assert.deepEqual(acked.lines, [`incident ${nulls} acknowledged: silver.sales not_null.order_id`]);
    const row = await stored(nulls);
    assert.equal(row.state, 'acknowledged');
    assert.match(row.acknowledged_by, /^cli:/);
    const events = await kit.events('dq.incident.updated');
    assert.equal(events.length, 1);
    assert.deepEqual(
      [events[0]!.incidentId, events[0]!.state, events[0]!.count, events[0]!.failing, events[0]!.runId],
      [nulls, 'acknowledged', 5, 2, 'run-5'],
    );

    const again = await run(['ack', nulls]);
    assert.deepEqual([again.code, again.lines], [0, [`incident ${nulls} is already acknowledged; nothing changed`]]);
    assert.equal((await kit.events('dq.incident.updated')).length, 1);
  });

  test('assign sets the assignee and announces it; note adds a note and announces nothing', async () => {
    const assigned = await run(['assign', revenue, 'ann@example.com', '--json']);
    const body = JSON.parse(assigned.lines[0]!);
    assert.deepEqual([body.assignee, body.state], ['ann@example.com', 'open']);
    const events = await kit.events('dq.incident.updated');
    assert.deepEqual([events.at(-1)!.incidentId, events.at(-1)!.assignee], [revenue, 'ann@example.com']);

    const noted = await run(['note', revenue, 'looking at the source file']);
    assert.deepEqual(noted.lines, [`note added to ${revenue}`]);
    assert.equal((await kit.events('dq.incident.updated')).length, events.length, 'a note is no event, as in the API');
    const shown = await run(['show', revenue]);
    assert.match(shown.lines.at(-1)!, /^ {2}\d{4}-\S+ cli:\S+: looking at the source file$/);
    assert.ok(shown.lines.includes('  assignee      ann@example.com'));
  });

  test('resolve with a note announces dq.incident.resolved; a resolved incident stays resolved', async () => {
    const resolved = await run(['resolve', revenue, '--note', 'source fixed upstream']);
    assert.deepEqual(resolved.lines, [`incident ${revenue} resolved: gold.revenue revenue_sane`]);
    const row = await stored(revenue);
    assert.equal(row.state, 'resolved');
    assert.match(row.resolved_by, /^cli:/);
    const events = await kit.events('dq.incident.resolved');
    assert.deepEqual(
      events.map((event) => [event.incidentId, event.state]),
      [[revenue, 'resolved']],
    );
    const notes = await kit.platform.db('core_dq_incident_notes').where({ incident_id: revenue }).orderBy('id');
    assert.deepEqual(
      notes.map((note: { text: string }) => note.text),
      ['looking at the source file', 'source fixed upstream'],
    );

    for (const action of ['resolve', 'ack']) {
      await assert.rejects(run([action, revenue]), {
        code: 'INCIDENT_RESOLVED',
        message: /was resolved .* by cli:.*the next failure of its check opens a new one/,
      });
    }
    assert.equal((await kit.events('dq.incident.resolved')).length, 1, 'refusals announce nothing');
    assert.equal((await stored(revenue)).state, 'resolved');
  });

  test('without a bus the change is saved and nothing is announced; a failing bus is a warning', async () => {
    const quiet = await kit.incident({ dataset: 'bronze.pos', check_id: 'row_count', last_seen_at: at(1) });
    const before = (await kit.events('dq.incident.updated')).length;
    assert.equal((await run(['ack', quiet], kit.starter({ events: false }))).code, 0);
    assert.equal((await stored(quiet)).state, 'acknowledged');
    assert.equal((await kit.events('dq.incident.updated')).length, before);

    const broken: EventBus = {
      publish: async () => {
        throw new Error('bus down');
      },
      listen: () => () => undefined,
      subscribe: async () => undefined,
    };
    const assigned = await run(['assign', quiet, 'bob'], kit.starter({ events: broken }));
    assert.equal(assigned.code, 0);
    assert.deepEqual(assigned.errors, [
      `assay: warning: incident ${quiet} changed, but dq.incident.updated could not be published: bus down`,
    ]);
    assert.equal((await stored(quiet)).assignee, 'bob');
  });

  test('the real session announces on the platform’s bus', async () => {
    const fresh = await kit.incident({ dataset: 'bronze.pos', check_id: 'freshness', last_seen_at: at(2) });
    assert.equal((await run(['ack', fresh], kit.bootingStarter)).code, 0);
    const events = await kit.events('dq.incident.updated');
    assert.equal(events.at(-1)!.incidentId, fresh);
  });

  test('unknown incidents and bad arguments are refused with their codes; nothing changes', async () => {
    await assert.rejects(run(['show', randomUUID()]), {
      code: 'INCIDENT_NOT_FOUND',
      message: /^No incident \S+ in workspace ops/,
    });
    await assert.rejects(run(['ack', randomUUID()]), { code: 'INCIDENT_NOT_FOUND' });
    const before = kit.starts.length;
    const usage = async (args: string[], message?: RegExp) =>
      assert.rejects(run(args), { code: 'USAGE', ...(message === undefined ? {} : { message }) });
    await usage(['show', 'abc'], /"abc" is not an incident id/);
    await usage(['show']);
    await usage(['assign', nulls], /Usage: assay incidents/);
    await usage(['close', nulls]);
    await usage(['--state', 'closed'], /--state must be one of open, acknowledged, resolved/);
    await usage(['ack', nulls, '--state', 'open'], /filter "assay incidents list"/);
    await usage(['ack', nulls, '--note', 'x'], /--note goes with resolve/);
    await usage(['note', nulls, ' '], /1 to 10000 characters/);
    await usage(['assign', nulls, 'x'.repeat(201)], /1 to 200 characters/);
    await usage(['--limit', '500'], /--limit must be an integer from 1 to 200/);
    await assert.rejects(run(['--dataset', 'sales']), { code: 'DATASET_NAME_INVALID' });
    assert.equal(kit.starts.length, before, 'no session was started for bad arguments');
    assert.equal((await stored(nulls)).state, 'acknowledged');
  });

  test('the real session refuses changes in an unknown workspace', async () => {
    await assert.rejects(incidentsCommand(['ack', nulls, '--workspace', 'nope'], kit.bootingStarter, capture().io), {
      code: 'WORKSPACE_NOT_FOUND',
    });
  });
});
