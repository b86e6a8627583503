/// <reference types="node" />
// The builder's document operations and graph layout without a browser: adding jobs, connecting them (and the
// edges it refuses), removing them, and the columns and edges the canvas draws.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addJob,
  connect,
  emptyPipeline,
  freeJobId,
  jobIndexOf,
  removeJob,
  type OperatorInfo,
} from '../src/lib/pipelines/document.ts';
import { layoutGraph } from '../src/lib/pipelines/graph-layout.ts';

const ingest: OperatorInfo = { type: 'ingest', version: 1, category: 'bronze', inputs: { min: 0, max: 0 } };
const sql: OperatorInfo = { type: 'sql', version: 1, category: 'silver', inputs: { min: 1 } };
const metrics: OperatorInfo = { type: 'metrics', version: 2, category: 'gold', inputs: { min: 1, max: 1 } };
const greet: OperatorInfo = {
  type: 'greet',
  version: 1,
  category: 'utility',
  inputs: { min: 0, max: 0 },
  output: 'none',
};

function shop() {
  const document = emptyPipeline('shop');
  const land = addJob(document, ingest);
  const clean = addJob(document, sql, land);
  const daily = addJob(document, metrics, clean);
  return { document, land, clean, daily };
}

describe('the pipeline builder', () => {
  test('a new job gets a free id, an output in its layer, and reads the selected job', () => {
    const { document, land, clean, daily } = shop();
    assert.deepEqual(land, { id: 'ingest', operator: 'ingest', version: 1, config: {}, output: 'bronze.ingest' });
    assert.deepEqual(clean.inputs, ['bronze.ingest']);
    assert.equal(daily.output, 'gold.metrics');
    assert.equal(addJob(document, sql).id, 'sql_2');
    assert.equal(addJob(document, greet, daily).output, undefined, 'an operator writing nothing has no output');
    assert.equal(freeJobId(document, '9 Bad-Name'), 'bad_name');
  });

  test('connecting makes a job read another’s output; self, duplicate, no-output and cyclic edges are refused', () => {
    const { document, land, clean, daily } = shop();
    const other = addJob(document, sql, land);
    assert.equal(connect(document, other.id, daily.id), undefined);
    assert.deepEqual(daily.inputs, ['silver.sql', 'silver.sql_2']);
    assert.match(connect(document, daily.id, daily.id)!, /own output/);
    assert.match(connect(document, clean.id, daily.id)!, /already reads/);
    assert.match(connect(document, daily.id, clean.id)!, /cycle/);
    const quiet = addJob(document, greet);
    assert.match(connect(document, quiet.id, daily.id)!, /writes no dataset/);
    assert.match(connect(document, 'nope', daily.id)!, /Unknown job/);
  });

  test('removing a job drops it and the dependsOn naming it; readers keep the reference for the server to judge', () => {
    const { document, land, clean } = shop();
    clean.dependsOn = [land.id];
    removeJob(document, land.id);
    assert.deepEqual(
      document.spec.jobs.map((job) => job.id),
      ['sql', 'metrics'],
    );
    assert.deepEqual(clean.dependsOn, []);
    assert.deepEqual(clean.inputs, ['bronze.ingest']);
  });

  test('the graph puts jobs in layer columns, external inputs in sources, and draws every edge', () => {
    const { document, clean } = shop();
    clean.inputs = [...(clean.inputs ?? []), 'silver.customers'];
    addJob(document, greet).dependsOn = ['metrics'];
    const graph = layoutGraph(document, [ingest, sql, metrics, greet]);
    assert.deepEqual(
      graph.nodes.map((node) => [node.id, node.column]),
      [
        ['dataset:silver.customers', 'sources'],
        ['ingest', 'bronze'],
        ['sql', 'silver'],
        ['metrics', 'gold'],
        ['greet', 'silver'],
      ],
    );
    assert.deepEqual(
      graph.edges.map((edge) => `${edge.from}>${edge.to}${edge.dataset === undefined ? ' (order)' : ''}`),
      ['ingest>sql', 'dataset:silver.customers>sql', 'sql>metrics', 'metrics>greet (order)'],
    );
    const [source, land] = graph.nodes;
    assert.ok(land!.x > source!.x, 'columns run left to right');
    assert.ok(graph.width > land!.x && graph.height > land!.y);
  });

  test('problems find their job from the path', () => {
    assert.equal(jobIndexOf('spec.jobs[12].config.sql'), 12);
    assert.equal(jobIndexOf('spec.schedule.cron'), undefined);
  });
});
