import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InputError } from '@assay/sdk';
import type { DocumentProblem } from './document-problem.ts';
import { locateProblems, parseDocuments, readDocumentFiles } from './parse-documents.ts';

const PIPELINE = `apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: retail-sales }
spec:
  schedule: { cron: "0 6 * * *", timezone: Europe/Amsterdam }
  jobs:
    - id: pos_sales
      operator: ingest
      connection: pos-files
      output: bronze.pos_sales
    - id: sales_clean
      operator: sql
      inputs: [bronze.pos_sales]
      config:
        sql: SELECT 1
        write: { mode: merge, key: [] }
      output: silver.sales
`;
const CONNECTION = `apiVersion: assay.dev/v1
kind: Connection
metadata:
  name: pos-files
spec:
  type: file
  config: { directory: /data }
`;

const codes = (problems: readonly DocumentProblem[]) => problems.map((problem) => problem.code);
const only = (problems: readonly DocumentProblem[], code: string) => {
  const found = problems.filter((problem) => problem.code === code);
  assert.equal(found.length, 1, `expected one ${code} in ${JSON.stringify(problems, null, 1)}`);
  return found[0]!;
};

describe('parseDocuments', () => {
  test('reads several YAML documents of one file, skipping empty ones, with positions', () => {
    const text = `# pipelines\n---\n${PIPELINE}---\n# nothing here\n---\n${CONNECTION}`;
    const { documents, problems } = parseDocuments([{ path: 'retail.yaml', text }]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      documents.map((d) => [d.kind, d.document.metadata.name, d.index]),
      [
        ['Pipeline', 'retail-sales', 0],
        ['Connection', 'pos-files', 1],
      ],
    );
    const pipeline = documents[0]!;
    assert.equal(pipeline.kind, 'Pipeline');
    if (pipeline.kind === 'Pipeline') assert.equal(pipeline.document.spec.jobs[1]!.id, 'sales_clean');
    assert.deepEqual(pipeline.locate('kind'), { line: 4, column: 1 });
    assert.deepEqual(pipeline.locate('spec.jobs[1].config.write.key'), { line: 18, column: 31 });
    assert.deepEqual(pipeline.locate('spec.jobs[sales_clean].output'), { line: 19, column: 7 });
    assert.deepEqual(
      pipeline.locate('spec.jobs[1].config.write.deleteWhen'),
      { line: 18, column: 9 },
      'nearest ancestor',
    );
    assert.deepEqual(documents[1]!.locate('spec.config.directory'), { line: 29, column: 13 });
  });

  test('reads JSON files and locates their paths', () => {
    const text = JSON.stringify(
      {
        apiVersion: 'assay.dev/v1',
        kind: 'Connection',
        metadata: { name: 'erp' },
        spec: { type: 'postgres', config: { host: 'db' } },
      },
      null,
      2,
    );
    const { documents, problems } = parseDocuments([{ path: 'erp.JSON', text: `\uFEFF${text}` }]);
    assert.deepEqual(problems, []);
    assert.equal(documents[0]!.kind, 'Connection');
    assert.deepEqual(documents[0]!.locate('spec.config.host'), { line: 10, column: 7 });
  });

  test('a YAML syntax error names file, line, column and reason; the file yields no documents', () => {
    const broken = `${CONNECTION}---\napiVersion: assay.dev/v1\nkind: Connection\nmetadata: { name: [x }\n---\n${CONNECTION.replace('kind: Connection', 'kind: Connection\nfoo: 1')}`;
    const { documents, problems } = parseDocuments([
      { path: 'broken.yaml', text: broken },
      { path: 'good.yaml', text: PIPELINE },
    ]);
    assert.deepEqual(
      documents.map((d) => d.file),
      ['good.yaml'],
    );
    const syntax = only(problems, 'DOCUMENT_SYNTAX_INVALID');
    assert.equal(syntax.file, 'broken.yaml');
    assert.equal(syntax.line, 11);
    assert.equal(typeof syntax.column, 'number');
    assert.match(syntax.message, /^YAML syntax error: .*flow/i);
    assert.doesNotMatch(syntax.message, /\n/);
    const later = only(problems, 'DOCUMENT_INVALID');
    assert.deepEqual(
      [later.file, later.path, later.line],
      ['broken.yaml', 'foo', 15],
      'the next document is still checked',
    );
    assert.match(later.message, /unknown property "foo" \(allowed: apiVersion, kind, metadata, spec\)/);
  });

  test('a duplicate YAML key is a syntax error at its line', () => {
    const { problems } = parseDocuments([
      { path: 'a.yaml', text: CONNECTION.replace('  type: file', '  type: file\n  type: s3') },
    ]);
    const problem = only(problems, 'DOCUMENT_SYNTAX_INVALID');
    assert.equal(problem.line, 7);
    assert.match(problem.message, /unique/);
  });

  test('JSON syntax errors carry the line JSON.parse does not give', () => {
    const cases: Array<[string, number, number, RegExp]> = [
      ['{\n  "apiVersion": "assay.dev/v1",\n  "kind": }\n', 3, 11, /expected a value, found "}"/],
      ['{\n  "a": 1,\n}', 2, 9, /trailing comma/],
      ['{\n  "a": "one\n"}', 2, 8, /unterminated string/],
      ['{"a": 1} x', 1, 10, /after the JSON value/],
      ['{\n  "a": tru\n}', 2, 8, /expected a value, found "tru"/],
      ['', 1, 1, /found end of input/],
    ];
    for (const [text, line, column, reason] of cases) {
      const problem = only(parseDocuments([{ path: 'p.json', text }]).problems, 'DOCUMENT_SYNTAX_INVALID');
      assert.deepEqual([problem.line, problem.column], [line, column], text);
      assert.match(problem.message, reason);
    }
    const duplicate = only(
      parseDocuments([{ path: 'd.json', text: '{\n"a": 1,\n"a": 2\n}' }]).problems,
      'DOCUMENT_SYNTAX_INVALID',
    );
    assert.equal(duplicate.line, 3);
    assert.match(duplicate.message, /twice/);
  });

  test('documents that are no mapping, or have no, an unknown or a mistyped kind', () => {
    const text = `- a list\n---\njust text\n---\nmetadata: { name: x }\n---\nkind: Pipline\n---\nkind: pipeline\n`;
    const { documents, problems } = parseDocuments([{ path: 'odd.yaml', text }]);
    assert.equal(documents.length, 0);
    assert.deepEqual(codes(problems), [
      'DOCUMENT_INVALID',
      'DOCUMENT_INVALID',
      'DOCUMENT_KIND_UNKNOWN',
      'DOCUMENT_KIND_UNKNOWN',
      'DOCUMENT_KIND_UNKNOWN',
    ]);
    assert.match(problems[0]!.message, /must be a mapping.*\(got a list\)/);
    assert.match(problems[1]!.message, /\(got a string\)/);
    assert.deepEqual([problems[2]!.message, problems[2]!.line], ['is required: one of Pipeline, Connection', 5]);
    assert.match(problems[3]!.message, /"Pipline" is not a document kind: use one of Pipeline, Connection$/);
    assert.equal(problems[3]!.line, 7);
    assert.match(problems[4]!.message, /did you mean Pipeline\?/);
  });

  test('another or a missing apiVersion is refused before the schema', () => {
    const { problems } = parseDocuments([
      { path: 'v2.yaml', text: PIPELINE.replace('assay.dev/v1', 'assay.dev/v2') },
      { path: 'none.yaml', text: CONNECTION.replace('apiVersion: assay.dev/v1\n', '') },
    ]);
    assert.deepEqual(codes(problems), ['DOCUMENT_API_VERSION_UNSUPPORTED', 'DOCUMENT_API_VERSION_UNSUPPORTED']);
    assert.match(problems[0]!.message, /"assay\.dev\/v2" is not supported: this Assay reads apiVersion assay\.dev\/v1/);
    assert.equal(problems[0]!.line, 1);
    assert.match(problems[1]!.message, /is required: write apiVersion: assay\.dev\/v1/);
  });

  test('schema problems have dotted paths, their lines and readable messages, sorted by line', () => {
    const text = PIPELINE.replace('metadata: { name: retail-sales }', 'metadata: { description: d }')
      .replace('      operator: sql\n', '      operator: sql\n      retries: -1\n      colour: red\n')
      .replace('timezone: Europe/Amsterdam }', 'timezone: Europe/Amsterdam, paused: maybe }');
    const { documents, problems } = parseDocuments([{ path: 'p.yaml', text }]);
    assert.equal(documents.length, 0);
    assert.deepEqual(
      problems.map((p) => [p.code, p.path, p.line, p.message]),
      [
        ['DOCUMENT_INVALID', 'metadata.name', 3, 'is required'],
        ['DOCUMENT_INVALID', 'spec.schedule.paused', 5, 'unknown property "paused" (allowed: cron, timezone)'],
        ['DOCUMENT_INVALID', 'spec.jobs[1].retries', 13, 'must be >= 0 (got -1)'],
        [
          'DOCUMENT_INVALID',
          'spec.jobs[1].colour',
          14,
          'unknown property "colour" (allowed: id, operator, version, description, connection, config, inputs, output, dependsOn, checks, partitions, retries, retryDelaySeconds, timeoutMinutes)',
        ],
      ],
    );
    const empty = parseDocuments([{ path: 'e.yaml', text: PIPELINE.replace(/ {2}jobs:[\s\S]*$/, '  jobs: []\n') }]);
    assert.deepEqual(
      empty.problems.map((p) => [p.path, p.line, p.message]),
      [['spec.jobs', 6, 'must have at least 1 item']],
    );
    const action = parseDocuments([
      { path: 'c.yaml', text: `${PIPELINE}      checks: [{ check: not_null, action: shout }]\n` },
    ]);
    assert.match(
      only(action.problems, 'DOCUMENT_INVALID').message,
      /^must be one of warn, drop, quarantine, fix, fail, gate, rollback \(got "shout"\)$/,
    );
  });

  test('two documents of one kind and name are reported with both places', () => {
    const { documents, problems } = parseDocuments([
      { path: 'a.yaml', text: PIPELINE },
      { path: 'b.yaml', text: `${CONNECTION}---\n${PIPELINE}` },
    ]);
    assert.equal(documents.length, 3, 'a connection may share a pipeline name');
    const duplicate = only(problems, 'DOCUMENT_DUPLICATE');
    assert.deepEqual([duplicate.file, duplicate.line, duplicate.path], ['b.yaml', 11, 'metadata.name']);
    assert.equal(duplicate.message, 'Pipeline "retail-sales" is defined twice, in a.yaml:3 and b.yaml:11: keep one');
  });

  test('an alias bomb is refused instead of expanded', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const name of ['b', 'c', 'd', 'e'])
      levels.push(
        `${name}: &${name} [${Array(10)
          .fill(`*${levels.at(-1)![0]}`)
          .join(', ')}]`,
      );
    const { problems } = parseDocuments([{ path: 'bomb.yaml', text: `${levels.join('\n')}\n` }]);
    assert.match(only(problems, 'DOCUMENT_SYNTAX_INVALID').message, /alias/i);
  });
});

