import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AssayError } from '@assay/sdk';
import { createLocalStorage } from '../storage/local-storage.ts';
import { SUPPORTED_READER_FEATURES } from './delta-protocol.ts';
import { duckdbType, quoteIdentifier } from './delta-schema.ts';
import { loadSnapshot } from './snapshot.ts';
import { snapshotSelectSql } from './snapshot-sql.ts';

const GOLDEN = join(import.meta.dirname, '../../../../../shared/testdata/delta-golden');

interface ManifestEntry {
  name: string;
  category: 'read' | 'must-fail' | 'skip' | 'unlisted';
  hasExpected: boolean;
  protocol: { minReaderVersion: number; minWriterVersion: number } | null;
  readerFeatures: string[];
}

const manifest = JSON.parse(readFileSync(join(GOLDEN, 'manifest.json'), 'utf8')) as ManifestEntry[];

/** `read` tables (reader version 1) that do not read exactly yet, each with the reason. Must only shrink. */
const KNOWN_GAPS: Readonly<Record<string, string>> = {};

const MUST_FAIL: Readonly<Record<string, string>> = {
  'deltalog-invalid-protocol-version': 'DELTA_UNSUPPORTED_FEATURE',
  'deltalog-state-reconstruction-from-checkpoint-missing-metadata': 'DELTA_METADATA_MISSING',
  'deltalog-state-reconstruction-from-checkpoint-missing-protocol': 'DELTA_PROTOCOL_MISSING',
  'deltalog-state-reconstruction-without-metadata': 'DELTA_METADATA_MISSING',
  'deltalog-state-reconstruction-without-protocol': 'DELTA_PROTOCOL_MISSING',
  'no-delta-log-folder': 'DELTA_TABLE_NOT_FOUND',
  'versions-not-contiguous': 'DELTA_VERSIONS_NOT_CONTIGUOUS',
};

let instance: DuckDBInstance;
let connection: DuckDBConnection;
before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
});
after(() => {
  connection.closeSync();
  instance.closeSync();
});

const tableStorage = (name: string) => createLocalStorage(join(GOLDEN, name, 'delta'));

/** Row counts of the snapshot and of `expected/`, and the size of their multiset difference (both ways). */
async function compare(name: string): Promise<{ actual: number; expected: number; differences: number }> {
  const storage = tableStorage(name);
  const snapshot = await loadSnapshot(storage, { connection });
  const actual = snapshotSelectSql(snapshot, (path) => storage.localPath(path) ?? path);
  const expectedColumns = snapshot.schema.fields
    .map(
      (field) => `CAST(${quoteIdentifier(field.name)} AS ${duckdbType(field.type)}) AS ${quoteIdentifier(field.name)}`,
    )
    .join(', ');
  const expected = `SELECT ${expectedColumns} FROM read_parquet('${join(GOLDEN, name, 'expected')}/**/*.parquet', union_by_name = true)`;
  const result = await connection.runAndReadAll(
    `SELECT (SELECT count(*) FROM (${actual})) AS actual, (SELECT count(*) FROM (${expected})) AS expected, ` +
      `(SELECT count(*) FROM ((${actual}) EXCEPT ALL (${expected}))) + (SELECT count(*) FROM ((${expected}) EXCEPT ALL (${actual}))) AS differences`,
  );
  const row = result.getRowObjectsJson()[0] ?? {};
  return { actual: Number(row.actual), expected: Number(row.expected), differences: Number(row.differences) };
}

/** Fails unless loading rejects with an Assay error of `code`; returns the error. */
async function rejectsWith(name: string, code: string): Promise<AssayError> {
  let caught: unknown;
  await loadSnapshot(tableStorage(name), { connection }).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof AssayError, `${name} should fail with ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

const readable = manifest.filter((entry) => entry.category === 'read' && entry.protocol?.minReaderVersion === 1);

describe('delta golden tables: read (reader version 1)', () => {
  for (const entry of readable) {
    if (KNOWN_GAPS[entry.name] !== undefined) continue;
    test(entry.name, async () => {
      if (!entry.hasExpected) {
        const snapshot = await loadSnapshot(tableStorage(entry.name), { connection });
        assert.ok(snapshot.files.length > 0);
        return;
      }
      const result = await compare(entry.name);
      assert.equal(result.differences, 0);
      assert.equal(result.actual, result.expected);
    });
  }
  test('the known gaps list does not grow', () => {
    assert.ok(Object.keys(KNOWN_GAPS).length <= 0);
  });
});

describe('delta golden tables: must-fail', () => {
  for (const entry of manifest.filter((candidate) => candidate.category === 'must-fail')) {
    test(entry.name, async () => {
      const code = MUST_FAIL[entry.name];
      assert.ok(code, `no expected error code for ${entry.name}`);
      await rejectsWith(entry.name, code);
    });
  }
});

describe('delta golden tables: read tables needing reader version 2 or 3', () => {
  for (const entry of manifest.filter((candidate) => candidate.category === 'read' && !readable.includes(candidate))) {
    const version = entry.protocol?.minReaderVersion;
    const required = version === 2 ? ['columnMapping'] : entry.readerFeatures;
    const unsupported = required.filter((feature) => !SUPPORTED_READER_FEATURES.has(feature));
    test(`${entry.name} ${unsupported.length > 0 ? `is refused naming ${unsupported.join(', ')}` : 'reads exactly'}`, async () => {
      if (unsupported.length === 0) {
        const result = await compare(entry.name);
        assert.equal(result.differences, 0);
        assert.equal(result.actual, result.expected);
        return;
      }
      const error = await rejectsWith(entry.name, 'DELTA_UNSUPPORTED_FEATURE');
      assert.deepEqual([...(error.details?.features as string[])].sort(), [...unsupported].sort());
      for (const feature of unsupported) assert.match(error.message, new RegExp(feature));
    });
  }
});

describe('delta golden tables: skip and unlisted load without crashing', () => {
  for (const entry of manifest.filter(
    (candidate) => candidate.category === 'skip' || candidate.category === 'unlisted',
  )) {
    test(entry.name, async () => {
      try {
        const snapshot = await loadSnapshot(tableStorage(entry.name), { connection });
        assert.ok(snapshot.version >= 0);
      } catch (error) {
        assert.ok(error instanceof AssayError, `${entry.name} threw a non-Assay error: ${String(error)}`);
        assert.match(error.code, /^DELTA_|^STORAGE_/);
      }
    });
  }
});
