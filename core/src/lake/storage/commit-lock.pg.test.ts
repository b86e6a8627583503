import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import knex from 'knex';
import { createTestDatabase } from '../../testing/test-database.ts';
import { createPgCommitLock } from './commit-lock.pg.ts';
import { startS3TestServer } from './conditional-write-shim.ts';
import type { LakeStorage } from './lake-storage.ts';
import { createS3Storage } from './s3-storage.ts';

const s3 = await startS3TestServer();
const database = await createTestDatabase();
const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 4 } });
after(async () => {
  await db.destroy();
  await database.drop();
  await s3.stop();
});
let counter = 0;
// s3rver without the shim ignores If-None-Match: a server without conditional writes.
const storage = (): LakeStorage =>
  createS3Storage({
    bucket: s3.bucket,
    prefix: `lock-${counter++}`,
    endpoint: s3.directEndpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    conditionalWrites: false,
  });

describe('Postgres commit lock', () => {
  test('of 10 concurrent commits of one log file exactly one succeeds, with more callers than connections', async () => {
    const lake = storage();
    const lock = createPgCommitLock(db);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        lock.putIfAbsent(lake, 't/_delta_log/00000000000000000001.json', `${index}`),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const stored = (await lake.read('t/_delta_log/00000000000000000001.json')).toString();
    assert.equal(stored, String(results.indexOf(true)));
  });

  test('two lakes in one bucket do not block each other and both commit', async () => {
    const lock = createPgCommitLock(db);
    const [one, two] = [storage(), storage()];
    assert.deepEqual(
      await Promise.all([
        lock.putIfAbsent(one, 't/_delta_log/0.json', 'a'),
        lock.putIfAbsent(two, 't/_delta_log/0.json', 'b'),
      ]),
      [true, true],
    );
  });

  test('a failed write releases the lock and reports the storage error', async () => {
    const lock = createPgCommitLock(db);
    const lake = storage();
    const broken: LakeStorage = {
      ...lake,
      write: () => Promise.reject(Object.assign(new Error('disk on fire'), { code: 'STORAGE_UNAVAILABLE' })),
    };
    await assert.rejects(lock.putIfAbsent(broken, 't/_delta_log/2.json', 'x'), { code: 'STORAGE_UNAVAILABLE' });
    assert.equal(await lock.putIfAbsent(lake, 't/_delta_log/2.json', 'y'), true);
    assert.equal((await lake.read('t/_delta_log/2.json')).toString(), 'y');
  });
});
