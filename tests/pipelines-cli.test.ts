import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;
const PASSWORD = 'erp-reader-password-42';

const connection = (password: string) => `apiVersion: assay.dev/v1
kind: Connection
metadata:
  name: erp
spec:
  type: postgres
  config:
    host: db.internal
    database: erp
    user: reader
    password: ${password}
`;
const pipeline = (sql: string) => `apiVersion: assay.dev/v1
kind: Pipeline
metadata:
  name: sales
spec:
  schedule: { cron: "0 6 * * *", timezone: Europe/Amsterdam }
  jobs:
    - id: orders
      operator: extract
      connection: erp
      config: { table: public.orders }
      output: bronze.orders
    - id: clean
      operator: model
      inputs: [bronze.orders]
      config: { sql: "${sql}" }
      output: silver.orders
`;

before(async () => {
  database = await createTestDatabase();
  dir = await tempHome('assay-pipelines-cli-');
  await mkdir(join(dir, 'project', 'connections'), { recursive: true });
  await mkdir(join(dir, 'project', 'pipelines'), { recursive: true });
  await writeFile(join(dir, 'project', 'connections', 'erp.yaml'), connection('${env:ERP_PASSWORD}'));
  await writeFile(join(dir, 'project', 'pipelines', 'sales.yaml'), pipeline('SELECT * FROM bronze.orders'));
  env = {
    DATABASE_URL: database.url,
    ASSAY_HOME: join(dir, 'home'),
    ASSAY_PLUGINS: join(import.meta.dirname, 'fixtures', 'pipeline-operators-plugin'),
  };
  // The commands below use the CLI's default workspace, which a server makes with its first admin: this test
  // never starts one, so it makes the workspace from the shell.
  for (const args of [['migrate'], ['workspace', 'create', 'default']]) {
    const result = await runAssayToEnd(args, env, dir);
    assert.equal(result.code, 0, result.stderr.join('\n'));
  }
});
after(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('assay apply, export and pipeline: a project from files, idempotent, versioned', async () => {
  const project = join(dir, 'project');
  const withSecret = { ...env, ERP_PASSWORD: PASSWORD };

  const unconfirmed = await runAssayToEnd(['apply', '-f', project], withSecret, dir);
  assert.equal(unconfirmed.code, 1, unconfirmed.stdout.join('\n'));
  assert.deepEqual(unconfirmed.stdout, ['+ create connection erp', '+ create pipeline sales']);
  assert.match(
    unconfirmed.stderr.join('\n'),
    /run with --yes to apply without a prompt \[APPLY_CONFIRMATION_REQUIRED\]/,
  );

  const applied = await runAssayToEnd(['apply', '-f', project, '--yes', '--message', 'from git'], withSecret, dir);
  assert.equal(applied.code, 0, applied.stderr.join('\n'));
  assert.deepEqual(applied.stdout, [
    '+ create connection erp',
    '+ create pipeline sales',
    'Applied to workspace default: 2 to create.',
  ]);

  const again = await runAssayToEnd(['apply', '-f', project], withSecret, dir);
  assert.equal(again.code, 0, again.stderr.join('\n'));
  assert.deepEqual(again.stdout, [
    '= unchanged connection erp',
    '= unchanged pipeline sales',
    'Nothing to change: 2 unchanged.',
  ]);

  const exported = await runAssayToEnd(['export'], env, dir);
  assert.equal(exported.code, 0, exported.stderr.join('\n'));
  const yaml = exported.stdout.join('\n');
  assert.match(yaml, /password: \$\{secret:connection\.erp\.password\}/);
  assert.ok(!yaml.includes(PASSWORD), 'the export holds no secret value');
  const out = join(dir, 'exported');
  const written = await runAssayToEnd(['export', '--out', out], env, dir);
  assert.equal(written.code, 0, written.stderr.join('\n'));
  assert.match(await readFile(join(out, 'connections', 'erp.yaml'), 'utf8'), /kind: Connection/);
  assert.match(await readFile(join(out, 'pipelines', 'sales.yaml'), 'utf8'), /operator: extract/);
  const reapplied = await runAssayToEnd(['apply', '-f', out, '--prune', '--json'], env, dir);
  assert.equal(reapplied.code, 0, reapplied.stderr.join('\n'));
  const result = JSON.parse(reapplied.stdout.join('')) as { plan: Array<{ action: string }>; applied: boolean };
  assert.deepEqual([result.plan.map((entry) => entry.action), result.applied], [['unchanged', 'unchanged'], false]);

  await writeFile(join(project, 'pipelines', 'sales.yaml'), pipeline('SELECT DISTINCT * FROM bronze.orders'));
  const updated = await runAssayToEnd(['apply', '-f', project, '-y', '-m', 'distinct'], withSecret, dir);
  assert.equal(updated.code, 0, updated.stderr.join('\n'));
  assert.deepEqual(updated.stdout, [
    '= unchanged connection erp',
    '~ update pipeline sales',
    '    ~ spec.jobs[clean].config.sql: "SELECT * FROM bronze.orders" → "SELECT DISTINCT * FROM bronze.orders"',
    'Applied to workspace default: 1 to update, 1 unchanged.',
  ]);

  const versions = await runAssayToEnd(['pipeline', 'versions', 'sales', '--json'], env, dir);
  assert.equal(versions.code, 0, versions.stderr.join('\n'));
  const listed = JSON.parse(versions.stdout.join('')) as Array<{ version: number; author: string; message: string }>;
  assert.deepEqual(
    listed.map((v) => [v.version, v.author, v.message]),
    [
      [2, `cli:${userInfo().username}`, 'distinct'],
      [1, `cli:${userInfo().username}`, 'from git'],
    ],
  );
  const diff = await runAssayToEnd(['pipeline', 'diff', 'sales'], env, dir);
  assert.deepEqual(diff.stdout, [
    '# sales version 1 → 2',
    '~ spec.jobs[clean].config.sql: "SELECT * FROM bronze.orders" → "SELECT DISTINCT * FROM bronze.orders"',
  ]);
  const rolled = await runAssayToEnd(['pipeline', 'rollback', 'sales', '--to', '1'], env, dir);
  assert.equal(rolled.code, 0, rolled.stderr.join('\n'));
  assert.equal(rolled.stdout[0], 'pipeline sales: version 3 = version 1 (Rollback to version 1)');
  const shown = await runAssayToEnd(['pipeline', 'show', 'sales'], env, dir);
  assert.match(shown.stdout[0]!, /^# pipeline sales version 3 of 3/);
  assert.equal(shown.stdout[1], '# run order: orders → clean');
  assert.ok(shown.stdout.includes('        sql: SELECT * FROM bronze.orders'), shown.stdout.join('\n'));
  const list = await runAssayToEnd(['pipeline', 'list', '--json'], env, dir);
  assert.deepEqual(
    (JSON.parse(list.stdout.join('')) as Array<{ name: string; version: number }>).map((p) => [p.name, p.version]),
    [['sales', 3]],
  );
});

test('assay apply reports a missing environment variable with file and line, and applies nothing', async () => {
  const bad = join(dir, 'bad');
  await mkdir(bad, { recursive: true });
  await writeFile(join(bad, 'erp.yaml'), connection('${env:ERP_PASSWORD_MISSING}').replace('name: erp', 'name: erp2'));
  await writeFile(join(bad, 'sales.yaml'), pipeline('SELECT 1').replace('name: sales', 'name: sales2'));
  const result = await runAssayToEnd(['apply', '-f', bad, '--yes'], env, dir);
  assert.equal(result.code, 1, result.stdout.join('\n'));
  assert.deepEqual(result.stderr, [
    `${join(bad, 'erp.yaml')}:11: spec.config.password: environment variable ERP_PASSWORD_MISSING is not set ` +
      '(referenced as ${env:ERP_PASSWORD_MISSING}): set it before applying [DOCUMENT_ENV_MISSING]',
    'assay: 1 problem(s); nothing was applied [DOCUMENT_ENV_MISSING]',
  ]);
  assert.deepEqual(result.stdout, []);
  const list = await runAssayToEnd(['pipeline', 'list', '--json'], env, dir);
  assert.deepEqual(
    (JSON.parse(list.stdout.join('')) as Array<{ name: string }>).map((p) => p.name),
    ['sales'],
    'nothing of the set was applied: sales2 is valid but was not created',
  );
});
