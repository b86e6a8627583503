import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createDatabase } from '../../database/database.ts';
import { pipelinesMigration } from '../../database/migrations/009_pipelines.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import type { PipelineDocument } from '../document/pipeline-document.ts';
import { createPipelineStore, type PipelineStore } from './pipeline-store.ts';

let database: TestDatabase;
let db: Knex;
let store: PipelineStore;
const WS = 'store-tests';

before(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url);
  await pipelinesMigration.up(db);
  store = createPipelineStore({ db });
});
after(async () => {
  await db?.destroy();
  await database?.drop();
});
beforeEach(async () => {
  await db('core_pipelines').delete();
});

function pipeline(name: string, jobs: string[], extra: Partial<PipelineDocument['spec']> = {}): PipelineDocument {
  return {
    apiVersion: 'assay.dev/v1',
    kind: 'Pipeline',
    metadata: { name },
    spec: { ...extra, jobs: jobs.map((id) => ({ id, operator: 'noop', output: `bronze.${id}` })) },
  };
}

const code = (expected: string) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, expected, String(error));
  return true;
};

describe('pipeline store', () => {
  test('each changed save is a new version; an unchanged one returns the current version', async () => {
    const first = await store.save(WS, pipeline('sales', ['a']), { author: 'ann', message: 'first' });
    assert.deepEqual([first.version.version, first.changed, first.created], [1, true, true]);
    assert.equal(first.pipeline.createdBy, 'ann');

    // Key order and metadata.workspace do not make a document different.
    const reordered = pipeline('sales', ['a']);
    const same = {
      spec: reordered.spec,
      metadata: { workspace: WS, name: 'sales' },
      kind: 'Pipeline',
      apiVersion: 'assay.dev/v1',
    };
    const unchanged = await store.save(WS, same as PipelineDocument, { author: 'bob', message: 'again' });
    assert.deepEqual([unchanged.version.version, unchanged.changed, unchanged.created], [1, false, false]);
    assert.equal(unchanged.version.author, 'ann', 'the current version is returned as it is');

    const second = await store.save(WS, pipeline('sales', ['a', 'b']), { author: 'bob', message: 'add b' });
    assert.deepEqual([second.version.version, second.changed], [2, true]);
    assert.equal(second.pipeline.currentVersion, 2);
    assert.equal((await db('core_pipeline_versions')).length, 2);

    const current = await store.get(WS, 'sales');
    assert.equal(current.current.version, 2);
    assert.deepEqual(
      current.current.document.spec.jobs.map((j) => j.id),
      ['a', 'b'],
    );
    assert.equal(current.current.document.metadata.workspace, undefined);
    const old = await store.get(WS, 'sales', 1);
    assert.deepEqual([old.current.version, old.current.message, old.current.author], [1, 'first', 'ann']);
  });

  test('versions are immutable: the database refuses an update', async () => {
    const saved = await store.save(WS, pipeline('immutable', ['a']), { author: 'ann' });
    await assert.rejects(
      db('core_pipeline_versions').where({ pipeline_id: saved.pipeline.id }).update({ message: 'rewritten' }),
      /immutable/,
    );
    assert.equal((await store.get(WS, 'immutable', 1)).current.message, null);
  });

  test('concurrent saves of one pipeline get distinct version numbers', async () => {
    await store.save(WS, pipeline('busy', ['a']), { author: 'ann' });
    const saves = await Promise.all(
      ['b', 'c', 'd', 'e', 'f'].map((job) => store.save(WS, pipeline('busy', ['a', job]), { author: job })),
    );
    assert.deepEqual(saves.map((s) => s.version.version).sort(), [2, 3, 4, 5, 6]);
    assert.equal((await store.get(WS, 'busy')).pipeline.currentVersion, 6);

    // Concurrent creates of one new pipeline: one creates it, the others find an equal document or a version.
    const creates = await Promise.all([1, 2, 3].map(() => store.save(WS, pipeline('fresh', ['a']), { author: 'ann' })));
    assert.equal(creates.filter((c) => c.created).length, 1);
    assert.equal(creates.filter((c) => c.changed).length, 1);
    assert.equal(
      (await db('core_pipeline_versions').join('core_pipelines', 'id', 'pipeline_id').where({ name: 'fresh' })).length,
      1,
    );
  });

  test('create and update modes insist on absence and presence', async () => {
    await store.save(WS, pipeline('once', ['a']), { author: 'ann', mode: 'create' });
    await assert.rejects(
      store.save(WS, pipeline('once', ['b']), { author: 'ann', mode: 'create' }),
      code('PIPELINE_EXISTS'),
    );
    await assert.rejects(
      store.save(WS, pipeline('missing', ['a']), { author: 'ann', mode: 'update' }),
      code('PIPELINE_NOT_FOUND'),
    );
    assert.equal((await db('core_pipelines').where({ name: 'missing' })).length, 0);
    await assert.rejects(store.save(WS, pipeline('Bad Name', ['a']), { author: 'ann' }), code('PIPELINE_NAME_INVALID'));
  });

  test('rollback adds a new version equal to the old one', async () => {
    await store.save(WS, pipeline('roll', ['a']), { author: 'ann' });
    await store.save(WS, pipeline('roll', ['a', 'b']), { author: 'ann' });
    const rolled = await store.rollback(WS, 'roll', 1, { author: 'bob' });
    assert.deepEqual(
      [rolled.version.version, rolled.changed, rolled.version.message],
      [3, true, 'Rollback to version 1'],
    );
    const v1 = await store.get(WS, 'roll', 1);
    assert.equal(rolled.version.hash, v1.current.hash);
    assert.deepEqual(rolled.version.document, v1.current.document);

    const again = await store.rollback(WS, 'roll', 1, { author: 'bob', message: 'no-op' });
    assert.deepEqual([again.version.version, again.changed], [3, false]);
    await assert.rejects(store.rollback(WS, 'roll', 9, { author: 'bob' }), code('PIPELINE_VERSION_NOT_FOUND'));
  });

  test('diff names what changed between two versions', async () => {
    await store.save(WS, pipeline('diffed', ['a']), { author: 'ann' });
    await store.save(WS, pipeline('diffed', ['a'], { schedule: { cron: '0 6 * * *' } }), { author: 'ann' });
    const diff = await store.diff(WS, 'diffed', 1);
    assert.deepEqual([diff.from, diff.to], [1, 2]);
    assert.ok(
      diff.changes.some((c) => c.path.startsWith('spec.schedule') && c.op === 'add'),
      JSON.stringify(diff.changes),
    );
    assert.deepEqual((await store.diff(WS, 'diffed', 2, 2)).changes, []);
    await assert.rejects(store.diff(WS, 'diffed', 1, 7), code('PIPELINE_VERSION_NOT_FOUND'));
  });

  test('versions page newest first with an opaque cursor', async () => {
    for (const jobs of [['a'], ['a', 'b'], ['a', 'c'], ['a', 'd'], ['a', 'e']]) {
      await store.save(WS, pipeline('paged', jobs), { author: 'ann' });
    }
    const first = await store.versions(WS, 'paged', { limit: 2 });
    assert.deepEqual(
      first.items.map((v) => v.version),
      [5, 4],
    );
    assert.ok(first.nextCursor !== null);
    const second = await store.versions(WS, 'paged', { limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      second.items.map((v) => v.version),
      [3, 2],
    );
    const third = await store.versions(WS, 'paged', { limit: 2, cursor: second.nextCursor! });
    assert.deepEqual([third.items.map((v) => v.version), third.nextCursor], [[1], null]);
    await assert.rejects(store.versions(WS, 'paged', { limit: 2, cursor: 'bogus!' }), code('CURSOR_INVALID'));
  });

  test('list shows current versions; remove deletes the pipeline with its versions; workspaces are apart', async () => {
    await store.save(WS, pipeline('one', ['a']), { author: 'ann' });
    await store.save(WS, pipeline('one', ['a', 'b']), { author: 'ann' });
    await store.save(WS, pipeline('two', ['a']), { author: 'ann' });
    await store.save('other-ws', pipeline('one', ['z']), { author: 'ann' });
    const listed = await store.list(WS);
    assert.deepEqual(
      listed.map((p) => [p.pipeline.name, p.current.version]),
      [
        ['one', 2],
        ['two', 1],
      ],
    );
    await store.remove(WS, 'one');
    await assert.rejects(store.get(WS, 'one'), code('PIPELINE_NOT_FOUND'));
    await assert.rejects(store.remove(WS, 'one'), code('PIPELINE_NOT_FOUND'));
    assert.equal((await store.get('other-ws', 'one')).current.document.spec.jobs[0]!.id, 'z');
    assert.equal((await db('core_pipeline_versions')).length, 2, 'the versions of the deleted pipeline are gone');
  });
});
