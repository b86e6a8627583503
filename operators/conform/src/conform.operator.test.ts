import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import plugin, { conformOperator } from './index.ts';

let kit: JobTestKit;

const CRM = `SELECT * FROM (VALUES
  (1, 'ann@crm.example', 'Ann Lee', NULL, TIMESTAMP '2026-01-05 10:00'),
  (2, 'bob@crm.example', 'Bob Ray', '555-0102', TIMESTAMP '2026-01-01 09:00'),
  (3, NULL, 'Cy Dee', '555-0103', NULL),
  (5, 'eve@crm.example', 'Eve Stone', NULL, TIMESTAMP '2026-01-02 00:00')
) AS t(cust_no, email, full_name, phone, modified_at)`;

// Another system, another shape: text ids and times, names in two columns, a credit limit the CRM lacks.
const ERP = `SELECT * FROM (VALUES
  ('1', 'ann@erp.example', 'Ann', 'Lee-Smith', '555-0101', '2026-01-03 08:00', '1200.5'),
  ('2', 'bob@erp.example', 'Bob', 'Ray', NULL, '2026-01-04 12:00', '300'),
  ('3', 'cy@erp.example', 'Cy', 'Dee', NULL, '2025-12-01 00:00', NULL),
  ('4', 'dee@erp.example', 'Dee', 'Fox', '555-0104', '2026-01-02 00:00', NULL),
  ('5', 'eve@erp.example', 'Eve', 'Stone', NULL, '2026-01-02 00:00', '10')
) AS t(customer_id, email, first, last, phone, updated_at, credit)`;

const INPUTS = ['bronze.crm_customers', 'bronze.erp_customers'];

const COLUMNS = [
  { name: 'customer_id', type: 'INTEGER' },
  { name: 'email', type: 'VARCHAR' },
  { name: 'full_name', type: 'VARCHAR' },
  { name: 'phone', type: 'VARCHAR' },
  { name: 'credit', type: 'DECIMAL(10,2)' },
  { name: 'updated_at', type: 'TIMESTAMP' },
];

const SOURCES = [
  { dataset: 'bronze.crm_customers', system: 'crm', columns: { customer_id: 'cust_no', updated_at: 'modified_at' } },
  { dataset: 'bronze.erp_customers', system: 'erp', expressions: { full_name: "first || ' ' || last" } },
];

const base = (extra: Record<string, unknown> = {}) => ({
  key: ['customer_id'],
  columns: COLUMNS,
  sources: SOURCES,
  ...extra,
});

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset('bronze.crm_customers', CRM);
  await kit.writeDataset('bronze.erp_customers', ERP);
});
after(() => kit?.close());

const conformJob = (config: Record<string, unknown>, output: string, inputs = INPUTS) => ({
  id: output.replace('.', '_'),
  operator: conformOperator,
  config,
  inputs,
  output,
});

/** Rows reduced to the columns that matter for a test: key → [columns…]. */
const pick = (rows: Record<string, unknown>[], ...columns: string[]) =>
  Object.fromEntries(rows.map((row) => [String(row.customer_id), columns.map((c) => row[c])]));

