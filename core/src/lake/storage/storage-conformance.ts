import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import type { LakeStorage } from './lake-storage.ts';

/** Collects an async listing into an array of paths. */
export async function listPaths(
  storage: LakeStorage,
  prefix: string,
  options?: { recursive?: boolean; startAfter?: string },
): Promise<string[]> {
  const paths: string[] = [];
  for await (const object of storage.list(prefix, options)) paths.push(object.path);
  return paths;
}

/**
 * The behaviour every {@link LakeStorage} backend must share, as a node:test suite. `makeStorage` is called once
 * per test and must return an empty storage (a fresh directory or prefix). Test support only.
 *
 * @example
 * ```ts
 * describeStorageConformance('local storage', async () => createLocalStorage(await mkdtemp(join(tmpdir(), 'l-'))));
 * ```
 */
export function describeStorageConformance(name: string, makeStorage: () => Promise<LakeStorage>): void {
  describe(`${name}: LakeStorage conformance`, () => {
    let scratch: string | undefined;
    after(async () => {
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    });

    test('write, read, head and describe an object', async () => {
      const storage = await makeStorage();
      await storage.write('t/_delta_log/0.json', '{"commitInfo":{}}');
      assert.equal((await storage.read('t/_delta_log/0.json')).toString(), '{"commitInfo":{}}');
      const head = await storage.head('t/_delta_log/0.json');
      assert.ok(head);
      assert.equal(head.path, 't/_delta_log/0.json');
      assert.equal(head.size, 17);
      assert.ok(head.modified instanceof Date && !Number.isNaN(head.modified.getTime()));
      assert.match(storage.describe('t/_delta_log/0.json'), /t\/_delta_log\/0\.json$/);
      assert.ok(storage.describe('t/x').startsWith(storage.url));
    });

    test('write replaces an existing object', async () => {
      const storage = await makeStorage();
      await storage.write('a.txt', 'first version');
      await storage.write('a.txt', Buffer.from('second'));
      assert.equal((await storage.read('a.txt')).toString(), 'second');
      assert.equal((await storage.head('a.txt'))?.size, 6);
    });

    test('ranged reads return exactly the requested bytes', async () => {
      const storage = await makeStorage();
      await storage.write('r.bin', 'hello world');
      assert.equal((await storage.read('r.bin', { offset: 0, length: 1 })).toString(), 'h');
      assert.equal((await storage.read('r.bin', { offset: 6, length: 5 })).toString(), 'world');
      assert.equal((await storage.read('r.bin', { offset: 2, length: 3 })).toString(), 'llo');
      assert.equal((await storage.read('r.bin', { offset: 9, length: 10 })).toString(), 'ld');
      assert.equal((await storage.read('r.bin', { offset: 3, length: 0 })).length, 0);
      assert.equal((await storage.read('r.bin', { offset: 50, length: 4 })).length, 0);
    });

    test('readStream streams the object and writeFromFile uploads a local file', async () => {
      const storage = await makeStorage();
      scratch ??= await mkdtemp(join(tmpdir(), 'assay-conformance-'));
      const local = join(scratch, `${Math.random().toString(36).slice(2)}.parquet`);
      const body = 'x'.repeat(100_000) + 'end';
      await writeFile(local, body);
      await storage.writeFromFile('t/part-0.parquet', local);
      assert.equal(await text(await storage.readStream('t/part-0.parquet')), body);
      assert.equal((await storage.head('t/part-0.parquet'))?.size, body.length);
    });

    test('list is ascending, filtered by prefix, recursive or not, and resumes after startAfter', async () => {
      const storage = await makeStorage();
      const paths = ['t/b.parquet', 't/_delta_log/1.json', 't/a/x.parquet', 't/_delta_log/0.json', 't2/c.json', 't/a2'];
      for (const path of paths) await storage.write(path, path);
      assert.deepEqual(await listPaths(storage, ''), [...paths].sort());
      assert.deepEqual(await listPaths(storage, 't/'), [
        't/_delta_log/0.json',
        't/_delta_log/1.json',
        't/a/x.parquet',
        't/a2',
        't/b.parquet',
      ]);
      assert.deepEqual(await listPaths(storage, 't/a'), ['t/a/x.parquet', 't/a2']);
      assert.deepEqual(await listPaths(storage, 't/', { recursive: false }), ['t/a2', 't/b.parquet']);
      assert.deepEqual(await listPaths(storage, 't/a', { recursive: false }), ['t/a2']);
      assert.deepEqual(await listPaths(storage, 't/_delta_log/', { startAfter: 't/_delta_log/0.json' }), [
        't/_delta_log/1.json',
      ]);
      assert.deepEqual(await listPaths(storage, 'missing/'), []);
      const sizes = [];
      for await (const object of storage.list('t/_delta_log/')) sizes.push(object.size);
      assert.deepEqual(sizes, [19, 19]);
    });

    test('putIfAbsent writes once; a second call returns false and leaves the content unchanged', async () => {
      const storage = await makeStorage();
      assert.equal(await storage.putIfAbsent('t/_delta_log/5.json', 'winner'), true);
      assert.equal(await storage.putIfAbsent('t/_delta_log/5.json', 'loser'), false);
      assert.equal((await storage.read('t/_delta_log/5.json')).toString(), 'winner');
    });

    test('of 10 concurrent putIfAbsent calls on one path exactly one wins, and its body is stored', async () => {
      const storage = await makeStorage();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => storage.putIfAbsent('t/_delta_log/7.json', `writer ${index}`)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await storage.read('t/_delta_log/7.json')).toString(), `writer ${results.indexOf(true)}`);
    });

    test('delete removes objects and ignores missing ones', async () => {
      const storage = await makeStorage();
      await storage.write('d/1', '1');
      await storage.write('d/2', '2');
      await storage.delete(['d/1', 'd/missing']);
      assert.deepEqual(await listPaths(storage, 'd/'), ['d/2']);
      await storage.delete(['d/1']);
      await storage.delete([]);
      assert.equal(await storage.head('d/1'), undefined);
    });

    test('a missing object reads as STORAGE_NOT_FOUND naming its location', async () => {
      const storage = await makeStorage();
      const where = storage.describe('t/nope.json');
      const expected = (error: unknown) => {
        const value = error as { code: string; status: number; message: string };
        assert.equal(value.code, 'STORAGE_NOT_FOUND');
        assert.equal(value.status, 404);
        assert.ok(value.message.includes(where), value.message);
        return true;
      };
      assert.equal(await storage.head('t/nope.json'), undefined);
      await assert.rejects(storage.read('t/nope.json'), expected);
      await assert.rejects(storage.read('t/nope.json', { offset: 0, length: 4 }), expected);
      await assert.rejects(storage.read('t/nope.json', { offset: 0, length: 0 }), expected);
      await assert.rejects(storage.readStream('t/nope.json'), expected);
    });

    test('a path that leaves the root is STORAGE_PATH_INVALID and nothing is written', async () => {
      const storage = await makeStorage();
      const invalid = { code: 'STORAGE_PATH_INVALID', status: 400 };
      await assert.rejects(async () => storage.write('../outside.json', 'x'), invalid);
      await assert.rejects(async () => storage.read('t/../../outside.json'), invalid);
      await assert.rejects(async () => storage.putIfAbsent('../outside.json', 'x'), invalid);
      assert.deepEqual(await listPaths(storage, ''), []);
    });
  });
}
