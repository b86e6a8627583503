import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRunsKit, testPipeline, type RunsKit } from './runs-test-kit.ts';

let kit: RunsKit;
before(async () => {
  kit = await startRunsKit({ workspace: 'limited', maxParallelJobsPerWorkspace: 2, concurrency: 8 });
});
after(() => kit?.close());

test('the workspace limit bounds jobs across all its runs, and every run still finishes', async () => {
  const leaves = (prefix: string) => Array.from({ length: 4 }, (_, i) => ({ id: `${prefix}_${i}`, step: { ms: 150 } }));
  await kit.save(testPipeline('north', leaves('north')));
  await kit.save(testPipeline('south', leaves('south')));
  const runs = await Promise.all(
    ['north', 'south'].map((pipeline) =>
      kit.main.runs.startRun({ workspace: kit.workspace, pipeline, trigger: 'api' }),
    ),
  );
  const finished = await Promise.all(runs.map((run) => kit.waitForRun(run.id)));
  assert.deepEqual(
    finished.map((run) => run.status),
    ['succeeded', 'succeeded'],
  );
  assert.equal(kit.recorder.maxConcurrent(), 2, 'two jobs at a time in the workspace, never more');
  assert.equal(kit.recorder.executions.length, 8);
});
