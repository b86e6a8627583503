import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Secret, SECRET_KEYWORD, Type, type TObject } from '@assay/sdk';
import { formatProblem, type DocumentProblem } from './document-problem.ts';
import type { JobCheck, JobSpec, PipelineDocument } from './pipeline-document.ts';
import { validatePipeline, type OperatorInfo, type PipelineValidationContext } from './validate-pipeline.ts';

const sqlConfig = (extra: Record<string, ReturnType<typeof Type.Optional>> = {}) =>
  Type.Object(
    {
      sql: Type.String({ minLength: 1 }),
      write: Type.Optional(
        Type.Object(
          {
            mode: Type.Union([Type.Literal('append'), Type.Literal('merge')], { default: 'append' }),
            key: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
          },
          { additionalProperties: false },
        ),
      ),
      threads: Type.Optional(Type.Integer({ minimum: 1, default: 4 })),
      ...extra,
    },
    { additionalProperties: false },
  );

const OPERATORS: OperatorInfo[] = [
  { type: 'sql', version: 1, config: sqlConfig(), inputs: { min: 1 }, output: 'table' },
  {
    type: 'sql',
    version: 2,
    config: sqlConfig({ memo: Type.Optional(Type.String()) }),
    inputs: { min: 1 },
    output: 'table',
    partitions: {
      unsupported: (config: { write?: { mode?: string } }) =>
        config.write?.mode === 'merge' ? 'a merge cannot replace one partition' : undefined,
    },
  },
  {
    type: 'ingest',
    version: 1,
    config: Type.Object({
      connection: Type.String(),
      stream: Type.Optional(Type.String()),
      streamConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      password: Type.Optional(Secret()),
      // A secret with a default must still never be filled in by normalization.
      token: Type.Optional(Type.String({ writeOnly: true, [SECRET_KEYWORD]: true, default: 'invented' })),
    }),
    inputs: { min: 0, max: 0 },
    output: 'table',
  },
  {
    type: 'notify',
    version: 1,
    config: Type.Object({ channel: Type.String() }, { additionalProperties: false }),
    inputs: { min: 1, max: 2 },
    output: 'none',
  },
];
const CHECKS: Record<string, { config: TObject }> = {
  not_null: {
    config: Type.Object(
      { column: Type.String({ minLength: 1 }), ratio: Type.Optional(Type.Number({ default: 1 })) },
      { additionalProperties: false },
    ),
  },
};
const CONNECTIONS: Record<string, string> = { 'pos-files': 'file', erp: 'postgres' };
const STREAMS: Record<string, TObject> = {
  file: Type.Object(
    {
      path: Type.String(),
      format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' })),
    },
    { additionalProperties: false },
  ),
};

function context(overrides: Partial<PipelineValidationContext> = {}): PipelineValidationContext {
  return {
    operator: (type, version) =>
      OPERATORS.filter((o) => o.type === type && (version === undefined || o.version === version)).at(-1),
    operatorTypes: () => [...new Set(OPERATORS.map((o) => o.type))],
    operatorDisabledBy: () => undefined,
    check: (type) => CHECKS[type],
    connectionType: (name) => CONNECTIONS[name],
    connectorStreamConfig: (type) => STREAMS[type],
    datasetExists: (dataset) => dataset === 'bronze.products',
    datasetColumns: async () => undefined,
    ...overrides,
  };
}

const pipeline = (jobs: JobSpec[], spec: Partial<PipelineDocument['spec']> = {}): PipelineDocument => ({
  apiVersion: 'assay.dev/v1',
  kind: 'Pipeline',
  metadata: { name: 'retail-sales' },
  spec: { ...spec, jobs },
});
const ingest: JobSpec = {
  id: 'pos_sales',
  operator: 'ingest',
  connection: 'pos-files',
  config: { streamConfig: { path: 'sales/*.csv' } },
  output: 'bronze.pos_sales',
};
const clean: JobSpec = {
  id: 'sales_clean',
  operator: 'sql',
  inputs: ['bronze.pos_sales', 'bronze.products'],
  config: { sql: 'SELECT 1', write: { mode: 'merge', key: ['order_id'] } },
  output: 'silver.sales',
};

/** A check entry with its type's settings, which the TypeScript type of a check does not list. */
const check = (entry: Record<string, unknown>) => entry as JobCheck;
const listed = (problems: readonly DocumentProblem[]) => problems.map((p) => [p.code, p.path, p.message]);

