import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defineCheck, definePlugin, Type } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../engine/dataset-view.ts';
import { stagedFilesIn } from '../lake/delta-write/staged-files.ts';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { connectionYaml, FIXTURE_TOKEN, pipelineFixturePlugin, pipelineYaml } from './pipeline-fixtures.ts';

let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
const WS = 'apply-tests';
const apply = (payload: Record<string, unknown>, ws = WS) =>
  platform.inject({ method: 'POST', url: `/api/v1/workspaces/${ws}/apply`, payload });
const files = (...texts: Array<[string, string]>) => texts.map(([path, text]) => ({ path, text }));
const lines = (plan: Array<{ kind: string; name: string; action: string }>) =>
  plan.map((entry) => `${entry.action} ${entry.kind} ${entry.name}`);

/** Everything apply may write, to show that a refused apply wrote nothing. */
async function snapshot(ws = WS) {
  const { db } = platform;
  return {
    connections: await db('core_connections').where({ workspace: ws }).orderBy('name'),
    pipelines: await db('core_pipelines').where({ workspace: ws }).orderBy('name'),
    versions: await db('core_pipeline_versions')
      .join('core_pipelines', 'id', 'pipeline_id')
      .where({ workspace: ws })
      .orderBy(['name', 'version'])
      .select('name', 'version', 'hash'),
    secrets: await db('core_secrets').where({ workspace: ws }).orderBy('name').select('name', 'updated_at'),
  };
}