describe('conform: resolution (outputs compared as multisets)', () => {
  test('priority in source order: mappings, expressions, same-named columns and casts; the winner is recorded', async () => {
    const result = await kit.runJob(conformJob(base(), 'silver.customers'));
    assert.equal(result.rowsWritten, 5);
    assert.deepEqual(
      sortedRows(await kit.rows('silver.customers')),
      sortedRows([
        // CRM is first, so it wins every key it has; its unmapped credit is NULL.
        {
          customer_id: 1,
          email: 'ann@crm.example',
          full_name: 'Ann Lee',
          phone: null,
          credit: null,
          updated_at: '2026-01-05 10:00:00+00',
          _source_winner: 'crm',
        },
        {
          customer_id: 2,
          email: 'bob@crm.example',
          full_name: 'Bob Ray',
          phone: '555-0102',
          credit: null,
          updated_at: '2026-01-01 09:00:00+00',
          _source_winner: 'crm',
        },
        {
          customer_id: 3,
          email: null,
          full_name: 'Cy Dee',
          phone: '555-0103',
          credit: null,
          updated_at: null,
          _source_winner: 'crm',
        },
        // Only the ERP has 4: its text id and time are cast, its name comes from the expression.
        {
          customer_id: 4,
          email: 'dee@erp.example',
          full_name: 'Dee Fox',
          phone: '555-0104',
          credit: null,
          updated_at: '2026-01-02 00:00:00+00',
          _source_winner: 'erp',
        },
        {
          customer_id: 5,
          email: 'eve@crm.example',
          full_name: 'Eve Stone',
          phone: null,
          credit: null,
          updated_at: '2026-01-02 00:00:00+00',
          _source_winner: 'crm',
        },
      ]),
    );
    assert.deepEqual(result.metrics, {
      quarantined: 0,
      contested: 4,
      'rows.crm': 4,
      'won.crm': 4,
      'rows.erp': 5,
      'won.erp': 1,
    });
  });

  test('an explicit priority list reorders the sources; sourceSystemColumn and a renamed winner column', async () => {
    await kit.runJob(
      conformJob(
        base({
          resolution: { priority: ['erp', 'crm'] },
          sourceSystemColumn: 'source_system',
          lineage: { winnerColumn: 'won_by' },
        }),
        'silver.erp_first',
      ),
    );
    const rows = await kit.rows('silver.erp_first');
    assert.deepEqual(Object.keys(rows[0]!), [...COLUMNS.map((c) => c.name), 'source_system', 'won_by']);
    assert.deepEqual(pick(rows, 'email', 'credit', 'source_system', 'won_by'), {
      1: ['ann@erp.example', '1200.50', 'erp', 'erp'],
      2: ['bob@erp.example', '300.00', 'erp', 'erp'],
      3: ['cy@erp.example', null, 'erp', 'erp'],
      4: ['dee@erp.example', null, 'erp', 'erp'],
      5: ['eve@erp.example', '10.00', 'erp', 'erp'],
    });
  });

  test('latest: the newest updated_at wins, NULL times lose, equal times go to the higher priority', async () => {
    const latest = await kit.runJob(conformJob(base({ resolution: { strategy: 'latest' } }), 'silver.latest'));
    assert.deepEqual(pick(await kit.rows('silver.latest'), '_source_winner', 'updated_at'), {
      1: ['crm', '2026-01-05 10:00:00+00'],
      2: ['erp', '2026-01-04 12:00:00+00'],
      3: ['erp', '2025-12-01 00:00:00+00'],
      4: ['erp', '2026-01-02 00:00:00+00'],
      5: ['crm', '2026-01-02 00:00:00+00'],
    });
    assert.equal(latest.metrics['won.erp'], 3);
    await kit.runJob(
      conformJob(base({ resolution: { strategy: 'latest', priority: ['erp', 'crm'] } }), 'silver.latest_erp'),
    );
    assert.deepEqual(pick(await kit.rows('silver.latest_erp'), '_source_winner')[5], ['erp'], 'the tie flips');
  });

  test('latest with a configured updatedAt column', async () => {
    const columns = [...COLUMNS.slice(0, 5), { name: 'changed', type: 'TIMESTAMP' }];
    const sources = [
      { ...SOURCES[0], columns: { customer_id: 'cust_no', changed: 'modified_at' } },
      { ...SOURCES[1], columns: { changed: 'updated_at' } },
    ];
    await kit.runJob(
      conformJob(
        { key: ['customer_id'], columns, sources, resolution: { strategy: 'latest', updatedAt: 'changed' } },
        'silver.changed',
      ),
    );
    assert.deepEqual(pick(await kit.rows('silver.changed'), '_source_winner')[2], ['erp']);
  });

  test('attributes: each column takes the first non-NULL value in priority order, with per-column winners', async () => {
    await kit.runJob(conformJob(base({ resolution: { merge: 'attributes' } }), 'silver.golden'));
    const rows = Object.fromEntries((await kit.rows('silver.golden')).map((row) => [row.customer_id, row]));
    assert.equal(Object.keys(rows).length, 5);
    assert.deepEqual(rows[1], {
      customer_id: 1,
      email: 'ann@crm.example',
      full_name: 'Ann Lee',
      phone: '555-0101',
      credit: '1200.50',
      updated_at: '2026-01-05 10:00:00+00',
      _source_winner: 'crm',
      _column_winners: { email: 'crm', full_name: 'crm', phone: 'erp', credit: 'erp', updated_at: 'crm' },
    });
    assert.deepEqual(rows[3], {
      customer_id: 3,
      email: 'cy@erp.example',
      full_name: 'Cy Dee',
      phone: '555-0103',
      credit: null,
      updated_at: '2025-12-01 00:00:00+00',
      _source_winner: 'crm',
      _column_winners: { email: 'erp', full_name: 'crm', phone: 'crm', credit: null, updated_at: 'erp' },
    });
    // Latest first: for 2 the ERP's newer row leads, and the CRM fills its missing phone.
    await kit.runJob(
      conformJob(
        base({ resolution: { merge: 'attributes', strategy: 'latest' }, lineage: { columnWinners: 'origin' } }),
        'silver.golden_latest',
      ),
    );
    const bob = (await kit.rows('silver.golden_latest')).find((row) => row.customer_id === 2);
    assert.deepEqual([bob?.email, bob?.phone, bob?._source_winner], ['bob@erp.example', '555-0102', 'erp']);
    assert.deepEqual((bob?.origin as Record<string, unknown>).phone, 'crm');
  });

  test('the source system in the key keeps one row per system and key', async () => {
    await kit.runJob(
      conformJob(
        base({ key: ['customer_id', 'source_system'], sourceSystemColumn: 'source_system' }),
        'silver.by_system',
      ),
    );
    const rows = await kit.rows('silver.by_system');
    assert.equal(rows.length, 9);
    assert.deepEqual(
      rows
        .filter((row) => row.customer_id === 1)
        .map((row) => [row.source_system, row.email])
        .sort(),
      [
        ['crm', 'ann@crm.example'],
        ['erp', 'ann@erp.example'],
      ],
    );
  });

  test('a source condition (where) limits the rows it contributes; system defaults to the dataset name', async () => {
    const sources = [
      {
        dataset: 'bronze.crm_customers',
        columns: { customer_id: 'cust_no', updated_at: 'modified_at' },
        where: 'cust_no <> 3',
      },
      { dataset: 'bronze.erp_customers', expressions: { full_name: "first || ' ' || last" } },
    ];
    await kit.runJob(conformJob({ key: ['customer_id'], columns: COLUMNS, sources }, 'silver.filtered'));
    assert.deepEqual(pick(await kit.rows('silver.filtered'), '_source_winner'), {
      1: ['crm_customers'],
      2: ['crm_customers'],
      3: ['erp_customers'],
      4: ['erp_customers'],
      5: ['crm_customers'],
    });
  });

  test('merge upserts by the key: keys the sources no longer have stay', async () => {
    await kit.writeDataset('bronze.feed', `SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name)`);
    const job = conformJob(
      {
        key: ['id'],
        columns: [
          { name: 'id', type: 'BIGINT' },
          { name: 'name', type: 'VARCHAR' },
        ],
        sources: [{ dataset: 'bronze.feed' }],
        write: { mode: 'merge' },
      },
      'silver.feed',
      ['bronze.feed'],
    );
    await kit.runJob(job, { runSequence: 1 });
    await kit.writeDataset('bronze.feed', `SELECT * FROM (VALUES (2, 'bee'), (3, 'c')) AS t(id, name)`, {
      mode: 'overwrite',
    });
    const second = await kit.runJob(job, { runSequence: 2 });
    // Written counts the updated row too.
    assert.deepEqual([second.rowsWritten, second.rowsUpdated], [2, 1]);
    assert.deepEqual(
      sortedRows((await kit.rows('silver.feed')).map(({ id, name }) => ({ id: String(id), name }))),
      sortedRows([
        { id: '1', name: 'a' },
        { id: '2', name: 'bee' },
        { id: '3', name: 'c' },
      ]),
    );
    const retry = await kit.runJob(job, { runSequence: 2, attempt: 2 });
    assert.equal(retry.skipped, true);
  });
});

