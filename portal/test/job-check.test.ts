/// <reference types="node" />
// The job checks editor's rules without a browser: taking a check apart for its two forms and putting it back,
// the list's summaries, the layer defaults the server applies and the mapping of the server's errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COMMON_CHECK_SCHEMA,
  commonProblems,
  commonSchemaFor,
  defaultActions,
  defaultActionText,
  describeCheck,
  errorsOfCheck,
  joinCheck,
  savedCommon,
  searchCheckTypes,
  splitCheck,
} from '../src/lib/checks/job-check.ts';
import { validate } from '../src/lib/forms/validate.ts';

describe('splitCheck and joinCheck', () => {
  test('split the common keys from the type config, keeping unknown keys in the config', () => {
    const check = {
      check: 'not_null',
      column: 'email',
      action: 'quarantine',
      mostly: 0.95,
      id: 'email_present',
      where: 'country = ‘NL’',
      weight: 2,
      futureOption: { nested: [1, 2] },
    };
    const split = splitCheck(check);
    assert.deepEqual(split, {
      type: 'not_null',
      common: { action: 'quarantine', mostly: 0.95, id: 'email_present', where: 'country = ‘NL’', weight: 2 },
      config: { column: 'email', futureOption: { nested: [1, 2] } },
    });
    assert.deepEqual(joinCheck(split.type, split.common, split.config), check);
  });

  test('join leaves out undefined keys so the server applies its defaults', () => {
    const joined = joinCheck(
      'row_count',
      { action: undefined, mostly: undefined, weight: 3 },
      { min: 1, max: undefined },
    );
    assert.deepEqual(joined, { check: 'row_count', min: 1, weight: 3 });
    assert.equal(Object.keys(joined).includes('action'), false);
  });

  test('join keeps the given type even when the config names another one', () => {
    assert.deepEqual(joinCheck('unique', {}, { check: 'not_null', column: 'id' }), { check: 'unique', column: 'id' });
  });

  test('a check without a type is refused with what to write', () => {
    for (const bad of [{ column: 'email' }, { check: '' }, { check: 3 }, null, 'not_null', []]) {
      assert.throws(
        () => splitCheck(bad),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /needs its type in "check"/);
          return true;
        },
      );
    }
  });
});

describe('describeCheck', () => {
  test('names the type, the column(s), mostly and the action', () => {
    assert.equal(
      describeCheck({ check: 'not_null', column: 'email', action: 'quarantine' }),
      'not_null on email → quarantine',
    );
    assert.equal(
      describeCheck({ check: 'unique', columns: ['order_id', 'line'], action: 'fail' }),
      'unique on order_id, line → fail',
    );
    assert.equal(
      describeCheck({ check: 'regex', column: 'zip', mostly: 0.975 }),
      'regex on zip (mostly 97.5%) → default action',
    );
    assert.equal(describeCheck({ check: 'row_count', min: 1 }), 'row_count → default action');
  });

  test('a check without a type still gets a line', () => {
    assert.equal(describeCheck({ column: 'email' }), 'Check without a type');
    assert.equal(describeCheck(undefined), 'Check without a type');
  });
});

describe('layer defaults', () => {
  test('mirror the server: bronze quarantine/warn, silver quarantine/fail, gold fail/gate', () => {
    assert.deepEqual(defaultActions('bronze'), { row: 'quarantine', aggregate: 'warn' });
    assert.deepEqual(defaultActions('silver'), { row: 'quarantine', aggregate: 'fail' });
    assert.deepEqual(defaultActions('gold'), { row: 'fail', aggregate: 'gate' });
    assert.equal(
      defaultActionText('gold'),
      'Left empty, Gold applies fail to row checks and gate to aggregate checks.',
    );
    assert.match(defaultActionText(undefined), /depends on the layer/);
  });

  test('gold does not offer drop or fix', () => {
    assert.deepEqual(commonSchemaFor('gold').properties?.action?.enum, [
      'warn',
      'quarantine',
      'fail',
      'gate',
      'rollback',
    ]);
    assert.equal(commonSchemaFor('silver'), COMMON_CHECK_SCHEMA);
    assert.deepEqual(validate(commonSchemaFor('gold'), { action: 'drop' }), {
      action: 'Choose one of: warn, quarantine, fail, gate, rollback',
    });
  });
});

