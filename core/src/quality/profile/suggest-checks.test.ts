import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LINES_SQL, ORDERS_SQL } from './profile-fixtures.ts';
import { profileFixtures } from './profile-testing.ts';
import type { ColumnProfile, DatasetProfile, Suggestion } from './profile.schemas.ts';
import { suggestChecks } from './suggest-checks.ts';
import { TEXT_PATTERNS } from './text-patterns.ts';

const EMAIL_PATTERN = TEXT_PATTERNS.find((pattern) => pattern.name === 'email')!.regex;

let profiles: Record<string, DatasetProfile>;
before(async () => {
  profiles = await profileFixtures(
    { 'silver.orders': ORDERS_SQL, 'silver.lines': LINES_SQL },
    { now: new Date('2024-06-01T00:00:00Z') },
  );
});

const column = (name: string, more: Partial<ColumnProfile> = {}): ColumnProfile => ({
  name,
  type: 'VARCHAR',
  kind: 'text',
  masked: false,
  nulls: 0,
  nullPercent: 0,
  distinct: 100,
  distinctApproximate: false,
  min: null,
  max: null,
  minLength: null,
  maxLength: null,
  topValues: null,
  patterns: [],
  casts: [],
  ...more,
});
const profileOf = (columns: ColumnProfile[], more: Partial<DatasetProfile> = {}): DatasetProfile => ({
  relation: 'silver.t',
  rows: 100,
  profiledRows: 100,
  sampled: false,
  profiledAt: '2024-06-01T00:00:00.000Z',
  columns,
  candidateKeys: [],
  ...more,
});
const brief = (suggestions: Suggestion[]) => suggestions.map((s) => `${s.id} ${s.check.action} ${s.confidence}`);
const byId = (suggestions: Suggestion[], id: string) => {
  const found = suggestions.find((s) => s.id === id);
  assert.ok(found, `${id} in ${suggestions.map((s) => s.id).join(', ')}`);
  return found;
};

