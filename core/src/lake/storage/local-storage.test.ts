import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLocalStorage } from './local-storage.ts';
import { describeStorageConformance } from './storage-conformance.ts';

const base = await mkdtemp(join(tmpdir(), 'assay-local-storage-'));
after(() => rm(base, { recursive: true, force: true }));
let counter = 0;

describeStorageConformance('local storage', async () => createLocalStorage(join(base, `root-${counter++}`)));

describe('local storage', () => {
  test('localPath is the file inside the root, and the url is a file URL', () => {
    const storage = createLocalStorage(join(base, 'paths'));
    assert.equal(storage.localPath('t/a.parquet'), join(base, 'paths', 't', 'a.parquet'));
    assert.equal(storage.url, `file://${join(base, 'paths')}`);
  });

  test('a path escaping the root writes nothing beside it', async () => {
    const root = join(base, 'escape', 'root');
    const storage = createLocalStorage(root);
    await assert.rejects(async () => storage.write('../sibling.json', 'x'), { code: 'STORAGE_PATH_INVALID' });
    assert.equal(existsSync(join(base, 'escape', 'sibling.json')), false);
  });

  test('putIfAbsent leaves no temporary files behind, win or lose', async () => {
    const storage = createLocalStorage(join(base, 'temps'));
    await Promise.all(Array.from({ length: 5 }, () => storage.putIfAbsent('t/_delta_log/0.json', '{}')));
    assert.deepEqual(await readdir(join(base, 'temps', 't', '_delta_log')), ['0.json']);
  });
});
