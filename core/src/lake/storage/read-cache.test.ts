import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import type { LakeStorage } from './lake-storage.ts';
import { createLocalStorage } from './local-storage.ts';
import { createCachedStorage } from './read-cache.ts';

const base = await mkdtemp(join(tmpdir(), 'assay-read-cache-'));
after(() => rm(base, { recursive: true, force: true }));
let counter = 0;

/** Local storage posing as remote (no local paths), counting the downloads the cache makes. */
function remote(): { storage: LakeStorage; downloads: () => number; cacheDirectory: string } {
  const root = join(base, `lake-${counter}`);
  const cacheDirectory = join(base, `cache-${counter++}`);
  const local = createLocalStorage(root);
  let downloads = 0;
  const storage: LakeStorage = {
    ...local,
    read: (path, range) => {
      downloads++;
      return local.read(path, range);
    },
    readStream: async (path) => {
      downloads++;
      // A slow start, so concurrent readers really overlap.
      await new Promise((resolve) => setTimeout(resolve, 20));
      return local.readStream(path);
    },
    localPath: () => undefined,
  };
  return { storage, downloads: () => downloads, cacheDirectory };
}

const entries = async (directory: string) => (await readdir(directory)).filter((name) => !name.endsWith('.tmp'));

describe('read cache', () => {
  test('a second read of a data file is served from disk, whole or ranged', async () => {
    const { storage, downloads, cacheDirectory } = remote();
    await storage.write('t/part-0.parquet', 'parquet bytes');
    const cached = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 1000 });
    assert.equal((await cached.read('t/part-0.parquet')).toString(), 'parquet bytes');
    assert.equal((await cached.read('t/part-0.parquet')).toString(), 'parquet bytes');
    assert.equal((await cached.read('t/part-0.parquet', { offset: 8, length: 5 })).toString(), 'bytes');
    assert.equal(await text(await cached.readStream('t/part-0.parquet')), 'parquet bytes');
    assert.equal(downloads(), 1);
    assert.equal((await entries(cacheDirectory)).length, 1);
  });

  test('commit JSON and _last_checkpoint are always read fresh; checkpoints are cached', async () => {
    const { storage, downloads, cacheDirectory } = remote();
    const cached = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 1000 });
    await cached.write('t/_delta_log/00.json', 'v1');
    await cached.write('t/_delta_log/_last_checkpoint', '{"version":10}');
    await cached.read('t/_delta_log/00.json');
    await storage.write('t/_delta_log/00.json', 'v2');
    assert.equal((await cached.read('t/_delta_log/00.json')).toString(), 'v2');
    await cached.read('t/_delta_log/_last_checkpoint');
    assert.equal(downloads(), 3);
    assert.equal(cached.localPath('t/_delta_log/00.json'), undefined);
    await assert.rejects(cached.materialize('t/_delta_log/00.json'), { code: 'STORAGE_NOT_CACHEABLE' });
    await storage.write('t/_delta_log/10.checkpoint.parquet', 'checkpoint');
    await cached.read('t/_delta_log/10.checkpoint.parquet');
    await cached.read('t/_delta_log/10.checkpoint.parquet');
    assert.equal(downloads(), 4);
    assert.equal((await entries(cacheDirectory)).length, 1);
  });

  test('least recently used files are evicted beyond maxBytes', async () => {
    const { storage, downloads, cacheDirectory } = remote();
    for (const name of ['a', 'b', 'c']) await storage.write(`t/${name}.parquet`, name.repeat(100));
    const cached = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 250 });
    await cached.read('t/a.parquet');
    await cached.read('t/b.parquet');
    await cached.read('t/a.parquet');
    await cached.read('t/c.parquet');
    assert.equal((await entries(cacheDirectory)).length, 2);
    assert.equal(downloads(), 3);
    assert.equal(cached.localPath('t/b.parquet'), undefined, 'b was least recently used');
    await cached.read('t/a.parquet');
    assert.equal(downloads(), 3);
    assert.equal((await cached.read('t/b.parquet')).toString(), 'b'.repeat(100));
    assert.equal(downloads(), 4);
    assert.equal((await entries(cacheDirectory)).length, 2);
  });

  test('concurrent reads of one uncached file download it once', async () => {
    const { storage, downloads, cacheDirectory } = remote();
    await storage.write('t/big.parquet', 'x'.repeat(10_000));
    const cached = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 100_000 });
    const bodies = await Promise.all(Array.from({ length: 10 }, () => cached.read('t/big.parquet')));
    assert.ok(bodies.every((body) => body.length === 10_000));
    assert.equal(downloads(), 1);
  });

  test('data files written through the cache are cached without a download', async () => {
    const { storage, downloads, cacheDirectory } = remote();
    const cached = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 1000 });
    await cached.write('t/w.parquet', 'written');
    const local = join(base, `upload-${counter}.parquet`);
    await writeFile(local, 'uploaded');
    await cached.writeFromFile('t/u.parquet', local);
    assert.equal((await cached.read('t/w.parquet')).toString(), 'written');
    assert.equal(await readFile(await cached.materialize('t/u.parquet'), 'utf8'), 'uploaded');
    assert.equal((await storage.read('t/u.parquet')).toString(), 'uploaded', 'the upload reached the lake');
    assert.equal(downloads(), 1, 'only the check above read the lake');
  });

  test('materialize downloads into the cache and localPath then names the file', async () => {
    const { storage, cacheDirectory } = remote();
    await storage.write('t/m.parquet', 'materialized');
    const cached = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 1000 });
    assert.equal(cached.localPath('t/m.parquet'), undefined);
    const file = await cached.materialize('t/m.parquet');
    assert.equal(await readFile(file, 'utf8'), 'materialized');
    assert.equal(cached.localPath('t/m.parquet'), file);
    assert.ok(file.startsWith(cacheDirectory));
  });

  test('a restart rebuilds the cache from its directory and drops partial files', async () => {
    const { storage, downloads, cacheDirectory } = remote();
    await storage.write('t/r.parquet', 'kept');
    await createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 1000 }).read('t/r.parquet');
    await writeFile(join(cacheDirectory, `${'0'.repeat(64)}-99`), 'wrong size');
    await writeFile(join(cacheDirectory, 'crashed.tmp'), 'partial');
    const restarted = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 1000 });
    assert.equal((await restarted.read('t/r.parquet')).toString(), 'kept');
    assert.equal(downloads(), 1);
    assert.equal((await readdir(cacheDirectory)).length, 1);
  });

  test('deleted files leave the cache and then read as STORAGE_NOT_FOUND', async () => {
    const { storage, cacheDirectory } = remote();
    const cached = createCachedStorage(storage, { directory: cacheDirectory, maxBytes: 1000 });
    await cached.write('t/d.parquet', 'gone soon');
    await cached.delete(['t/d.parquet']);
    assert.deepEqual(await entries(cacheDirectory), []);
    await assert.rejects(cached.read('t/d.parquet'), { code: 'STORAGE_NOT_FOUND' });
  });

  test('objects of local storage are read in place, never copied', async () => {
    const local = createLocalStorage(join(base, 'plain-lake'));
    const directory = join(base, 'plain-cache');
    const cached = createCachedStorage(local, { directory, maxBytes: 1000 });
    await cached.write('t/l.parquet', 'local');
    assert.equal(await cached.materialize('t/l.parquet'), local.localPath('t/l.parquet'));
    assert.equal((await cached.read('t/l.parquet')).toString(), 'local');
    assert.equal(existsSync(directory), false, 'the cache directory was never needed');
  });
});