describe('locateProblems', () => {
  test('fills file and line of path-only problems and keeps placed ones', () => {
    const [document] = parseDocuments([{ path: 'p.yaml', text: PIPELINE }]).documents;
    const placed = locateProblems(
      [
        {
          code: 'PIPELINE_CONFIG_INVALID',
          path: 'spec.jobs[1].config.write.key',
          message: 'must have at least 1 item',
        },
        { code: 'PIPELINE_CYCLE', path: 'spec.jobs[0]', message: 'x', file: 'other.yaml', line: 2, column: 1 },
        { code: 'X', path: 'not a [path', message: 'y' },
      ],
      document!,
    );
    assert.deepEqual(
      placed.map((p) => [p.file, p.line, p.column]),
      [
        ['p.yaml', 16, 31],
        ['other.yaml', 2, 1],
        ['p.yaml', undefined, undefined],
      ],
    );
  });
});

describe('readDocumentFiles', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'assay-documents-'));
    await mkdir(join(directory, 'nested', 'deeper'), { recursive: true });
    await mkdir(join(directory, '.git'));
    await mkdir(join(directory, 'node_modules', 'pkg'), { recursive: true });
    await mkdir(join(directory, 'empty'));
    for (const [path, text] of [
      ['z.yaml', PIPELINE],
      ['a.yml', CONNECTION],
      ['nested/deeper/c.json', '{}'],
      ['nested/b.yaml', CONNECTION],
      ['notes.md', '# not a document'],
      ['.git/config.yaml', 'x: 1'],
      ['node_modules/pkg/package.json', '{}'],
    ]) {
      await writeFile(join(directory, path!), text!);
    }
  });
  after(() => rm(directory, { recursive: true, force: true }));

  test('reads a directory recursively, sorted, skipping dot-directories and node_modules', async () => {
    const files = await readDocumentFiles(directory);
    assert.deepEqual(
      files.map((file) => file.path.slice(directory.length + 1)),
      ['a.yml', 'nested/b.yaml', 'nested/deeper/c.json', 'z.yaml'],
    );
    assert.equal(files[0]!.text, CONNECTION);
  });

  test('reads a single file whatever its name', async () => {
    const files = await readDocumentFiles(join(directory, 'notes.md'));
    assert.deepEqual(files, [{ path: join(directory, 'notes.md'), text: '# not a document' }]);
  });

  test('a missing path and a directory without documents are input errors', async () => {
    await assert.rejects(readDocumentFiles(join(directory, 'missing')), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.code, 'DOCUMENT_PATH_NOT_FOUND');
      assert.match(error.message, /missing does not exist/);
      return true;
    });
    await assert.rejects(readDocumentFiles(join(directory, 'empty')), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.code, 'DOCUMENT_NONE_FOUND');
      return true;
    });
  });
});
