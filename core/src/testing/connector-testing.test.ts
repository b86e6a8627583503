import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { defineConnector, Type } from '@assay/sdk';
import { Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { createConnectorContext, describeItem, itemRows, readAll } from './connector-testing.ts';

/** Yields one CSV page per state, from the page after the state's `page`. */
const pagesConnector = defineConnector({
  type: 'pages',
  version: 1,
  title: 'Pages',
  config: Type.Object({ pages: Type.Number() }),
  async check() {
    return { ok: true, message: 'fine' };
  },
  async discover() {
    return [];
  },
  async *read(ctx, config, _stream, state) {
    for (let page = Number(state?.page ?? 0) + 1; page <= config.pages; page++) {
      const path = join(ctx.workDir, `page-${page}.csv`);
      await writeFile(path, `id,name\n${page},p${page}\nbad,row\n`);
      yield { kind: 'file', path, format: 'csv', source: `pages/${page}` };
      yield { kind: 'state', state: { page } };
    }
    const batch = new Table({
      id: vectorFromArray([100], new Int32()),
      name: vectorFromArray(['batch'], new Utf8()),
    }).batches[0]!;
    yield { kind: 'batch', batch, source: 'pages/batch' };
  },
});

describe('connector testing kit', () => {
  test('createConnectorContext: a work directory that dispose() removes, describeFile through the readers', async () => {
    const ctx = await createConnectorContext({ pluginConfig: { root: '/data' } });
    assert.deepEqual(ctx.pluginConfig, { root: '/data' });
    assert.equal(ctx.signal.aborted, false);
    assert.equal(ctx.uploadsDir, join(ctx.workDir, '.uploads'));
    const path = join(ctx.workDir, 'a.csv');
    await writeFile(path, 'id,when\n1,2024-01-02\n');
    assert.deepEqual(await ctx.describeFile({ path, format: 'csv' }), [
      { name: 'id', type: 'BIGINT', nullable: true },
      { name: 'when', type: 'DATE', nullable: true },
    ]);
    await writeFile(path, `id,when\n${Array.from({ length: 30 }, (_, i) => `${i},2024-01-02`).join('\n')}\nx,bad\n`);
    const sample = await ctx.sampleFile({ path, format: 'csv' }, 3);
    assert.deepEqual(sample, [
      { id: '0', when: '2024-01-02' },
      { id: '1', when: '2024-01-02' },
      { id: '2', when: '2024-01-02' },
    ]);
    assert.equal((await ctx.sampleFile({ path, format: 'csv' }, 500)).length, 20, 'never more than 20 rows');
    await ctx.dispose();
    await assert.rejects(access(ctx.workDir), { code: 'ENOENT' });
  });

  test('readAll collects every item and the last state, and resumes from a given state', async () => {
    const ctx = await createConnectorContext();
    try {
      const all = await readAll(pagesConnector, ctx, { pages: 3 }, { name: 'p' });
      assert.deepEqual(
        all.items.map((i) => i.kind),
        ['file', 'state', 'file', 'state', 'file', 'state', 'batch'],
      );
      assert.deepEqual(all.state, { page: 3 });
      const resumed = await readAll(pagesConnector, ctx, { pages: 3 }, { name: 'p' }, { page: 2 });
      assert.deepEqual(
        resumed.items.filter((i) => i.kind === 'file').map((i) => i.source),
        ['pages/3'],
      );
      assert.deepEqual(resumed.state, { page: 3 });
    } finally {
      await ctx.dispose();
    }
  });

  test('itemRows loads files and batches through the real readers, with rejects; describeItem', async () => {
    const ctx = await createConnectorContext();
    try {
      const { items } = await readAll(pagesConnector, ctx, { pages: 1 }, { name: 'p' });
      const [file, , batch] = items;
      assert.ok(file?.kind === 'file' && batch?.kind === 'batch');
      assert.deepEqual(
        (await describeItem(file)).map((c) => `${c.name}:${c.type}`),
        ['id:VARCHAR', 'name:VARCHAR'],
      );
      const loaded = await itemRows(file, [
        { name: 'id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ]);
      assert.deepEqual(loaded.rows, [{ id: 1, name: 'p1' }]);
      assert.deepEqual(
        loaded.rejects.map((r) => [r._source, Number(r.line), r.error_type, r.column_name, r.raw_row]),
        [['pages/1', 3, 'CAST', 'id', 'bad,row']],
      );
      assert.deepEqual(await itemRows(batch), { rows: [{ id: 100, name: 'batch' }], rejects: [] });
    } finally {
      await ctx.dispose();
    }
  });
});
