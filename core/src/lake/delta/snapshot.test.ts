import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AssayError } from '@assay/sdk';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { createLocalStorage } from '../storage/local-storage.ts';
import { loadSnapshot } from './snapshot.ts';
import type { DeltaSnapshot, LoadSnapshotOptions } from './snapshot.ts';
import { snapshotSelectSql } from './snapshot-sql.ts';

const GOLDEN = join(import.meta.dirname, '../../../../../shared/testdata/delta-golden');
const START = 1540415658000;
const MINUTE = 60_000;

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let scratch: string;
before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  scratch = await mkdtemp(join(tmpdir(), 'assay-delta-'));
});
after(async () => {
  connection.closeSync();
  instance.closeSync();
  await rm(scratch, { recursive: true, force: true });
});

const golden = (name: string) => createLocalStorage(join(GOLDEN, name, 'delta'));

/** A copy of a golden table in a scratch directory, for tests that damage the log. */
async function copyOf(name: string): Promise<string> {
  const target = await mkdtemp(join(scratch, `${name}-`));
  await cp(join(GOLDEN, name, 'delta'), target, { recursive: true });
  return target;
}

/** Storage whose commit files report the given modification times, as if the files kept their original mtimes. */
function withCommitTimes(storage: LakeStorage, times: readonly number[]): LakeStorage {
  return {
    ...storage,
    async *list(prefix, options) {
      for await (const object of storage.list(prefix, options)) {
        const match = /(\d{20})\.json$/.exec(object.path);
        const time = match ? times[Number(match[1])] : undefined;
        yield time === undefined ? object : { ...object, modified: new Date(time) };
      }
    },
  };
}

async function ids(snapshot: DeltaSnapshot): Promise<number[]> {
  const sql = snapshotSelectSql(snapshot, (path) => snapshot.storage.localPath(snapshot.tableRoot + path) ?? path);
  const result = await connection.runAndReadAll(`SELECT CAST(id AS INTEGER) AS id FROM (${sql}) ORDER BY id`);
  return result.getRowObjectsJson().map((row) => Number(row.id));
}

async function rejectsWith(storage: LakeStorage, options: LoadSnapshotOptions, code: string): Promise<AssayError> {
  let caught: unknown;
  await loadSnapshot(storage, { connection, ...options }).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof AssayError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('time travel by version', () => {
  test('version 13 of basic-with-inserts-deletes-checkpoint has the live ids of the Delta test suite', async () => {
    const snapshot = await loadSnapshot(golden('basic-with-inserts-deletes-checkpoint'), { version: 13, connection });
    assert.equal(snapshot.version, 13);
    const expected = [0, 10, 20, 30, 40].flatMap((start) => range(start, start + 4)).concat(range(50, 65));
    assert.deepEqual(await ids(snapshot), expected);
    assert.equal(expected.length, 41);
  });

  test('versions before the checkpoint replay the JSON commits', async () => {
    const latest = await loadSnapshot(golden('basic-with-inserts-deletes-checkpoint'), { connection });
    const early = await loadSnapshot(golden('basic-with-inserts-deletes-checkpoint'), { version: 9, connection });
    assert.equal(latest.version, 13);
    assert.equal(early.version, 9);
    assert.ok((await ids(early)).length > 0);
  });

  test('a version outside the retained range fails naming the range', async () => {
    const error = await rejectsWith(
      golden('time-travel-start-start20-start40'),
      { version: 7 },
      'DELTA_VERSION_NOT_FOUND',
    );
    assert.deepEqual(error.details, { version: 7, earliest: 0, latest: 2 });
    assert.match(error.message, /versions 0 to 2/);
  });

  test('versions before the oldest checkpoint are gone once their commits are cleaned up', async () => {
    const root = await copyOf('basic-with-inserts-deletes-checkpoint');
    for (const version of range(0, 9)) await rm(join(root, '_delta_log', `${String(version).padStart(20, '0')}.json`));
    const storage = createLocalStorage(root);
    assert.equal((await loadSnapshot(storage, { version: 13, connection })).version, 13);
    const error = await rejectsWith(storage, { version: 5 }, 'DELTA_VERSION_NOT_FOUND');
    assert.deepEqual(error.details, { version: 5, earliest: 10, latest: 13 });
  });
});

describe('time travel by timestamp', () => {
  const storage = () =>
    withCommitTimes(golden('time-travel-start-start20-start40'), [START, START + 20 * MINUTE, START + 40 * MINUTE]);
  const cases: [number | Date, number][] = [
    [START, 0],
    [START + 20 * MINUTE - 1, 0],
    [new Date(START + 20 * MINUTE), 1],
    [START + 30 * MINUTE, 1],
    [START + 40 * MINUTE, 2],
    [START + 1000 * MINUTE, 2],
  ];
  for (const [timestamp, version] of cases) {
    test(`${new Date(timestamp).toISOString()} resolves to version ${version}`, async () => {
      const snapshot = await loadSnapshot(storage(), { timestamp, connection });
      assert.equal(snapshot.version, version);
      assert.equal(snapshot.timestamp, START + 20 * MINUTE * version);
      assert.equal((await ids(snapshot)).length, 10 * (version + 1));
    });
  }

  test('a timestamp before the first commit fails', async () => {
    const error = await rejectsWith(storage(), { timestamp: START - 1 }, 'DELTA_TIMESTAMP_TOO_EARLY');
    assert.equal(error.details?.earliest, START);
  });

  test('commits with equal file times are ordered by version', async () => {
    const equal = withCommitTimes(golden('time-travel-start-start20-start40'), [START, START, START]);
    assert.equal((await loadSnapshot(equal, { timestamp: START + 1, connection })).version, 1);
  });
});