describe('suggestChecks', () => {
  test('the orders fixture: every suggestion in order, with its action and confidence', () => {
    const { suggestions, skipped } = suggestChecks(profiles['silver.orders']!);
    assert.deepEqual(brief(suggestions), [
      'not_null.order_id quarantine high',
      'unique.order_id fail high',
      'null_rate.email warn medium',
      'regex.email quarantine high',
      'not_null.status quarantine high',
      'accepted_values.status quarantine high',
      'not_null.amount quarantine high',
      'range.amount warn medium',
      'not_null.ordered_on quarantine high',
      'range.ordered_on warn medium',
      'not_future.ordered_on warn medium',
      'not_null.code quarantine high',
      'unique.code fail high',
      'regex.code quarantine high',
      'not_null.qty quarantine high',
      'type.qty quarantine high',
      'not_null.note quarantine high',
      'accepted_values.note quarantine high',
      'not_null.flag quarantine high',
      'row_count warn medium',
    ]);
    assert.deepEqual(skipped, []);
  });

  test('each suggestion carries the check as a document declares it and the evidence in words', () => {
    const { suggestions } = suggestChecks(profiles['silver.orders']!);
    assert.deepEqual(byId(suggestions, 'not_null.order_id'), {
      id: 'not_null.order_id',
      check: { check: 'not_null', column: 'order_id', action: 'quarantine' },
      evidence: '0 NULLs in 20 rows',
      confidence: 'high',
    });
    assert.deepEqual(byId(suggestions, 'null_rate.email').check, {
      check: 'null_rate',
      column: 'email',
      max: 15,
      action: 'warn',
    });
    assert.equal(byId(suggestions, 'null_rate.email').evidence, '2 NULLs in 20 rows (10 %); at most 15 % allowed');
    assert.deepEqual(byId(suggestions, 'regex.email').check, {
      check: 'regex',
      column: 'email',
      pattern: EMAIL_PATTERN,
      action: 'quarantine',
    });
    assert.equal(
      byId(suggestions, 'regex.email').evidence,
      '18 of 18 non-NULL values (100 %) in 20 rows look like an e-mail address',
    );
    assert.deepEqual(byId(suggestions, 'accepted_values.status').check.values, ['cancelled', 'open', 'shipped']);
    assert.equal(
      byId(suggestions, 'accepted_values.status').evidence,
      '3 distinct values in 20 rows: cancelled (7), shipped (7), open (6)',
    );
    assert.deepEqual(byId(suggestions, 'range.amount').check, {
      check: 'range',
      column: 'amount',
      min: 0,
      max: 55,
      action: 'warn',
    });
    assert.deepEqual(byId(suggestions, 'range.ordered_on').check, {
      check: 'range',
      column: 'ordered_on',
      min: '2023-12-01',
      action: 'warn',
    });
    assert.deepEqual(byId(suggestions, 'not_future.ordered_on').check, {
      check: 'custom_sql',
      id: 'not_future.ordered_on',
      predicate: 'CAST("ordered_on" AS DATE) <= current_date',
      action: 'warn',
    });
    assert.deepEqual(byId(suggestions, 'type.qty').check, {
      check: 'type',
      column: 'qty',
      type: 'BIGINT',
      action: 'quarantine',
    });
    assert.deepEqual(byId(suggestions, 'row_count').check, { check: 'row_count', min: 10, action: 'warn' });
  });

  test('no single-column key: a key of two columns is suggested, with medium confidence', () => {
    const { suggestions } = suggestChecks(profiles['silver.lines']!);
    const pair = byId(suggestions, 'unique.order_id+line_no');
    assert.deepEqual(pair.check, { check: 'unique', columns: ['order_id', 'line_no'], action: 'warn' });
    assert.equal(pair.confidence, 'medium');
    assert.ok(!suggestions.some((s) => s.id === 'range.order_id' || s.id === 'range.line_no'), 'no range on ids');
    assert.deepEqual(byId(suggestions, 'range.weight').check, {
      check: 'range',
      column: 'weight',
      min: 3,
      max: 29,
      action: 'warn',
    });
  });

  test('the same profile gives the same suggestions', () => {
    assert.deepEqual(suggestChecks(profiles['silver.orders']!), suggestChecks(profiles['silver.orders']!));
  });

  test('actions follow the layer: Bronze quarantines structural rows and warns otherwise; Gold fails and gates', () => {
    const columns = [
      column('id', { type: 'BIGINT', kind: 'number', min: 1, max: 100 }),
      column('state', {
        distinct: 2,
        topValues: [
          { value: 'a', count: 60 },
          { value: 'b', count: 40 },
        ],
        maxLength: 1,
      }),
    ];
    const profile = profileOf(columns, { candidateKeys: [['id']] });
    const actions = (layer: string) => brief(suggestChecks({ ...profile, relation: `${layer}.t` }).suggestions);
    assert.deepEqual(actions('bronze'), [
      'not_null.id quarantine high',
      'unique.id warn high',
      'not_null.state quarantine high',
      'accepted_values.state warn high',
      'row_count warn medium',
    ]);
    assert.deepEqual(actions('gold'), [
      'not_null.id fail high',
      'unique.id gate high',
      'not_null.state fail high',
      'accepted_values.state fail high',
      'row_count warn medium',
    ]);
  });

  test('masked and audit columns are skipped with the reason; nothing is read off a mask', () => {
    const { suggestions, skipped } = suggestChecks(
      profileOf([
        column('email', { masked: true, patterns: [{ pattern: 'email', matches: 100, share: 1 }] }),
        column('_load_id'),
        column('name', { minLength: 1, maxLength: 40 }),
      ]),
    );
    assert.deepEqual(
      skipped.map((s) => s.column),
      ['email', '_load_id'],
    );
    assert.match(skipped[0]!.reason, /masked for you/);
    assert.deepEqual(brief(suggestions), ['not_null.name quarantine high', 'row_count warn medium']);
  });

  test('a sample or a handful of rows makes every suggestion medium, and the evidence says so', () => {
    const sampled = profileOf([column('id', { type: 'BIGINT', kind: 'number', min: 1, max: 9 })], {
      rows: 5_000_000,
      profiledRows: 1_000_000,
      sampled: true,
      candidateKeys: [['id']],
    });
    const { suggestions } = suggestChecks(sampled);
    assert.deepEqual(brief(suggestions), ['not_null.id warn medium', 'unique.id warn medium', 'row_count warn medium']);
    assert.equal(suggestions[0]!.evidence, '0 NULLs in a sample of 1,000,000 of 5,000,000 rows');
    assert.equal(suggestions[2]!.check.min, 2_500_000, 'the row count bound is of all rows');
    const few = suggestChecks(profileOf([column('id')], { rows: 4, profiledRows: 4 }));
    assert.equal(byId(few.suggestions, 'not_null.id').confidence, 'medium');
  });

  test('text: a pattern at 99 % is suggested with mostly; below 99 % it is not; dates cast as DATE', () => {
    const almost = column('mail', { nulls: 0, patterns: [{ pattern: 'email', matches: 995, share: 0.995 }] });
    const [, regex] = suggestChecks(profileOf([almost], { rows: 1000, profiledRows: 1000 })).suggestions;
    assert.deepEqual(regex?.check, {
      check: 'regex',
      column: 'mail',
      pattern: EMAIL_PATTERN,
      mostly: 0.99,
      action: 'warn',
    });
    assert.equal(regex?.confidence, 'medium');
    const below = column('mail', { patterns: [{ pattern: 'email', matches: 98, share: 0.98 }] });
    assert.ok(!suggestChecks(profileOf([below])).suggestions.some((s) => s.check.check === 'regex'));

    const dates = column('day', {
      patterns: [{ pattern: 'iso_date', matches: 100, share: 1 }],
      casts: [
        { type: 'DATE', matches: 100, share: 1 },
        { type: 'TIMESTAMP', matches: 100, share: 1 },
      ],
    });
    const stamps = column('at', { casts: [{ type: 'TIMESTAMP', matches: 100, share: 1 }] });
    const types = suggestChecks(profileOf([dates, stamps])).suggestions.filter((s) => s.check.check === 'type');
    assert.deepEqual(
      types.map((s) => s.check.type),
      ['DATE', 'TIMESTAMP'],
    );
    const fixed = suggestChecks(profileOf([column('country', { minLength: 2, maxLength: 2 })])).suggestions;
    assert.deepEqual(byId(fixed, 'range.country').check, {
      check: 'range',
      column: 'country',
      length: true,
      min: 2,
      max: 2,
      action: 'warn',
    });
  });

  test('dates with some ahead of the profile get no not-in-the-future check', () => {
    const due = column('due_on', { type: 'DATE', kind: 'temporal', min: '2024-01-01', max: '2024-12-31' });
    const ids = suggestChecks(profileOf([due])).suggestions.map((s) => s.id);
    assert.deepEqual(ids, ['not_null.due_on', 'range.due_on', 'row_count']);
  });

  test('an empty dataset: nothing to suggest, every column skipped', () => {
    const { suggestions, skipped } = suggestChecks(profileOf([column('a'), column('b')], { rows: 0, profiledRows: 0 }));
    assert.deepEqual(suggestions, []);
    assert.deepEqual(
      skipped.map((s) => `${s.column}: ${s.reason}`),
      ['a: the dataset has no rows to learn from', 'b: the dataset has no rows to learn from'],
    );
  });
});
