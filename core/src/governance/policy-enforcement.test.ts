import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Principal } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { literal, type DatasetView } from '../engine/dataset-view.ts';
import { createEngine, type Engine } from '../engine/engine.ts';
import { createDataPolicyService, type DataPolicyService } from './data-policy-service.ts';
import { createGovernanceTestDb, createTableAuthorizer, person } from './governance-test-kit.ts';
import type { DatasetColumn } from './mask-functions.ts';

const analyst = person('00000000-0000-4000-8000-0000000000a1', `dan.o'neil@example.com`);
const steward = person('00000000-0000-4000-8000-0000000000b1', 'sue@example.com');
const admin = person('00000000-0000-4000-8000-0000000000c1', 'ada@example.com');

let dir: string;
let file: string;
let columns: DatasetColumn[];
let store: { db: Knex; close(): Promise<void> };
let service: DataPolicyService;
let engine: Engine;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-governance-'));
  file = join(dir, 'customers.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`COPY (SELECT * FROM (VALUES
      (1::BIGINT, 'jane.doe@example.com', 'eu', 1200.50::DECIMAL(10,2), 'sue@example.com'),
      (2, 'bob@example.com', 'us', 900.00, 'sue@example.com'),
      (3, NULL, 'eu', NULL, 'sue@example.com'),
      (4, 'kim@example.com', 'us', 1500.00, 'dan.o''neil@example.com')
    ) t(id, email, region, salary, account_manager)) TO ${literal(file)} (FORMAT parquet)`);
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal(file)})`);
  columns = described
    .getRowObjectsJson()
    .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  connection.closeSync();
  instance.closeSync();

  store = await createGovernanceTestDb();
  service = createDataPolicyService({
    db: store.db,
    authorizer: createTableAuthorizer(
      { [`demo/${analyst.id}`]: ['analyst'], [`demo/${steward.id}`]: ['steward'], [`demo/${admin.id}`]: ['admin'] },
      [
        { role: 'steward', permission: 'dataset:read-pii' },
        { role: 'admin', permission: 'dataset:read-pii' },
        { role: 'admin', permission: 'dataset:read-confidential' },
      ],
    ),
  });
  engine = createEngine({ scratchRoot: join(dir, 'scratch'), memoryLimit: '256MB', threads: 1 });
  await service.setGovernance(
    'demo',
    'silver.customers',
    { columns: { email: { classification: 'pii', mask: 'partial' }, salary: { classification: 'confidential' } } },
    admin.id,
  );
  await service.createPolicy(
    'demo',
    {
      kind: 'row_filter',
      dataset: 'silver.*',
      predicate: `region = 'eu' OR account_manager = {{principal.email}}`,
      roles: ['analyst'],
    },
    admin.id,
  );
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The dataset view the principal's session gets: the lead's preview route builds it the same way. */
async function viewFor(principal: Principal): Promise<DatasetView> {
  const access = await service.dataAccessFor(principal, 'demo', { name: 'silver.customers', columns });
  return {
    name: 'silver.customers',
    source: `SELECT * FROM read_parquet([${literal(file)}])`,
    files: [file],
    ...access,
  };
}

async function query(principal: Principal, sql: string): Promise<Record<string, unknown>[]> {
  const session = await engine.openSession({ views: [await viewFor(principal)] });
  try {
    const rows: Record<string, unknown>[] = [];
    for await (const chunk of session.stream(sql)) rows.push(...chunk);
    return rows;
  } finally {
    await session.close();
  }
}

const ALL = 'SELECT id, email, region, salary FROM silver.customers ORDER BY id';

describe('policies enforced by the engine on real data', () => {
  test('the analyst sees masked PII, no confidential values and only the rows of the row filter', async () => {
    assert.deepEqual(await query(analyst, ALL), [
      { id: '1', email: 'j***@example.com', region: 'eu', salary: null },
      { id: '3', email: null, region: 'eu', salary: null },
      // Visible through {{principal.email}}, an e-mail with a quote in it.
      { id: '4', email: 'k***@example.com', region: 'us', salary: null },
    ]);
  });

  test('filtering on a masked column sees only the masked values', async () => {
    assert.deepEqual(
      await query(analyst, `SELECT count(*)::INT AS n FROM silver.customers WHERE email = 'jane.doe@example.com'`),
      [{ n: 0 }],
    );
    assert.deepEqual(await query(analyst, `SELECT count(*)::INT AS n FROM silver.customers WHERE salary > 0`), [
      { n: 0 },
    ]);
  });

  test('a steward holding dataset:read-pii sees e-mails in clear and every row, but not salaries', async () => {
    assert.deepEqual(await query(steward, ALL), [
      { id: '1', email: 'jane.doe@example.com', region: 'eu', salary: null },
      { id: '2', email: 'bob@example.com', region: 'us', salary: null },
      { id: '3', email: null, region: 'eu', salary: null },
      { id: '4', email: 'kim@example.com', region: 'us', salary: null },
    ]);
  });

  test('an admin sees everything in clear', async () => {
    const rows = await query(admin, ALL);
    assert.deepEqual(
      rows.map((r) => [r.email, r.salary]),
      [
        ['jane.doe@example.com', '1200.50'],
        ['bob@example.com', '900.00'],
        [null, null],
        ['kim@example.com', '1500.00'],
      ],
    );
  });

  test('a row filter on a column the dataset lacks fails the query with a clear error', async () => {
    const policy = await service.createPolicy(
      'demo',
      { kind: 'row_filter', dataset: 'silver.customers', predicate: 'country = 1', roles: ['steward'] },
      admin.id,
    );
    try {
      await assert.rejects(query(steward, ALL), (error: { code?: string; message: string }) => {
        assert.equal(error.code, 'SQL_ERROR');
        assert.match(error.message, /country/);
        return true;
      });
    } finally {
      await service.deletePolicy('demo', policy.id);
    }
  });
});