/** Check types shaped like the quality plugin's (config and `ui.widgets`), whose declarations validation judges. */
const qualityLikePlugin = definePlugin({
  id: 'apply-test-checks',
  platform: '^0.1.0',
  checks: [
    defineCheck({
      type: 'filled',
      version: 1,
      title: 'Filled',
      config: Type.Object({ column: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      ui: { widgets: { column: 'column' } },
      compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} IS NOT NULL` }),
    }),
    defineCheck({
      type: 'regex',
      version: 1,
      title: 'Matches',
      config: Type.Object({ column: Type.String(), pattern: Type.String() }, { additionalProperties: false }),
      ui: { widgets: { column: 'column', pattern: 'regex' } },
      compile: (ctx, config) => ({
        kind: 'row',
        predicate: `regexp_full_match(${ctx.quote(config.column)}, ${literal(config.pattern)})`,
      }),
    }),
    defineCheck({
      type: 'custom_sql',
      version: 1,
      title: 'Custom SQL',
      config: Type.Object(
        {
          predicate: Type.Optional(Type.String({ minLength: 1 })),
          expression: Type.Optional(Type.String({ minLength: 1 })),
          max: Type.Optional(Type.Number()),
        },
        { additionalProperties: false },
      ),
      ui: { widgets: { predicate: 'sql-predicate', expression: 'sql-aggregate' } },
      compile: (_ctx, config) =>
        config.predicate === undefined
          ? {
              kind: 'aggregate',
              expression: config.expression!,
              ...(config.max === undefined ? {} : { max: config.max }),
            }
          : { kind: 'row', predicate: config.predicate },
    }),
  ],
});

before(async () => {
  platform = await startCoreTestPlatform({ plugins: [pipelineFixturePlugin, qualityLikePlugin], worker: false });
  await platform.createWorkspace(WS);
});
after(() => platform?.close());

describe('apply', () => {
  const project = files(
    ['connections/files.yaml', connectionYaml('files', '/data/shop', FIXTURE_TOKEN, '  description: Shop files\n')],
    ['pipelines/sales.yaml', pipelineYaml('sales', { cron: '0 6 * * *' })],
  );

  test('plans and writes connections and pipelines; the same files again change nothing', async () => {
    const dry = await apply({ files: project, dryRun: true });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual(lines(dry.json().plan), ['create Connection files', 'create Pipeline sales']);
    assert.equal(dry.json().applied, false);
    assert.equal((await snapshot()).connections.length, 0, 'a dry run writes nothing');

    const first = await apply({ files: project, message: 'from git' });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().applied, true);
    const connection = await platform.inject(`/api/v1/workspaces/${WS}/connections/files`);
    assert.deepEqual(connection.json().config.token, { $secret: 'connection.files.token' }, 'the secret is sealed');
    assert.equal(connection.json().description, 'Shop files');
    const pipeline = (await platform.inject(`/api/v1/workspaces/${WS}/pipelines/sales`)).json();
    assert.deepEqual([pipeline.currentVersion, pipeline.version.message], [1, 'from git']);
    assert.deepEqual(pipeline.graph.order, ['sales_raw', 'sales_clean']);

    const before = await snapshot();
    const again = await apply({ files: project });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(lines(again.json().plan), ['unchanged Connection files', 'unchanged Pipeline sales']);
    assert.equal(again.json().applied, false);
    assert.deepEqual(await snapshot(), before, 'nothing was written, not even the secret');
  });

  test('changes show as updates with a diff; a new secret value never appears in it', async () => {
    const changed = files(
      [
        'connections/files.yaml',
        connectionYaml('files', '/data/shop2', 'another-token', '  description: Shop files\n'),
      ],
      ['pipelines/sales.yaml', pipelineYaml('sales', { cron: '0 7 * * *' })],
    );
    const res = await apply({ files: changed });
    assert.equal(res.statusCode, 200, res.body);
    const [connection, pipeline] = res.json().plan;
    assert.equal(connection.action, 'update');
    assert.ok(
      connection.diff.includes('~ spec.config.directory: "/data/shop" → "/data/shop2"'),
      connection.diff.join('\n'),
    );
    assert.ok(
      connection.diff.some((line: string) => line.startsWith('~ spec.config.token')),
      connection.diff.join('\n'),
    );
    assert.ok(!res.body.includes('another-token'), 'the secret value is not in the plan');
    assert.deepEqual(pipeline.diff, ['~ spec.schedule.cron: "0 6 * * *" → "0 7 * * *"']);
    assert.equal((await platform.inject(`/api/v1/workspaces/${WS}/pipelines/sales`)).json().currentVersion, 2);
    const tested = await platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/connections/files/test` });
    assert.match(tested.json().message, /token was refused/, 'the connection uses the new secret value');
    assert.equal((await apply({ files: project })).json().applied, true, 'back to the original');
  });

  test('a refused apply writes nothing: the third of four documents is invalid', async () => {
    const before = await snapshot();
    const res = await apply({
      files: files(
        ['a.yaml', connectionYaml('second', '/data/b')],
        ['b.yaml', pipelineYaml('sales', { cron: '0 8 * * *' })],
        ['c.yaml', pipelineYaml('broken', { sql: '' })],
        ['d.yaml', pipelineYaml('extra')],
      ),
    });
    assert.equal(res.statusCode, 400, res.body);
    const { error } = res.json();
    assert.equal(error.code, 'PIPELINE_CONFIG_INVALID');
    assert.deepEqual(
      error.details.problems.map((p: { file: string; line: number; path: string }) => `${p.file}:${p.line}: ${p.path}`),
      ['c.yaml:17: spec.jobs[1].config.sql'],
    );
    assert.deepEqual(await snapshot(), before, 'connections, pipelines, versions and secrets are untouched');
  });

  test('bad input is reported with file, line, path and reason', async () => {
    const problemsOf = async (payload: Record<string, unknown>) => {
      const res = await apply(payload);
      assert.equal(res.statusCode, 400, res.body);
      return res.json().error.details.problems as Array<{
        code: string;
        file?: string;
        line?: number;
        path: string;
        message: string;
      }>;
    };
    const [syntax] = await problemsOf({
      files: files(['bad.yaml', 'apiVersion: assay.dev/v1\nkind: Pipeline\nmetadata: {name: x\n']),
    });
    assert.deepEqual(
      [syntax!.code, syntax!.file, typeof syntax!.line],
      ['DOCUMENT_SYNTAX_INVALID', 'bad.yaml', 'number'],
    );

    const unknownOperator = await problemsOf({
      files: files(['p.yaml', pipelineYaml('p').replace('operator: load', 'operator: lod')]),
    });
    assert.deepEqual(
      unknownOperator.map((p) => [p.code, p.file, p.line, p.path]),
      [['PIPELINE_OPERATOR_UNKNOWN', 'p.yaml', 9, 'spec.jobs[0].operator']],
    );
    assert.match(unknownOperator[0]!.message, /installed: .*\bload\b.*\btransform\b/);

    const cyclic = await problemsOf({
      files: files([
        'cycle.yaml',
        pipelineYaml('loop').replace(
          'config: { path: "orders/*.csv" }',
          'config: { path: "x" }\n      inputs: [silver.loop]',
        ),
      ]),
    });
    assert.ok(
      cyclic.some((p) => p.code === 'PIPELINE_CYCLE' && p.file === 'cycle.yaml' && p.line !== undefined),
      JSON.stringify(cyclic),
    );

    const unknownConnection = await problemsOf({
      files: files(['p.yaml', pipelineYaml('p', { connection: 'nowhere' })]),
    });
    assert.deepEqual(
      unknownConnection.map((p) => [p.code, p.line, p.path]),
      [['PIPELINE_CONNECTION_UNKNOWN', 10, 'spec.jobs[0].connection']],
    );

    const env = await problemsOf({ files: files(['c.yaml', connectionYaml('envy', '/data', '${env:TOKEN}')]) });
    assert.deepEqual(
      env.map((p) => [p.code, p.line, p.path]),
      [['DOCUMENT_ENV_UNRESOLVED', 9, 'spec.config.token']],
    );

    const mismatch = await problemsOf({
      files: files(['m.yaml', pipelineYaml('m').replace('  name: m\n', '  name: m\n  workspace: prod\n')]),
    });
    assert.deepEqual(
      mismatch.map((p) => [p.code, p.path]),
      [['DOCUMENT_WORKSPACE_MISMATCH', 'metadata.workspace']],
    );

    const missingSecret = await problemsOf({
      files: files(['s.yaml', connectionYaml('ref', '/data', '${secret:nope}')]),
    });
    assert.deepEqual(
      missingSecret.map((p) => [p.code, p.path]),
      [['CONNECTION_SECRET_MISSING', 'spec.config.token']],
    );

    const typeChange = await problemsOf({
      files: files(['t.yaml', connectionYaml('files', '/d').replace('fixture-files', 'other')]),
    });
    assert.deepEqual(
      typeChange.map((p) => p.code),
      ['CONNECTION_TYPE_CHANGED'],
    );

    const json = await problemsOf({
      documents: [{ apiVersion: 'assay.dev/v1', kind: 'Pipeline', metadata: { name: 'j' } }],
    });
    assert.deepEqual(
      json.map((p) => [p.code, p.file, p.line, p.path]),
      [['DOCUMENT_INVALID', 'documents[0]', undefined, 'spec']],
    );

    const empty = await apply({ files: [] });
    assert.equal(empty.json().error.code, 'APPLY_EMPTY');
  });

  test('datasets written by another pipeline of the same apply, and connections of the same apply, count', async () => {
    const downstream = pipelineYaml('report').replace(
      /operator: load\n {6}connection: files\n {6}config: \{ path: "orders\/\*\.csv" \}/,
      'operator: transform\n      inputs: [silver.fresh]\n      config: { sql: "select 1" }',
    );
    const res = await apply({
      files: files(
        ['c.yaml', connectionYaml('fresh-files', '/data/f')],
        ['a.yaml', pipelineYaml('fresh', { connection: 'fresh-files' })],
        ['b.yaml', downstream],
      ),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(lines(res.json().plan), [
      'create Connection fresh-files',
      'create Pipeline fresh',
      'create Pipeline report',
    ]);
  });

  test('prune deletes what no document names, and refuses to strand a pipeline', async () => {
    const stranded = await apply({
      files: files(['p.yaml', pipelineYaml('sales', { cron: '0 6 * * *' })]),
      prune: true,
    });
    assert.equal(stranded.statusCode, 400, stranded.body);
    assert.equal(stranded.json().error.code, 'PIPELINE_CONNECTION_UNKNOWN', 'the pruned connection is still used');

    const res = await apply({ files: project, prune: true });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(lines(res.json().plan), [
      'unchanged Connection files',
      'unchanged Pipeline sales',
      'delete Connection fresh-files',
      'delete Pipeline fresh',
      'delete Pipeline report',
    ]);
    const after = await snapshot();
    assert.deepEqual(
      after.connections.map((c: { name: string }) => c.name),
      ['files'],
    );
    assert.deepEqual(
      after.pipelines.map((p: { name: string }) => p.name),
      ['sales'],
    );
    assert.ok(
      !after.secrets.some((s: { name: string }) => s.name.startsWith('connection.fresh-files.')),
      'its secrets went too',
    );
  });

  test('export applies back as a no-op, in YAML and in JSON', async () => {
    const exported = await platform.inject(`/api/v1/workspaces/${WS}/export`);
    assert.equal(exported.statusCode, 200, exported.body);
    const { yaml } = exported.json();
    assert.ok(!yaml.includes(FIXTURE_TOKEN), 'no secret value in the export');
    assert.match(yaml, /token: \$\{secret:connection\.files\.token\}/);
    assert.match(yaml, /workspace: apply-tests/);
    assert.ok(yaml.indexOf('kind: Connection') < yaml.indexOf('kind: Pipeline'), 'connections first');
    const before = await snapshot();
    const reapplied = await apply({ files: files(['export.yaml', yaml]), prune: true });
    assert.equal(reapplied.statusCode, 200, reapplied.body);
    assert.ok(
      reapplied.json().plan.every((e: { action: string }) => e.action === 'unchanged'),
      reapplied.body,
    );
    assert.deepEqual(await snapshot(), before);

    const json = await platform.inject(`/api/v1/workspaces/${WS}/export?format=json`);
    const documents = json.json().documents as Array<{ kind: string }>;
    assert.deepEqual(
      documents.map((d) => d.kind),
      ['Connection', 'Pipeline'],
    );
    const again = await apply({ documents, prune: true });
    assert.ok(
      again.json().plan.every((e: { action: string }) => e.action === 'unchanged'),
      again.body,
    );

    // Into a fresh workspace: the connection's secret reference points at a secret that is not there.
    await platform.createWorkspace('apply-copy');
    const copied = await apply(
      { files: files(['export.yaml', yaml.replaceAll('workspace: apply-tests', 'workspace: apply-copy')]) },
      'apply-copy',
    );
    assert.equal(copied.json().error.code, 'CONNECTION_SECRET_MISSING');
  });

  test('connections need connection permissions: a viewer exports pipelines only, cannot apply', async () => {
    const viewer = await platform.createMember({ workspace: WS, role: 'viewer' });
    const as = { authorization: `Bearer ${viewer.token}` };
    const exported = await platform.inject({ url: `/api/v1/workspaces/${WS}/export?format=json`, headers: as });
    assert.equal(exported.statusCode, 200, exported.body);
    assert.deepEqual(exported.json().omitted, ['Connection']);
    assert.deepEqual(
      exported.json().documents.map((d: { kind: string }) => d.kind),
      ['Pipeline'],
    );
    const applied = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/apply`,
      headers: as,
      payload: { files: project },
    });
    assert.equal(applied.statusCode, 403);
    assert.equal(applied.json().error.code, 'PERMISSION_DENIED');
  });

  test('bad checks are refused at validation, every problem at once, with job, file, line and path', async () => {
    // The output exists in the lake, so the columns the checks name are judged against its schema.
    const staging = await mkdtemp(join(tmpdir(), 'assay-apply-checks-'));
    try {
      const file = join(staging, 'orders.parquet');
      const duck = await (await DuckDBInstance.create(':memory:')).connect();
      await duck.run(`COPY (SELECT 1 AS id, 2.5 AS amount, 'open' AS status) TO ${literal(file)} (FORMAT parquet)`);
      duck.closeSync();
      await platform.platform.lake.table(WS, 'silver.checked_orders').write({
        mode: 'append',
        staged: await stagedFilesIn(file, []),
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'amount', type: 'DECIMAL(2,1)' },
          { name: 'status', type: 'VARCHAR' },
        ],
        provenance: { operation: 'WRITE', runId: 'seed' },
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const checked = pipelineYaml('checked-orders').replace(
      '        - { check: not-null, column: id, action: fail }\n',
      [
        '        - { check: filled, column: qty }',
        '        - { check: regex, column: status, pattern: "[a-" }',
        '        - { check: custom_sql, predicate: "id IN (SELECT id FROM silver.customers)" }',
        '        - { check: custom_sql, id: doubled, expression: "amount * 2", max: 10 }',
        '        - { check: filled, column: qty, where: "amount > 0" }',
        '        - { check: filled, column: status, action: fix }',
        '',
      ].join('\n'),
    );
    const mostly = pipelineYaml('lenient').replace(
      'column: id, action: fail }',
      'column: id, action: fail, mostly: 1.5 }',
    );
    const before = await snapshot();
    const res = await apply({ files: files(['checked.yaml', checked], ['lenient.yaml', mostly]) });
    assert.equal(res.statusCode, 400, res.body);
    const { error } = res.json();
    const problems = error.details.problems as Array<{
      code: string;
      file: string;
      line: number;
      path: string;
      message: string;
    }>;
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}: ${p.path} [${p.code}]`),
      [
        'checked.yaml:20: spec.jobs[1].checks[0].column [PIPELINE_CHECK_COLUMN_MISSING]',
        'checked.yaml:21: spec.jobs[1].checks[1].pattern [PIPELINE_CHECK_REGEX_INVALID]',
        'checked.yaml:22: spec.jobs[1].checks[2].predicate [PIPELINE_CHECK_SQL_INVALID]',
        'checked.yaml:23: spec.jobs[1].checks[3].expression [PIPELINE_CHECK_SQL_INVALID]',
        // Sorted by line, then column: the check's own position comes before its column's.
        'checked.yaml:24: spec.jobs[1].checks[4] [PIPELINE_CHECK_ID_DUPLICATE]',
        'checked.yaml:24: spec.jobs[1].checks[4].column [PIPELINE_CHECK_COLUMN_MISSING]',
        'checked.yaml:25: spec.jobs[1].checks[5].action [PIPELINE_CHECK_INVALID]',
        'lenient.yaml:20: spec.jobs[1].checks[0].mostly [DOCUMENT_INVALID]',
      ],
    );
    assert.equal(error.code, 'PIPELINE_CHECK_COLUMN_MISSING');
    assert.ok(
      problems
        .filter((p) => p.file === 'checked.yaml')
        .every((p) => p.message.startsWith('job "checked_orders_clean"')),
      JSON.stringify(problems),
    );
    assert.match(
      problems[0]!.message,
      /column "qty" is not a column of silver\.checked_orders \(its columns: id, amount, status\)/,
    );
    assert.match(problems[2]!.message, /use the referential check to compare with another dataset/);
    assert.match(problems[7]!.message, /must be <= 1 \(got 1\.5\)/);
    assert.deepEqual(await snapshot(), before, 'nothing was written');

    const validated = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/pipelines/validate`,
      payload: { yaml: checked },
    });
    assert.equal(validated.statusCode, 200, validated.body);
    assert.equal(validated.json().valid, false);
    const pathsAndCodes = (list: Array<{ code: string; path: string }>) =>
      list.map((p) => `${p.path} [${p.code}]`).sort();
    assert.deepEqual(
      pathsAndCodes(validated.json().problems),
      pathsAndCodes(problems.filter((p) => p.file === 'checked.yaml')),
      'the validate route reports the same problems',
    );
  });
});
