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
      { op: 'change', path: 'spec.jobs[clean].config.sql', before: 'select 2', after: long },
      { op: 'add', path: '', after: {} },
    ]);
    assert.deepEqual(lines.slice(0, 4), [
      '+ spec.jobs[orders]',
      '- spec.schedule',
      '+ spec.defaults.retries: 3',
      '~ spec.jobs[clean].config.sql: "select 1" → "select 2"',
    ]);
    const [, cut] = lines[4]!.split(' → ');
    assert.equal(cut!.length, 60);
    assert.ok(cut!.startsWith('"select x, x,') && cut!.endsWith('…'), cut);
    assert.equal(lines[5], '+ (document)');
  });

  test('redacts the values at secret paths', () => {
    const lines = formatDiff([{ op: 'change', path: 'spec.config.password', before: 'old-pw', after: 'new-pw' }], {
      redact: (path) => path.endsWith('password'),
    });
    assert.deepEqual(lines, ['~ spec.config.password: (redacted) → (redacted)']);
  });
});
