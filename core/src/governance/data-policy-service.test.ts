import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createDataPolicyService, type DataPolicyService } from './data-policy-service.ts';
import type { DataPolicyInput } from './data-policy.ts';
import { createGovernanceTestDb, createTableAuthorizer, person, type TableAuthorizer } from './governance-test-kit.ts';
import { maskExpression, type DatasetColumn } from './mask-functions.ts';

const analyst = person('00000000-0000-4000-8000-00000000000a', `dan.o'neil@example.com`, `Dan O'Neil`);
const steward = person('00000000-0000-4000-8000-00000000000b', 'sue@example.com');
const admin = person('00000000-0000-4000-8000-00000000000c', 'ada@example.com');
const both = person('00000000-0000-4000-8000-00000000000d', 'bo@example.com');
const outsider = person('00000000-0000-4000-8000-00000000000e', 'out@example.com');

const columns: DatasetColumn[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'email', type: 'VARCHAR' },
  { name: 'phone', type: 'VARCHAR' },
  { name: 'salary', type: 'DECIMAL(10,2)' },
  { name: 'region', type: 'VARCHAR' },
];
const column = (name: string) => columns.find((c) => c.name === name)!;

let store: { db: Knex; close(): Promise<void> };
let db: Knex;
let authorizer: TableAuthorizer;
let service: DataPolicyService;

before(async () => {
  store = await createGovernanceTestDb();
  db = store.db;
  authorizer = createTableAuthorizer(
    {
      [`demo/${analyst.id}`]: ['analyst'],
      [`demo/${steward.id}`]: ['steward'],
      [`demo/${admin.id}`]: ['admin'],
      [`demo/${both.id}`]: ['analyst', 'engineer'],
    },
    [
      // Stewards read PII in silver only: an ABAC condition on the dataset's layer.
      { role: 'steward', permission: 'dataset:read-pii', when: (resource) => resource?.layer === 'silver' },
      { role: 'admin', permission: 'dataset:read-pii' },
      { role: 'admin', permission: 'dataset:read-confidential' },
    ],
  );
  service = createDataPolicyService({ db, authorizer });
});
after(() => store.close());
beforeEach(async () => {
  await db('core_dataset_governance').delete();
  await db('core_data_policies').delete();
});

const access = (principal = analyst, name = 'silver.customers') =>
  service.dataAccessFor(principal, 'demo', { name, columns });

