import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalDocument, diffDocuments, documentHash, formatDiff } from './document-diff.ts';

const pipeline = (jobs: unknown[], extra: Record<string, unknown> = {}) => ({
  spec: { jobs, ...extra },
  metadata: { name: 'retail' },
  kind: 'Pipeline',
  apiVersion: 'assay.dev/v1',
});

describe('canonicalDocument', () => {
  test('orders keys stably, keeps list order and drops undefined', () => {
    const document = canonicalDocument(
      pipeline([
        { output: 'silver.b', operator: 'sql', id: 'b', config: { z: 1, a: { y: 2, b: 3 } }, inputs: ['x.b', 'x.a'] },
        { id: 'a', operator: 'sql', description: undefined },
      ]),
    );
    assert.deepEqual(Object.keys(document), ['apiVersion', 'kind', 'metadata', 'spec']);
    const [first, second] = document.spec.jobs as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(first!), ['id', 'operator', 'config', 'inputs', 'output']);
    assert.deepEqual(Object.keys(first!.config as object), ['a', 'z']);
    assert.deepEqual(Object.keys((first!.config as { a: object }).a), ['b', 'y']);
    assert.deepEqual(first!.inputs, ['x.b', 'x.a']);
    assert.deepEqual(Object.keys(second!), ['id', 'operator']);
  });

  test('the hash ignores key order and sees every value', () => {
    const one = { kind: 'Pipeline', spec: { jobs: [{ operator: 'sql', id: 'a' }] } };
    const two = { spec: { jobs: [{ id: 'a', operator: 'sql' }] }, kind: 'Pipeline' };
    assert.equal(documentHash(one), documentHash(two));
    assert.match(documentHash(one), /^[0-9a-f]{64}$/);
    assert.notEqual(documentHash(one), documentHash({ ...two, spec: { jobs: [{ id: 'a', operator: 'cleanse' }] } }));
  });
});

describe('diffDocuments', () => {
  test('equal documents have no changes', () => {
    const document = pipeline([{ id: 'a', operator: 'sql' }]);
    assert.deepEqual(diffDocuments(document, structuredClone(document)), []);
  });

  test('jobs are matched by id; other lists by index', () => {
    const before = pipeline(
      [
        { id: 'load', operator: 'ingest', inputs: ['a.x'] },
        { id: 'clean', operator: 'sql', config: { sql: 'select 1' } },
        { id: 'old', operator: 'sql' },
      ],
      { schedule: { cron: '0 6 * * *' } },
    );
    const after = pipeline([
      { id: 'load', operator: 'ingest', inputs: ['a.y', 'a.z'] },
      { id: 'orders', operator: 'sql' },
      { id: 'clean', operator: 'sql', config: { sql: 'select 2' } },
    ]);
    assert.deepEqual(diffDocuments(before, after), [
      { op: 'remove', path: 'spec.jobs[old]', before: { id: 'old', operator: 'sql' } },
      { op: 'change', path: 'spec.jobs[load].inputs[0]', before: 'a.x', after: 'a.y' },
      { op: 'add', path: 'spec.jobs[load].inputs[1]', after: 'a.z' },
      { op: 'add', path: 'spec.jobs[orders]', after: { id: 'orders', operator: 'sql' } },
      { op: 'change', path: 'spec.jobs[clean].config.sql', before: 'select 1', after: 'select 2' },
      { op: 'remove', path: 'spec.schedule', before: { cron: '0 6 * * *' } },
    ]);
  });

  test('a reordering of jobs is one change of the list', () => {
    const changes = diffDocuments(
      pipeline([
        { id: 'a', operator: 'sql' },
        { id: 'b', operator: 'sql' },
      ]),
      pipeline([
        { id: 'b', operator: 'sql' },
        { id: 'a', operator: 'sql' },
      ]),
    );
    assert.deepEqual(changes, [{ op: 'change', path: 'spec.jobs', before: ['a', 'b'], after: ['b', 'a'] }]);
  });

  test('type changes, whole documents and odd keys', () => {
    assert.deepEqual(diffDocuments({ a: [1] }, { a: { x: 1 } }), [
      { op: 'change', path: 'a', before: [1], after: { x: 1 } },
    ]);
    assert.deepEqual(diffDocuments(undefined, { a: 1 }), [{ op: 'add', path: '', after: { a: 1 } }]);
    assert.deepEqual(diffDocuments({ labels: { 'team.name': 'x' } }, { labels: { 'team.name': 'y' } }), [
      { op: 'change', path: 'labels["team.name"]', before: 'x', after: 'y' },
    ]);
    assert.deepEqual(diffDocuments({ a: null }, { a: 0 }), [{ op: 'change', path: 'a', before: null, after: 0 }]);
  });
});