describe('validatePipeline', () => {
  test('a valid pipeline is normalized: versions pinned, defaults applied, connection passed in config', async () => {
    const document = pipeline(
      [ingest, { ...clean, checks: [check({ check: 'not_null', column: 'order_id', action: 'quarantine' })] }],
      {
        schedule: { cron: '0 6 * * *', timezone: 'Europe/Amsterdam' },
        triggers: [{ type: 'new_files', connection: 'pos-files' }],
      },
    );
    const before = structuredClone(document);
    const { problems, graph, normalized } = await validatePipeline(document, context());
    assert.deepEqual(problems, []);
    assert.deepEqual(document, before, 'the input is not changed');
    assert.deepEqual(graph.order, ['pos_sales', 'sales_clean']);
    const [load, sql] = normalized.spec.jobs;
    assert.equal(load!.version, 1);
    assert.deepEqual(load!.config, { connection: 'pos-files', streamConfig: { path: 'sales/*.csv', format: 'csv' } });
    assert.equal(load!.connection, 'pos-files');
    assert.equal(sql!.version, 2, 'the latest version when none is given');
    assert.deepEqual(sql!.config, { sql: 'SELECT 1', write: { mode: 'merge', key: ['order_id'] }, threads: 4 });
    assert.deepEqual(sql!.checks, [{ check: 'not_null', action: 'quarantine', column: 'order_id', ratio: 1 }]);
    assert.deepEqual(normalized.spec.schedule, document.spec.schedule);
  });

  test('secrets: a reference is accepted and a default is never invented', async () => {
    const job = { ...ingest, config: { ...ingest.config, password: { $secret: 'pos-password' } } };
    const { problems, normalized } = await validatePipeline(pipeline([job]), context());
    assert.deepEqual(problems, []);
    const config = normalized.spec.jobs[0]!.config!;
    assert.deepEqual(config.password, { $secret: 'pos-password' });
    assert.equal('token' in config, false);
  });

  test('unknown operators and versions name the job and what is installed', async () => {
    const { problems } = await validatePipeline(
      pipeline([
        { ...clean, operator: 'sqll' },
        { ...clean, id: 'other', output: 'silver.other', version: 7 },
      ]),
      context({ datasetExists: () => true }),
    );
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_OPERATOR_UNKNOWN',
        'spec.jobs[0].operator',
        'job "sales_clean": operator "sqll" is not installed (installed: sql, ingest, notify)',
      ],
      [
        'PIPELINE_OPERATOR_VERSION_UNKNOWN',
        'spec.jobs[1].version',
        'job "other": operator "sql" has no version 7 (the latest installed is 2)',
      ],
    ]);
  });

  test('an operator whose plugin is disabled in the workspace is refused, naming the plugin', async () => {
    const { problems } = await validatePipeline(
      pipeline([clean]),
      context({
        datasetExists: () => true,
        operatorDisabledBy: (type) => (type === 'sql' ? 'operator-sql' : undefined),
      }),
    );
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_OPERATOR_DISABLED',
        'spec.jobs[0].operator',
        'job "sales_clean": operator "sql" comes from plugin "operator-sql", which is disabled in this workspace (Admin → Plugins)',
      ],
    ]);
  });

  test('config problems are placed below the job config; a missing config is {}', async () => {
    const { problems } = await validatePipeline(
      pipeline([
        ingest,
        { ...clean, version: 1, config: { sql: 'SELECT 1', write: { mode: 'upsert', key: [] }, memo: 'v2 only' } },
        { id: 'bare', operator: 'sql', inputs: ['bronze.products'], output: 'silver.bare' },
      ]),
      context(),
    );
    assert.deepEqual(listed(problems), [
      ['PIPELINE_CONFIG_INVALID', 'spec.jobs[1].config.memo', 'unknown property "memo" (allowed: sql, write, threads)'],
      ['PIPELINE_CONFIG_INVALID', 'spec.jobs[1].config.write.mode', 'must be one of append, merge (got "upsert")'],
      ['PIPELINE_CONFIG_INVALID', 'spec.jobs[1].config.write.key', 'must have at least 1 item'],
      ['PIPELINE_CONFIG_INVALID', 'spec.jobs[2].config.sql', 'is required'],
    ]);
    assert.equal(
      formatProblem(problems[2]!),
      'spec.jobs[1].config.write.key: must have at least 1 item [PIPELINE_CONFIG_INVALID]',
    );
  });

  test('the ingest streamConfig is checked against the connection’s connector', async () => {
    const { problems } = await validatePipeline(
      pipeline([{ ...ingest, config: { streamConfig: { format: 'xml', glob: '*' } } }]),
      context(),
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        'spec.jobs[0].config.streamConfig.path',
        'spec.jobs[0].config.streamConfig.glob',
        'spec.jobs[0].config.streamConfig.format',
      ],
    );
    assert.ok(problems.every((p) => p.code === 'PIPELINE_CONFIG_INVALID'));
  });

  test('inputs and output must fit the operator', async () => {
    const { problems } = await validatePipeline(
      pipeline([
        { ...ingest, inputs: ['bronze.products'] },
        { ...clean, inputs: [], output: undefined },
        {
          id: 'alert',
          operator: 'notify',
          config: { channel: 'ops' },
          inputs: ['bronze.products'],
          output: 'gold.alerts',
        },
        {
          id: 'alert_all',
          operator: 'notify',
          config: { channel: 'ops' },
          inputs: ['bronze.a', 'bronze.b', 'bronze.c'],
        },
      ]),
      context({ datasetExists: () => true }),
    );
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_INPUTS_INVALID',
        'spec.jobs[0].inputs',
        'job "pos_sales": operator "ingest" takes exactly 0 input dataset(s), the job lists 1',
      ],
      [
        'PIPELINE_INPUTS_INVALID',
        'spec.jobs[1].inputs',
        'job "sales_clean": operator "sql" takes at least 1 input dataset(s), the job lists 0',
      ],
      [
        'PIPELINE_OUTPUT_MISSING',
        'spec.jobs[1].output',
        'job "sales_clean": operator "sql" writes a table: name it in output (e.g. silver.orders)',
      ],
      [
        'PIPELINE_OUTPUT_UNEXPECTED',
        'spec.jobs[2].output',
        'job "alert": operator "notify" writes no dataset: remove output gold.alerts',
      ],
      [
        'PIPELINE_INPUTS_INVALID',
        'spec.jobs[3].inputs',
        'job "alert_all": operator "notify" takes 1 to 2 input dataset(s), the job lists 3',
      ],
    ]);
  });

  test('connections: conflicts, unknown names and operators that take none', async () => {
    const { problems } = await validatePipeline(
      pipeline(
        [
          { ...ingest, config: { connection: 'erp' } },
          { ...ingest, id: 'second', output: 'bronze.second', connection: 'nope' },
          { ...ingest, id: 'third', output: 'bronze.third', connection: undefined, config: { connection: 'gone' } },
          { id: 'alert', operator: 'notify', connection: 'erp', config: { channel: 'x' }, inputs: ['bronze.products'] },
        ],
        { triggers: [{ type: 'new_files', connection: 'missing-bucket' }] },
      ),
      context(),
    );
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_CONNECTION_CONFLICT',
        'spec.jobs[0].config.connection',
        'job "pos_sales": connection "pos-files" and config.connection "erp" differ: give the connection once',
      ],
      [
        'PIPELINE_CONNECTION_UNKNOWN',
        'spec.jobs[1].connection',
        'job "second": connection "nope" does not exist in the workspace or in this apply',
      ],
      [
        'PIPELINE_CONNECTION_UNKNOWN',
        'spec.jobs[2].config.connection',
        'job "third": connection "gone" does not exist in the workspace or in this apply',
      ],
      ['PIPELINE_CONFIG_INVALID', 'spec.jobs[3].connection', 'job "alert": operator "notify" takes no connection'],
      [
        'PIPELINE_CONNECTION_UNKNOWN',
        'spec.triggers[0].connection',
        'connection "missing-bucket" of the new_files trigger does not exist in the workspace or in this apply',
      ],
    ]);
  });

  test('checks must be installed and configured; with none installed every check is refused', async () => {
    const job = {
      ...clean,
      checks: [
        check({ check: 'not_null', column: '', action: 'fail' }),
        check({ check: 'unique', columns: ['order_id'] }),
      ],
    };
    const { problems } = await validatePipeline(pipeline([job]), context({ datasetExists: () => true }));
    assert.deepEqual(listed(problems), [
      ['PIPELINE_CONFIG_INVALID', 'spec.jobs[0].checks[0].column', 'must not be empty'],
      [
        'PIPELINE_CHECK_UNKNOWN',
        'spec.jobs[0].checks[1].check',
        'job "sales_clean": check type "unique" is not installed, so the check could never run: install the plugin that provides it or remove the check',
      ],
    ]);
    const none = await validatePipeline(
      pipeline([job]),
      context({ check: () => undefined, datasetExists: () => true }),
    );
    assert.deepEqual(
      none.problems.map((p) => p.code),
      ['PIPELINE_CHECK_UNKNOWN', 'PIPELINE_CHECK_UNKNOWN'],
    );
  });

  test('schedule and triggers', async () => {
    const bad = await validatePipeline(
      pipeline([clean], {
        schedule: { cron: '0 25 * * *', timezone: 'Europe/Amsterdm' },
        triggers: [
          { type: 'pipeline_succeeded', pipeline: 'retail-sales' },
          { type: 'pipeline_succeeded', pipeline: 'erp' },
        ],
      }),
      context({ datasetExists: () => true }),
    );
    assert.deepEqual(listed(bad.problems), [
      [
        'PIPELINE_SCHEDULE_INVALID',
        'spec.schedule.cron',
        '"0 25 * * *" is not a valid cron expression: hour 25 is out of range 0-23',
      ],
      [
        'PIPELINE_SCHEDULE_INVALID',
        'spec.schedule.timezone',
        '"Europe/Amsterdm" is not an IANA time zone: write one such as Europe/Amsterdam, America/New_York or UTC',
      ],
      [
        'PIPELINE_TRIGGER_INVALID',
        'spec.triggers[0].pipeline',
        'pipeline "retail-sales" cannot be triggered by its own success: every run would start the next',
      ],
    ]);
    const offset = await validatePipeline(
      pipeline([clean], { schedule: { cron: '0 6 * * *', timezone: '+01:00' } }),
      context({ datasetExists: () => true }),
    );
    assert.deepEqual(
      offset.problems.map((p) => p.path),
      ['spec.schedule.timezone'],
    );
    const utc = await validatePipeline(
      pipeline([clean], { schedule: { cron: '0 6 * * *', timezone: 'UTC' } }),
      context({ datasetExists: () => true }),
    );
    assert.deepEqual(utc.problems, []);
  });

  test('graph problems come with the rest', async () => {
    const { problems, graph } = await validatePipeline(
      pipeline([
        { ...clean, inputs: ['bronze.orders'] },
        { ...clean, id: 'again', inputs: ['silver.sales'], output: 'silver.sales' },
      ]),
      context(),
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.path]),
      [
        ['PIPELINE_OUTPUT_DUPLICATE', 'spec.jobs[1].output'],
        ['PIPELINE_INPUT_MISSING', 'spec.jobs[0].inputs[0]'],
      ],
    );
    assert.deepEqual(graph.order, ['sales_clean', 'again']);
  });

  test('partitions: the operator must support them for the config, and narrowed inputs must be inputs', async () => {
    const daily: JobSpec = {
      ...clean,
      config: { sql: 'SELECT 1' },
      partitions: { column: 'day', inputs: { 'bronze.pos_sales': 'sold_on', 'bronze.stock': 'day' } },
    };
    const { problems } = await validatePipeline(
      pipeline([
        ingest,
        daily,
        { ...clean, id: 'merged', output: 'silver.merged', partitions: { column: 'day' } },
        { ...ingest, id: 'loaded', output: 'bronze.loaded', partitions: { column: 'day' } },
      ]),
      context(),
    );
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_PARTITIONS_INVALID',
        'spec.jobs[1].partitions.inputs["bronze.stock"]',
        'job "sales_clean": bronze.stock is not one of the job\'s inputs, so it cannot be narrowed to a partition',
      ],
      [
        'PIPELINE_PARTITIONS_UNSUPPORTED',
        'spec.jobs[2].partitions',
        'job "merged": a merge cannot replace one partition: remove partitions, or change the job so it can',
      ],
      [
        'PIPELINE_PARTITIONS_UNSUPPORTED',
        'spec.jobs[3].partitions',
        'job "loaded": operator "ingest" cannot compute one partition at a time: remove partitions, or change the ' +
          'job so it can',
      ],
    ]);
  });
});
