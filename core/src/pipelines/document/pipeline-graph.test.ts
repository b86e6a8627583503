import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '@assay/sdk';
import type { JobSpec } from './pipeline-document.ts';
import { buildPipelineGraph, selectJobs } from './pipeline-graph.ts';

const job = (id: string, output?: string, inputs?: string[], dependsOn?: string[]): JobSpec => ({
  id,
  operator: 'sql',
  ...(output === undefined ? {} : { output }),
  ...(inputs === undefined ? {} : { inputs }),
  ...(dependsOn === undefined ? {} : { dependsOn }),
});
const existing = new Set(['bronze.products']);
const graphOf = (...jobs: JobSpec[]) => buildPipelineGraph({ jobs }, { datasetExists: (d) => existing.has(d) });

describe('buildPipelineGraph', () => {
  test('edges come from inputs and dependsOn; the order is topological with declaration order breaking ties', () => {
    const graph = graphOf(
      job('report', 'gold.report', ['silver.sales']),
      job('pos', 'bronze.pos'),
      job('sales', 'silver.sales', ['bronze.pos', 'bronze.products']),
      job('audit', undefined, undefined, ['pos']),
      job('other', 'bronze.other'),
    );
    assert.deepEqual(graph.problems, []);
    assert.deepEqual(graph.order, ['pos', 'sales', 'report', 'audit', 'other']);
    assert.deepEqual(
      graph.jobs.map((j) => [j.id, j.index, j.upstream, j.downstream]),
      [
        ['report', 0, ['sales'], []],
        ['pos', 1, [], ['sales', 'audit']],
        ['sales', 2, ['pos'], ['report']],
        ['audit', 3, ['pos'], []],
        ['other', 4, [], []],
      ],
    );
  });

  test('an input and a dependsOn on the same job make one edge', () => {
    const graph = graphOf(job('a', 'bronze.a'), job('b', 'silver.b', ['bronze.a'], ['a']));
    assert.deepEqual(graph.jobs[1]!.upstream, ['a']);
    assert.deepEqual(graph.order, ['a', 'b']);
  });

  test('a three-job cycle is reported once, in order, at the reference that closes it', () => {
    const graph = graphOf(
      job('a', 'silver.a', ['silver.c']),
      job('b', 'silver.b', ['silver.a']),
      job('c', 'silver.c', ['silver.b']),
    );
    assert.deepEqual(graph.order, []);
    assert.equal(graph.problems.length, 1);
    const [cycle] = graph.problems;
    assert.equal(cycle!.code, 'PIPELINE_CYCLE');
    assert.equal(cycle!.path, 'spec.jobs[0].inputs[0]');
    assert.match(cycle!.message, /^jobs form a cycle: a → b → c → a;/);
  });

  test('distinct cycles are each reported, starting at their earliest job, through dependsOn too', () => {
    const graph = graphOf(
      job('x', 'silver.x'),
      job('b', 'silver.b', ['silver.a']),
      job('a', 'silver.a', ['silver.b']),
      job('d', undefined, undefined, ['e']),
      job('e', undefined, ['silver.x'], ['d']),
    );
    assert.deepEqual(
      graph.problems.map((p) => [p.code, p.path, p.message.split(';')[0]]),
      [
        ['PIPELINE_CYCLE', 'spec.jobs[1].inputs[0]', 'jobs form a cycle: b → a → b'],
        ['PIPELINE_CYCLE', 'spec.jobs[3].dependsOn[0]', 'jobs form a cycle: d → e → d'],
      ],
    );
    assert.deepEqual(graph.order, []);
  });

  test('two cycles through one job are two problems', () => {
    const graph = graphOf(
      job('a', undefined, undefined, ['b', 'c']),
      job('b', undefined, undefined, ['a']),
      job('c', undefined, undefined, ['a']),
    );
    assert.deepEqual(
      graph.problems.map((p) => p.message.split(';')[0]),
      ['jobs form a cycle: a → b → a', 'jobs form a cycle: a → c → a'],
    );
  });

  test('duplicate ids and outputs, missing inputs, unknown and self dependencies', () => {
    const graph = graphOf(
      job('load', 'bronze.orders'),
      job('load', 'bronze.other'),
      job('again', 'bronze.orders'),
      job('clean', 'silver.orders', ['bronze.orders', 'bronze.customers', 'silver.orders'], ['lod', 'clean']),
    );
    assert.deepEqual(
      graph.problems.map((p) => [p.code, p.path, p.message]),
      [
        [
          'PIPELINE_JOB_DUPLICATE',
          'spec.jobs[1].id',
          'job id "load" is used by jobs[0] and jobs[1]: give each job its own id',
        ],
        [
          'PIPELINE_OUTPUT_DUPLICATE',
          'spec.jobs[2].output',
          'jobs "load" and "again" both write bronze.orders: a dataset has one writer in a pipeline',
        ],
        [
          'PIPELINE_INPUT_MISSING',
          'spec.jobs[3].inputs[1]',
          'job "clean" reads bronze.customers, which no job of this pipeline writes and which does not exist in the workspace',
        ],
        [
          'PIPELINE_SELF_DEPENDENCY',
          'spec.jobs[3].inputs[2]',
          'job "clean" reads silver.orders, which it writes itself: a job cannot be its own input',
        ],
        [
          'PIPELINE_DEPENDENCY_UNKNOWN',
          'spec.jobs[3].dependsOn[0]',
          'job "clean" depends on "lod", which is not a job of this pipeline (jobs: load, again, clean)',
        ],
        ['PIPELINE_SELF_DEPENDENCY', 'spec.jobs[3].dependsOn[1]', 'job "clean" depends on itself'],
      ],
    );
    assert.deepEqual(graph.order, ['load', 'again', 'clean'], 'no cycle: still ordered');
    assert.deepEqual(graph.jobs[2]!.upstream, ['load'], 'the first writer of a dataset feeds its readers');
  });
});

describe('selectJobs', () => {
  const graph = graphOf(
    job('pos', 'bronze.pos'),
    job('sales', 'silver.sales', ['bronze.pos']),
    job('report', 'gold.report', ['silver.sales']),
    job('side', 'gold.side', ['bronze.pos']),
    job('other', 'bronze.other'),
  );

  test('selects the job alone, or with everything downstream or upstream, in run order', () => {
    assert.deepEqual(selectJobs(graph, 'sales', 'only'), ['sales']);
    assert.deepEqual(selectJobs(graph, 'pos', 'downstream'), ['pos', 'sales', 'report', 'side']);
    assert.deepEqual(selectJobs(graph, 'report', 'upstream'), ['pos', 'sales', 'report']);
    assert.deepEqual(selectJobs(graph, 'other', 'downstream'), ['other']);
  });

  test('an unknown job is PIPELINE_JOB_NOT_FOUND', () => {
    assert.throws(
      () => selectJobs(graph, 'salse', 'only'),
      (error: unknown) =>
        error instanceof InputError &&
        error.code === 'PIPELINE_JOB_NOT_FOUND' &&
        error.message === 'job "salse" is not in this pipeline (jobs: pos, sales, report, side, other)',
    );
  });
});