describe('formatDiff', () => {
  test('prints one line per change, with scalar values and long ones cut', () => {
    const long = `select ${'x, '.repeat(40)}y from t`;
    const lines = formatDiff([
      { op: 'add', path: 'spec.jobs[orders]', after: { id: 'orders' } },
      { op: 'remove', path: 'spec.schedule', before: { cron: '0 6 * * *' } },
      { op: 'add', path: 'spec.defaults.retries', after: 3 },
      { op: 'change', path: 'spec.jobs[clean].config.sql', before: 'select 1', after: 'select 2' },
      { op: 'add', path: 'spec.jobs[clean].config.sql', after: long },
      { op: 'change', path: 'spec.defaults.retries', before: 2, after: { times: 3, backoff: long } },
      { op: 'add', path: '', after: {} },
    ]);
    assert.deepEqual(lines.slice(0, 4), [
      '+ spec.jobs[orders]',
      '- spec.schedule',
      '+ spec.defaults.retries: 3',
      '~ spec.jobs[clean].config.sql: "select 1" → "select 2"',
    ]);
    const added = lines[4]!.slice('+ spec.jobs[clean].config.sql: '.length);
    assert.equal(added.length, 60);
    assert.ok(added.startsWith('"select x, x,') && added.endsWith('…'), added);
    const [, object] = lines[5]!.split(' → ');
    assert.equal(object!.length, 60, 'values that are not strings are cut as before');
    assert.equal(lines[6], '+ (document)');
    assert.equal(lines.length, 7);
  });

  test('two long strings that differ are shown around the first difference, the common start elided', () => {
    const sql = (amount: number) =>
      `SELECT o.order_id, o.customer_id, o.amount FROM orders WHERE amount > ${amount} AND status = 'paid'`;
    const [line, ...more] = formatDiff([
      { op: 'change', path: 'spec.jobs[clean].config.sql', before: sql(10), after: sql(20) },
    ]);
    assert.deepEqual(more, []);
    assert.equal(
      line,
      `~ spec.jobs[clean].config.sql: "…FROM orders WHERE amount > 10 AND status = 'paid'" → ` +
        `"…FROM orders WHERE amount > 20 AND status = 'paid'"`,
    );

    // A difference in the middle of a long text: both ends elided, both sides at most 60 characters.
    const text = (word: string) => `${'a'.repeat(80)} ${word} ${'z'.repeat(80)}`;
    const [middle] = formatDiff([{ op: 'change', path: 'x', before: text('alpha'), after: text('beta') }]);
    const [from, to] = middle!.slice('~ x: '.length).split(' → ');
    assert.ok(from!.startsWith('"…a') && from!.includes(' alpha z') && from!.endsWith('z…"'), from);
    assert.ok(to!.startsWith('"…a') && to!.includes(' beta z') && to!.endsWith('z…"'), to);
    assert.ok(from!.length <= 60 && to!.length <= 60, `${from!.length} ${to!.length}`);

    // Text appended to a long value: the window moves to the end, so the added text shows.
    const [appended] = formatDiff([{ op: 'change', path: 'x', before: sql(10), after: `${sql(10)} LIMIT 5` }]);
    assert.match(appended!, /^~ x: "….*'paid'" → "….*'paid' LIMIT 5"$/);

    // JSON escapes stay intact and a quote inside the value is escaped.
    const [quoted] = formatDiff([
      { op: 'change', path: 'x', before: `${'b'.repeat(70)} "old"`, after: `${'b'.repeat(70)} "new"` },
    ]);
    assert.match(quoted!, /^~ x: "…b+ \\"old\\"" → "…b+ \\"new\\""$/);
  });

  test('multi-line strings show the changed lines, numbered as in each version', () => {
    const before = ['SELECT o.order_id,', '       o.amount', 'FROM bronze.orders o', 'WHERE o.amount > 10', ''];
    const after = [
      'SELECT o.order_id,',
      '       c.country,',
      '       o.amount',
      'FROM bronze.orders o',
      'WHERE o.amount > 20',
      '',
    ];
    const lines = formatDiff([
      { op: 'change', path: 'spec.jobs[clean].config.sql', before: before.join('\n'), after: after.join('\n') },
      { op: 'change', path: 'spec.jobs[x].config.sql', before: 'select 1', after: 'select 1\nunion all select 2' },
      { op: 'change', path: 'spec.jobs[y].config.sql', before: 'a\nb\nc', after: 'a\nc' },
    ]);
    assert.deepEqual(lines, [
      '~ spec.jobs[clean].config.sql: 1 line removed, 2 added',
      '    + line 2:        c.country,',
      '    - line 4: WHERE o.amount > 10',
      '    + line 5: WHERE o.amount > 20',
      '~ spec.jobs[x].config.sql: 1 line added',
      '    + line 2: union all select 2',
      '~ spec.jobs[y].config.sql: 1 line removed',
      '    - line 2: b',
    ]);
  });

  test('multi-line: long changed lines around their difference, control characters escaped, at most 20 lines', () => {
    const long = (word: string) => `${'s'.repeat(150)} ${word} ${'t'.repeat(150)}`;
    const [, removed, added] = formatDiff([
      { op: 'change', path: 'x', before: `a\n${long('alpha')}`, after: `a\n${long('beta')}` },
    ]);
    assert.match(removed!, /^ {4}- line 2: …s+ alpha t+…$/);
    assert.match(added!, /^ {4}\+ line 2: …s+ beta t+…$/);
    assert.ok(removed!.length <= '    - line 2: '.length + 102, removed);

    const escaped = formatDiff([{ op: 'change', path: 'x', before: 'a\nb', after: 'a\n\u001b[2Jb\t' }]);
    assert.deepEqual(escaped.slice(1), ['    - line 2: b', '    + line 2: \\u001b[2Jb\\t']);

    const numbers = (from: number) => Array.from({ length: 30 }, (_, i) => `row ${from + i}`).join('\n');
    const many = formatDiff([{ op: 'change', path: 'x', before: numbers(0), after: numbers(100) }]);
    assert.equal(many[0], '~ x: 30 lines removed, 30 added');
    assert.equal(many.length, 1 + 20 + 1);
    assert.equal(many[1], '    - line 1: row 0');
    assert.equal(many.at(-1), '    … 40 more changed line(s)');
  });

  test('a very large multi-line change is shown as replaced, without a line-by-line diff', () => {
    const big = (prefix: string) => Array.from({ length: 1500 }, (_, i) => `${prefix} ${i}`).join('\n');
    const started = performance.now();
    const lines = formatDiff([{ op: 'change', path: 'x', before: big('a'), after: big('b') }]);
    assert.ok(performance.now() - started < 2000);
    assert.equal(lines[0], '~ x: 1500 lines removed, 1500 added');
    assert.equal(lines.at(-1), '    … 2980 more changed line(s)');
  });

  test('redacts the values at secret paths', () => {
    const lines = formatDiff([{ op: 'change', path: 'spec.config.password', before: 'old-pw', after: 'new-pw' }], {
      redact: (path) => path.endsWith('password'),
    });
    assert.deepEqual(lines, ['~ spec.config.password: (redacted) → (redacted)']);
  });
});