describe('conform: invalid rows and ambiguous keys', () => {
  const DIRTY = `SELECT * FROM (VALUES ('1', '10'), (NULL, '5'), ('x', '3'), ('2', 'abc'), ('3', NULL)) AS t(id, amount)`;
  const dirty = (extra: Record<string, unknown> = {}) => ({
    key: ['id'],
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 'amount', type: 'DECIMAL(8,2)' },
    ],
    sources: [{ dataset: 'bronze.dirty', system: 'pos' }],
    ...extra,
  });

  test('a NULL key or a failed cast fails the job by default, naming the source, column and a sample', async () => {
    await kit.writeDataset('bronze.dirty', DIRTY);
    await assert.rejects(
      kit.runJob(conformJob(dirty(), 'silver.dirty', ['bronze.dirty'])),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'CONFORM_CAST_FAILED');
        assert.match(error.message!, /config\.sources\[0\] \(pos\): 1 row\(s\) fail the cast of "amount"/);
        assert.match(error.message!, /"amount": value abc does not cast to DECIMAL\(8,2\)/);
        assert.match(error.message!, /3 invalid row\(s\) in all/);
        assert.equal(error.details?.path, 'config.sources[0]');
        return true;
      },
    );
    await kit.writeDataset('bronze.null_keys', `SELECT * FROM (VALUES (NULL, '5'), (1, '2')) AS t(id, amount)`);
    await assert.rejects(
      kit.runJob(
        conformJob(dirty({ sources: [{ dataset: 'bronze.null_keys' }] }), 'silver.dirty', ['bronze.null_keys']),
      ),
      (error: { code?: string; message?: string }) => {
        assert.equal(error.code, 'CONFORM_KEY_NULL');
        assert.match(error.message!, /business key column "id" is NULL/);
        return true;
      },
    );
    assert.equal(await kit.version('silver.dirty'), undefined, 'nothing was written');
    assert.deepEqual(await kit.quarantined('silver.dirty'), []);
  });

  test('invalidRows quarantine sets them aside with rule, reason and column, and conforms the rest', async () => {
    const result = await kit.runJob(
      conformJob(dirty({ invalidRows: 'quarantine' }), 'silver.dirty_q', ['bronze.dirty']),
    );
    assert.equal(result.rowsQuarantined, 3);
    assert.equal(result.metrics.quarantined, 3);
    assert.deepEqual(
      sortedRows(await kit.rows('silver.dirty_q')),
      sortedRows([
        { id: 1, amount: '10.00', _source_winner: 'pos' },
        { id: 3, amount: null, _source_winner: 'pos' },
      ]),
    );
    const quarantined = await kit.quarantined('silver.dirty_q');
    assert.deepEqual(
      sortedRows(quarantined.map(({ rule, reason, column, row }) => ({ rule, reason, column, ...row }))),
      sortedRows([
        {
          rule: 'conform.key_null',
          reason: 'business key column "id" is NULL',
          column: 'id',
          id: null,
          amount: '5',
          _conform_system: 'pos',
          _conform_dataset: 'bronze.dirty',
        },
        {
          rule: 'conform.cast',
          reason: '"id": value x does not cast to INTEGER',
          column: 'id',
          id: 'x',
          amount: '3',
          _conform_system: 'pos',
          _conform_dataset: 'bronze.dirty',
        },
        {
          rule: 'conform.cast',
          reason: '"amount": value abc does not cast to DECIMAL(8,2)',
          column: 'amount',
          id: '2',
          amount: 'abc',
          _conform_system: 'pos',
          _conform_dataset: 'bronze.dirty',
        },
      ]),
    );
  });

  const DUPES = `SELECT * FROM (VALUES
    (1, 'a', TIMESTAMP '2026-01-01'), (1, 'b', TIMESTAMP '2026-01-01'),
    (2, 'c', TIMESTAMP '2026-01-01'), (2, 'c', TIMESTAMP '2026-01-01'),
    (3, 'd', TIMESTAMP '2026-01-01'), (3, 'e', TIMESTAMP '2026-01-02')
  ) AS t(id, v, updated_at)`;
  const dupes = (resolution: Record<string, unknown>) => ({
    key: ['id'],
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 'v', type: 'VARCHAR' },
      { name: 'updated_at', type: 'TIMESTAMP' },
    ],
    sources: [{ dataset: 'bronze.dupes' }],
    resolution,
  });

  test('different rows of one key ranking equal are CONFORM_KEY_AMBIGUOUS with a sample key; exact copies are not', async () => {
    await kit.writeDataset('bronze.dupes', DUPES);
    await assert.rejects(
      kit.runJob(conformJob(dupes({}), 'silver.dupes', ['bronze.dupes'])),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'CONFORM_KEY_AMBIGUOUS');
        assert.match(error.message!, /^2 key\(s\) .* e\.g\. \(id=1\) in dupes/);
        assert.deepEqual(error.details?.key, { id: 1 });
        return true;
      },
    );
    // Ordered by time, key 3 is resolved; key 1 is still a tie.
    await assert.rejects(
      kit.runJob(conformJob(dupes({ strategy: 'latest' }), 'silver.dupes', ['bronze.dupes'])),
      (error: { code?: string; message?: string }) => {
        assert.equal(error.code, 'CONFORM_KEY_AMBIGUOUS');
        assert.match(error.message!, /^1 key\(s\)/);
        return true;
      },
    );
    assert.equal(await kit.version('silver.dupes'), undefined);
  });

  test('ties arbitrary picks one row per key, the same on every run', async () => {
    const job = conformJob(dupes({ strategy: 'latest', ties: 'arbitrary' }), 'silver.dupes_any', ['bronze.dupes']);
    await kit.runJob(job, { runSequence: 1 });
    const first = Object.fromEntries((await kit.rows('silver.dupes_any')).map((row) => [row.id, row.v]));
    assert.equal(Object.keys(first).length, 3);
    assert.ok(['a', 'b'].includes(String(first[1])));
    assert.deepEqual([first[2], first[3]], ['c', 'e']);
    await kit.runJob(job, { runSequence: 2 });
    assert.deepEqual(Object.fromEntries((await kit.rows('silver.dupes_any')).map((row) => [row.id, row.v])), first);
  });
});