describe('the common keys', () => {
  test('the schema judges them the way the pipeline document does', () => {
    assert.deepEqual(validate(COMMON_CHECK_SCHEMA, {}), {});
    assert.deepEqual(
      validate(COMMON_CHECK_SCHEMA, { action: 'warn', id: 'not_null.email', mostly: 0.5, weight: 100 }),
      {},
    );
    const errors = validate(COMMON_CHECK_SCHEMA, { action: 'explode', id: 'Email', mostly: 1.5, weight: 0, where: '' });
    assert.deepEqual(Object.keys(errors).sort(), ['action', 'id', 'mostly', 'weight']);
    assert.equal(errors.mostly, 'At most 1');
    assert.equal(errors.weight, 'More than 0');
  });

  test('fix needs action fix and at least one non-empty expression', () => {
    assert.deepEqual(commonProblems({ action: 'fix', fix: { amount: 'abs(amount)' } }), {});
    assert.match(commonProblems({ action: 'fix' }).fix ?? '', /at least one column/);
    assert.match(commonProblems({ action: 'fix', fix: {} }).fix ?? '', /at least one column/);
    assert.match(commonProblems({ action: 'fix', fix: { amount: ' ' } }).fix ?? '', /column "amount"/);
    assert.deepEqual(commonProblems({ action: 'warn', fix: {} }), {});
  });

  test('a fix is saved only with action fix', () => {
    assert.deepEqual(savedCommon({ action: 'warn', fix: { a: 'b' }, weight: 2 }), { action: 'warn', weight: 2 });
    assert.deepEqual(savedCommon({ action: 'fix', fix: { a: 'b' } }), { action: 'fix', fix: { a: 'b' } });
  });
});

describe('errorsOfCheck', () => {
  test('splits the server errors of one check between its forms', () => {
    const errors = {
      '[0].column': 'Column "emial" is not in the output',
      '[0].mostly': 'At most 1',
      '[0].fix.amount': 'Not a SQL expression',
      '[1].check': 'Check type "nope" is not installed',
      '[1]': 'Two checks have the id not_null.email',
      '[10].column': 'another check',
    };
    assert.deepEqual(errorsOfCheck(errors, 0), {
      config: { column: 'Column "emial" is not in the output' },
      common: { mostly: 'At most 1', 'fix.amount': 'Not a SQL expression' },
      whole: [],
    });
    assert.deepEqual(errorsOfCheck(errors, 1), {
      config: {},
      common: {},
      whole: ['Check type "nope" is not installed', 'Two checks have the id not_null.email'],
    });
    assert.deepEqual(errorsOfCheck(errors, 10).config, { column: 'another check' });
    assert.deepEqual(errorsOfCheck(errors, 2), { config: {}, common: {}, whole: [] });
  });
});

describe('searchCheckTypes', () => {
  const types = [
    { type: 'not_null', title: 'Not null', description: 'A column has no missing values' },
    { type: 'unique', title: 'Unique', description: 'No duplicate keys' },
    { type: 'freshness', title: 'Freshness' },
  ];
  test('every word must match the type, title or description', () => {
    assert.deepEqual(
      searchCheckTypes(types, '').map((t) => t.type),
      ['not_null', 'unique', 'freshness'],
    );
    assert.deepEqual(
      searchCheckTypes(types, 'MISSING column').map((t) => t.type),
      ['not_null'],
    );
    assert.deepEqual(
      searchCheckTypes(types, 'fresh').map((t) => t.type),
      ['freshness'],
    );
    assert.deepEqual(searchCheckTypes(types, 'nothing like it'), []);
  });
});