async function rejectsWith(work: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(work, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('dataset governance', () => {
  test('is empty until set, then returned as set, and PUT replaces it', async () => {
    assert.deepEqual(await service.governance('demo', 'silver.customers'), {
      dataset: 'silver.customers',
      owner: null,
      classification: null,
      tags: [],
      columns: {},
      updatedBy: null,
      updatedAt: null,
    });
    const set = await service.setGovernance(
      'demo',
      'silver.customers',
      {
        owner: steward.id,
        classification: 'internal',
        tags: ['crm', 'gdpr:art-6', 'crm'],
        columns: {
          email: { classification: 'pii', mask: 'partial', tags: ['contact'] },
          id: { classification: 'public' },
        },
      },
      admin.id,
    );
    assert.equal(set.updatedBy, admin.id);
    assert.deepEqual(set.tags, ['crm', 'gdpr:art-6']);
    assert.deepEqual(await service.governance('demo', 'silver.customers'), set);
    const replaced = await service.setGovernance('demo', 'silver.customers', { classification: 'pii' }, steward.id);
    assert.deepEqual([replaced.owner, replaced.tags, replaced.columns], [null, [], {}]);
    assert.equal((await service.governance('demo', 'silver.orders')).classification, null, 'other datasets untouched');
  });

  test('attributesOf gives the ABAC attributes', async () => {
    await service.setGovernance(
      'demo',
      'gold.revenue',
      { owner: steward.id, classification: 'confidential', tags: ['finance'] },
      admin.id,
    );
    assert.deepEqual(await service.attributesOf('demo', 'gold.revenue'), {
      type: 'dataset',
      layer: 'gold',
      name: 'revenue',
      classification: 'confidential',
      tags: ['finance'],
      owner: steward.id,
    });
    assert.deepEqual(await service.attributesOf('demo', 'gold.other'), {
      type: 'dataset',
      layer: 'gold',
      name: 'other',
      tags: [],
    });
  });

  const bad: Array<[string, Parameters<DataPolicyService['setGovernance']>[2], string]> = [
    ['an unknown classification', { classification: 'secret' }, 'GOVERNANCE_INVALID'],
    ['an upper-case classification', { classification: 'PII' }, 'GOVERNANCE_INVALID'],
    ['a column classification not in the set', { columns: { email: { classification: 'pi' } } }, 'GOVERNANCE_INVALID'],
    ['an unknown mask', { columns: { email: { mask: 'shuffle' } } }, 'GOVERNANCE_INVALID'],
    [
      'a column name that is not an identifier',
      { columns: { 'email; drop': { classification: 'pii' } } },
      'COLUMN_NAME_INVALID',
    ],
    ['a quoted column name', { columns: { 'a"b': {} } }, 'COLUMN_NAME_INVALID'],
    ['the same column twice', { columns: { Email: {}, email: {} } }, 'GOVERNANCE_INVALID'],
    ['an owner that is not an id', { owner: 'ann' }, 'GOVERNANCE_INVALID'],
    ['a bad tag', { tags: ['Finance Team'] }, 'GOVERNANCE_INVALID'],
  ];
  for (const [name, input, code] of bad) {
    test(`refuses ${name} (${code}) and keeps what was set`, async () => {
      await service.setGovernance('demo', 'silver.customers', { classification: 'internal' }, admin.id);
      await rejectsWith(service.setGovernance('demo', 'silver.customers', input, admin.id), code);
      assert.equal((await service.governance('demo', 'silver.customers')).classification, 'internal');
    });
  }

  test('refuses a dataset name that is not layer.name (DATASET_NAME_INVALID)', async () => {
    await rejectsWith(service.governance('demo', 'customers'), 'DATASET_NAME_INVALID');
    await rejectsWith(service.setGovernance('demo', 'Silver.x', {}, admin.id), 'DATASET_NAME_INVALID');
  });
});

describe('column masks from classifications (ABAC)', () => {
  test('a pii column is masked for an analyst and clear for a role holding dataset:read-pii', async () => {
    await service.setGovernance(
      'demo',
      'silver.customers',
      { columns: { email: { classification: 'pii' } } },
      admin.id,
    );
    assert.deepEqual(await access(analyst), { masks: { email: maskExpression('redact', column('email')) } });
    assert.deepEqual(await access(steward), { masks: {} });
    assert.deepEqual(await access(admin), { masks: {} });
    const check = authorizer.checked.find((c) => c.permission === 'dataset:read-pii');
    assert.equal(check?.resource?.layer, 'silver', 'the dataset attributes reach the authorizer');
  });

  test('the ABAC condition decides: the steward may read PII in silver but not in gold', async () => {
    await service.setGovernance('demo', 'gold.customers', { columns: { email: { classification: 'pii' } } }, admin.id);
    assert.deepEqual(Object.keys((await access(steward, 'gold.customers')).masks), ['email']);
  });

  test("a column's configured mask overrides the default redact", async () => {
    await service.setGovernance(
      'demo',
      'silver.customers',
      {
        columns: { email: { classification: 'pii', mask: 'partial' }, phone: { classification: 'pii', mask: 'hash' } },
      },
      admin.id,
    );
    assert.deepEqual((await access()).masks, {
      email: maskExpression('partial', column('email')),
      phone: maskExpression('hash', column('phone')),
    });
  });

  test('confidential columns need dataset:read-confidential, which dataset:read-pii does not give', async () => {
    await service.setGovernance(
      'demo',
      'silver.customers',
      { columns: { salary: { classification: 'confidential' } } },
      admin.id,
    );
    assert.deepEqual((await access(steward)).masks, { salary: maskExpression('redact', column('salary')) });
    assert.deepEqual((await access(admin)).masks, {});
  });

  test("a dataset's pii classification masks every column without one of its own", async () => {
    await service.setGovernance(
      'demo',
      'silver.customers',
      { classification: 'pii', columns: { id: { classification: 'public' }, region: { classification: 'internal' } } },
      admin.id,
    );
    assert.deepEqual(Object.keys((await access()).masks), ['email', 'phone', 'salary']);
    assert.deepEqual((await access(steward)).masks, {});
  });

  test('public and internal classifications mask nothing; columns the dataset lacks are ignored', async () => {
    await service.setGovernance(
      'demo',
      'silver.customers',
      {
        classification: 'internal',
        columns: { region: { classification: 'public' }, gone: { classification: 'pii' } },
      },
      admin.id,
    );
    assert.deepEqual(await access(), { masks: {} });
  });
});

describe('explicit data policies', () => {
  const mask = (over: Partial<DataPolicyInput> = {}): DataPolicyInput => ({
    kind: 'mask',
    dataset: 'silver.customers',
    column: 'phone',
    mask: 'hash',
    roles: ['analyst'],
    ...over,
  });
  const filter = (predicate: string, over: Partial<DataPolicyInput> = {}): DataPolicyInput => ({
    kind: 'row_filter',
    dataset: 'silver.customers',
    predicate,
    roles: ['analyst'],
    ...over,
  });

  test('a mask policy applies to holders of its roles only, for columns that exist, by dataset pattern', async () => {
    await service.createPolicy('demo', mask(), admin.id);
    await service.createPolicy('demo', mask({ dataset: 'silver.*', column: 'Salary', mask: 'null' }), admin.id);
    await service.createPolicy('demo', mask({ dataset: '*', column: 'missing', mask: 'redact' }), admin.id);
    await service.createPolicy('demo', mask({ dataset: 'gold.*', column: 'region', mask: 'redact' }), admin.id);
    await service.createPolicy('demo', mask({ column: 'id', roles: ['steward'] }), admin.id);
    assert.deepEqual((await access(analyst)).masks, {
      phone: maskExpression('hash', column('phone')),
      salary: maskExpression('null', column('salary')),
    });
    assert.deepEqual((await access(steward)).masks, { id: maskExpression('hash', column('id')) });
    assert.deepEqual(await access(outsider), { masks: {} });
  });

  test('policies apply even to principals cleared for the classification; the stronger mask wins', async () => {
    await service.setGovernance(
      'demo',
      'silver.customers',
      { columns: { email: { classification: 'pii', mask: 'partial' } } },
      admin.id,
    );
    await service.createPolicy(
      'demo',
      mask({ column: 'email', mask: 'hash', roles: ['analyst', 'steward'] }),
      admin.id,
    );
    await service.createPolicy('demo', mask({ column: 'email', mask: 'partial' }), admin.id);
    assert.deepEqual((await access(analyst)).masks, { email: maskExpression('hash', column('email')) });
    assert.deepEqual((await access(steward)).masks, { email: maskExpression('hash', column('email')) });
  });

  test("row filters of all the principal's policies are AND-ed, each in parentheses", async () => {
    await service.createPolicy('demo', filter(`region = 'eu' OR region = 'uk'`), admin.id);
    await service.createPolicy('demo', filter(`salary < 100`, { dataset: 'silver.*', roles: ['engineer'] }), admin.id);
    await service.createPolicy('demo', filter(`false`, { dataset: 'gold.*' }), admin.id);
    await service.createPolicy('demo', filter(`false`, { roles: ['steward'] }), admin.id);
    assert.equal((await access(analyst)).rowFilter, `(region = 'eu' OR region = 'uk')`);
    assert.equal((await access(both)).rowFilter, `(region = 'eu' OR region = 'uk') AND (salary < 100)`);
    assert.equal((await access(steward)).rowFilter, '(false)');
    assert.equal('rowFilter' in (await access(outsider)), false);
  });

  test('placeholders become quoted literals of the principal, quotes escaped', async () => {
    await service.createPolicy('demo', filter(`email = {{principal.email}} OR owner = {{principal.id}}`), admin.id);
    assert.equal((await access(analyst)).rowFilter, `(email = 'dan.o''neil@example.com' OR owner = '${analyst.id}')`);
  });

  test('the access summary tells the caller what is masked and whether rows are filtered, without SQL', async () => {
    await service.setGovernance(
      'demo',
      'silver.customers',
      {
        classification: 'confidential',
        columns: {
          email: { classification: 'pii', mask: 'partial' },
          id: { classification: 'public' },
          phone: { classification: 'internal' },
        },
      },
      admin.id,
    );
    await service.createPolicy('demo', mask({ column: 'phone', mask: 'hash' }), admin.id);
    await service.createPolicy('demo', filter(`region = 'eu'`), admin.id);
    assert.deepEqual(await service.accessSummary(analyst, 'demo', 'silver.customers'), {
      dataset: 'silver.customers',
      masked: [
        { column: 'email', mask: 'partial', reason: 'pii' },
        { column: 'phone', mask: 'hash', reason: 'policy' },
      ],
      otherColumns: { mask: 'redact', reason: 'confidential' },
      rowFilter: true,
    });
    assert.deepEqual(await service.accessSummary(admin, 'demo', 'silver.customers'), {
      dataset: 'silver.customers',
      masked: [],
      otherColumns: null,
      rowFilter: false,
    });
  });

  test('policies are listed with what created them and deleted by id', async () => {
    const created = await service.createPolicy(
      'demo',
      filter(`region = 'eu'`, { description: 'EU only', roles: ['steward', 'analyst'] }),
      admin.id,
    );
    assert.deepEqual(
      { ...created, id: undefined, createdAt: undefined },
      {
        id: undefined,
        kind: 'row_filter',
        dataset: 'silver.customers',
        column: null,
        mask: null,
        predicate: `region = 'eu'`,
        roles: ['analyst', 'steward'],
        description: 'EU only',
        createdBy: admin.id,
        createdAt: undefined,
      },
    );
    assert.deepEqual(await service.listPolicies('demo'), [created]);
    assert.deepEqual(await service.listPolicies('other'), []);
    await rejectsWith(service.deletePolicy('other', created.id), 'DATA_POLICY_NOT_FOUND');
    await service.deletePolicy('demo', created.id);
    assert.deepEqual(await service.listPolicies('demo'), []);
    await rejectsWith(service.deletePolicy('demo', created.id), 'DATA_POLICY_NOT_FOUND');
    await rejectsWith(service.deletePolicy('demo', 'not-a-uuid'), 'DATA_POLICY_NOT_FOUND');
  });

  const refused: Array<[string, DataPolicyInput, string]> = [
    ['an unknown kind', mask({ kind: 'deny' }), 'DATA_POLICY_INVALID'],
    ['a bad dataset pattern', mask({ dataset: 'silver.cust*' }), 'DATA_POLICY_INVALID'],
    ['no roles', mask({ roles: [] }), 'DATA_POLICY_INVALID'],
    ['a role that does not exist', mask({ roles: ['analysts'] }), 'ROLE_NOT_FOUND'],
    ['a malformed role', mask({ roles: ['Analyst'] }), 'ROLE_NAME_INVALID'],
    ['a mask without a column', mask({ column: undefined }), 'DATA_POLICY_INVALID'],
    ['a mask on a non-identifier column', mask({ column: 'a; drop' }), 'COLUMN_NAME_INVALID'],
    ['a mask that is SQL', mask({ mask: `'x'` }), 'DATA_POLICY_INVALID'],
    ['a mask with a predicate', mask({ predicate: 'true' }), 'DATA_POLICY_INVALID'],
    ['a row filter without a predicate', filter('true', { predicate: undefined }), 'DATA_POLICY_INVALID'],
    ['a row filter with a column', filter('true', { column: 'email' }), 'DATA_POLICY_INVALID'],
    ['a UNION injection', filter(`1=1) UNION SELECT * FROM silver.salaries WHERE (1=1`), 'ROW_FILTER_INVALID'],
    ['a second statement', filter(`region = 'eu'; DROP TABLE core_users`), 'ROW_FILTER_INVALID'],
    ['EXISTS (SELECT …)', filter(`EXISTS (SELECT 1 FROM silver.salaries)`), 'ROW_FILTER_INVALID'],
    ['x IN (SELECT …)', filter(`region IN (SELECT region FROM silver.regions)`), 'ROW_FILTER_INVALID'],
    ['read_parquet', filter(`read_parquet('/etc/passwd') IS NULL`), 'ROW_FILTER_INVALID'],
  ];
  for (const [name, input, code] of refused) {
    test(`refuses ${name} (${code}) and stores nothing`, async () => {
      await rejectsWith(service.createPolicy('demo', input, admin.id), code);
      assert.deepEqual(await service.listPolicies('demo'), []);
    });
  }

  test('the database refuses a policy that is not shaped like its kind', async () => {
    await assert.rejects(
      db('core_data_policies').insert({
        workspace: 'demo',
        kind: 'row_filter',
        dataset_pattern: '*',
        roles: ['analyst'],
      }),
      /core_data_policies_shape_check/,
    );
    await assert.rejects(
      db('core_data_policies').insert({
        workspace: 'demo',
        kind: 'row_filter',
        dataset_pattern: '*',
        predicate: 'true',
        roles: [],
      }),
      /core_data_policies_roles_check/,
    );
  });
});