describe('conform: config refusals (nothing is written)', () => {
  const refused = async (
    config: Record<string, unknown>,
    expected: string,
    path: string | undefined,
    inputs = INPUTS,
  ) => {
    await assert.rejects(
      kit.runJob(conformJob(config, 'silver.refused', inputs)),
      (error: { code?: string; message?: string; details?: { path?: string } }) => {
        assert.equal(error.code, expected, error.message);
        if (path !== undefined) assert.equal(error.details?.path, path);
        return true;
      },
    );
    assert.equal(await kit.version('silver.refused'), undefined);
  };
  const crm = SOURCES[0]!;
  const erp = SOURCES[1]!;

  test('sources and inputs must match one to one', async () => {
    await refused(
      base({ sources: [crm, { ...erp, dataset: 'bronze.nowhere' }] }),
      'CONFORM_SOURCE_NOT_INPUT',
      'config.sources[1].dataset',
    );
    await refused(base({ sources: [crm] }), 'CONFORM_INPUT_UNUSED', 'config.sources');
    await refused(base({ sources: [crm, { ...erp, system: 'crm' }] }), 'CONFORM_SOURCE_DUPLICATE', 'config.sources[1]');
  });

  test('columns, key and mappings must name what exists', async () => {
    await refused(
      base({ columns: [...COLUMNS, { name: 'EMAIL', type: 'VARCHAR' }] }),
      'CONFORM_COLUMN_DUPLICATE',
      'config.columns[6].name',
    );
    await refused(
      base({ columns: [...COLUMNS, { name: '__assay_x', type: 'INTEGER' }] }),
      'CONFORM_COLUMN_RESERVED',
      'config.columns[6].name',
    );
    await refused(base({ key: ['customer_id', 'nope'] }), 'CONFORM_KEY_UNKNOWN', 'config.key[1]');
    await refused(
      base({ sources: [{ ...crm, columns: { ...crm.columns, nope: 'cust_no' } }, erp] }),
      'CONFORM_TARGET_UNKNOWN',
      'config.sources[0].columns.nope',
    );
    await refused(
      base({ sources: [crm, { ...erp, columns: { full_name: 'first' } }] }),
      'CONFORM_MAPPING_CONFLICT',
      'config.sources[1].expressions.full_name',
    );
    await refused(
      base({ sources: [{ ...crm, columns: { customer_id: 'customer_no' } }, erp] }),
      'CONFORM_COLUMN_MISSING',
      'config.sources[0].columns.customer_id',
    );
    // The CRM has no customer_id column and no mapping for it.
    await refused(
      base({ sources: [{ dataset: 'bronze.crm_customers' }, erp] }),
      'CONFORM_KEY_UNMAPPED',
      'config.sources[0].columns.customer_id',
    );
  });

  test('latest needs its updatedAt column declared and given by every source', async () => {
    await refused(
      base({ resolution: { strategy: 'latest', updatedAt: 'changed' } }),
      'CONFORM_UPDATED_AT_UNKNOWN',
      'config.resolution.updatedAt',
    );
    await refused(
      base({ resolution: { strategy: 'latest' }, sources: [{ ...crm, columns: { customer_id: 'cust_no' } }, erp] }),
      'CONFORM_UPDATED_AT_UNMAPPED',
      'config.sources[0].columns.updated_at',
    );
  });

  test('the priority list names each source system once', async () => {
    await refused(
      base({ resolution: { priority: ['erp', 'sap'] } }),
      'CONFORM_PRIORITY_INVALID',
      'config.resolution.priority[1]',
    );
    await refused(
      base({ resolution: { priority: ['erp', 'erp'] } }),
      'CONFORM_PRIORITY_INVALID',
      'config.resolution.priority[1]',
    );
    await refused(
      base({ resolution: { priority: ['erp'] } }),
      'CONFORM_PRIORITY_INVALID',
      'config.resolution.priority',
    );
  });

  test('types must be DuckDB types; the text cannot smuggle SQL into the cast', async () => {
    const typed = (type: string) => base({ columns: [...COLUMNS.slice(0, 5), { name: 'updated_at', type }] });
    await refused(
      typed('TIMESTAMP) AS x FROM bronze.crm_customers --'),
      'CONFORM_TYPE_INVALID',
      'config.columns[5].type',
    );
    await refused(typed('TIMESTAMPZ'), 'CONFORM_TYPE_INVALID', 'config.columns[5].type');
  });

  test('lineage columns must not collide; columnWinners belongs to attribute merges', async () => {
    await refused(base({ sourceSystemColumn: 'email' }), 'CONFORM_COLUMN_CONFLICT', 'config.sourceSystemColumn');
    await refused(
      base({ sourceSystemColumn: 'src', lineage: { winnerColumn: 'src' } }),
      'CONFORM_COLUMN_CONFLICT',
      'config.lineage.winnerColumn',
    );
    await refused(base({ lineage: { columnWinners: 'w' } }), 'JOB_CONFIG_INVALID', 'config.lineage.columnWinners');
    await refused(
      {
        key: ['id'],
        columns: [{ name: 'id', type: 'INTEGER' }],
        sources: [{ dataset: 'bronze.feed' }],
        resolution: { merge: 'attributes' },
      },
      'JOB_CONFIG_INVALID',
      'config.resolution.merge',
      ['bronze.feed'],
    );
  });

  test('expressions and conditions that do not bind are SQL_INVALID at their field; the sandbox holds', async () => {
    await refused(
      base({ sources: [crm, { ...erp, expressions: { full_name: 'first || surname' } }] }),
      'SQL_INVALID',
      'config.sources[1].expressions.full_name',
    );
    await refused(base({ sources: [{ ...crm, where: 'nope > 1' }, erp] }), 'SQL_INVALID', 'config.sources[0].where');
    await refused(
      base({
        sources: [crm, { ...erp, expressions: { full_name: "(SELECT max(column0) FROM read_csv('/etc/passwd'))" } }],
      }),
      'SQL_FUNCTION_NOT_ALLOWED',
      undefined,
    );
    await refused(
      base({ sources: [crm, { ...erp, expressions: { full_name: '' } }] }),
      'JOB_CONFIG_INVALID',
      undefined,
    );
  });
});

test('the plugin contributes the conform operator', () => {
  assert.equal(plugin.id, 'operator-conform');
  assert.deepEqual(
    plugin.operators?.map((o) => [o.type, o.version, o.category, o.output]),
    [['conform', 1, 'silver', 'table']],
  );
});
