import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from '@assay/sdk';
import { checkDocument } from './check-document.ts';
import type { DocumentProblem } from './document-problem.ts';
import type { JobCheck, JobSpec, PipelineDocument } from './pipeline-document.ts';
import { validatePipeline, type CheckInfo, type PipelineValidationContext } from './validate-pipeline.ts';

const Column = Type.String({ minLength: 1 });
/** Check types shaped like the quality plugin's: the same config properties and `ui.widgets`. */
const CHECKS: Record<string, CheckInfo> = {
  not_null: { config: Type.Object({ column: Column }, { additionalProperties: false }), widgets: { column: 'column' } },
  unique: {
    config: Type.Object(
      { column: Type.Optional(Column), columns: Type.Optional(Type.Array(Column, { minItems: 1 })) },
      { additionalProperties: false },
    ),
    widgets: { column: 'column', columns: 'columns' },
  },
  regex: {
    config: Type.Object({ column: Column, pattern: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    widgets: { column: 'column', pattern: 'regex' },
  },
  custom_sql: {
    config: Type.Object(
      {
        predicate: Type.Optional(Type.String({ minLength: 1 })),
        expression: Type.Optional(Type.String({ minLength: 1 })),
        min: Type.Optional(Type.Number()),
        max: Type.Optional(Type.Number()),
      },
      { additionalProperties: false },
    ),
    widgets: { predicate: 'sql-predicate', expression: 'sql-aggregate' },
  },
  // A third-party type that marks its pattern with the `regex` widget.
  code_format: {
    config: Type.Object({ column: Column, format: Type.String() }, { additionalProperties: false }),
    widgets: { column: 'column', format: 'regex' },
  },
};
/** Datasets in the lake and their columns. */
const LAKE: Record<string, string[]> = {
  'silver.sales': ['order_id', 'line', 'amount', 'Status', 'sold_on'],
  'gold.revenue': ['day', 'revenue'],
};

function context(asked: string[] = []): PipelineValidationContext {
  const config = Type.Object({ sql: Type.String() }, { additionalProperties: false });
  return {
    operator: (type) =>
      type === 'sql' ? { type, version: 1, config, inputs: { min: 1 }, output: 'table' } : undefined,
    operatorTypes: () => ['sql'],
    operatorDisabledBy: () => undefined,
    check: (type) => CHECKS[type],
    connectionType: () => undefined,
    connectorStreamConfig: () => undefined,
    datasetExists: () => true,
    datasetColumns: async (dataset) => {
      asked.push(dataset);
      return LAKE[dataset];
    },
  };
}

const check = (entry: Record<string, unknown>) => entry as JobCheck;
const job = (id: string, output: string, checks: JobCheck[]): JobSpec => ({
  id,
  operator: 'sql',
  inputs: ['bronze.sales'],
  config: { sql: 'SELECT * FROM bronze.sales' },
  output,
  checks,
});
const pipeline = (...jobs: JobSpec[]): PipelineDocument => ({
  apiVersion: 'assay.dev/v1',
  kind: 'Pipeline',
  metadata: { name: 'checked' },
  spec: { jobs },
});
const listed = (problems: readonly DocumentProblem[]) => problems.map((p) => [p.code, p.path, p.message]);
const problemsOf = async (...checks: JobCheck[]) =>
  (await validatePipeline(pipeline(job('sales', 'silver.sales', checks)), context())).problems;

describe('validatePipeline: checks', () => {
  test('sound checks pass: SQL of each kind, a fix, a pattern, columns of the output in any case', async () => {
    const asked: string[] = [];
    const { problems, normalized } = await validatePipeline(
      pipeline(
        job('sales', 'silver.sales', [
          check({ check: 'not_null', column: 'status', where: "sold_on >= DATE '2024-01-01'", mostly: 0.99 }),
          check({ check: 'unique', columns: ['order_id', 'line'] }),
          check({ check: 'regex', column: 'order_id', pattern: '[A-Z]{2}-\\d{4}' }),
          check({ check: 'custom_sql', predicate: 'amount >= 0', action: 'fix', fix: { amount: 'abs(amount)' } }),
          check({ check: 'custom_sql', id: 'avg_amount', expression: 'sum(amount) / count(*)', min: 1 }),
          check({
            check: 'custom_sql',
            id: 'no_repeats',
            expression: 'list_sum(list_filter(map_values(histogram(order_id)), n -> n > 1))',
          }),
        ]),
      ),
      context(asked),
    );
    assert.deepEqual(problems, []);
    assert.equal(normalized.spec.jobs[0]!.checks!.length, 6);
    assert.deepEqual(asked, ['silver.sales', 'bronze.sales'], 'the columns of the output and of the inputs');
  });

  test('mostly outside 0..1 is refused by the document schema, at the check’s path', () => {
    const document = pipeline(
      job('sales', 'silver.sales', [
        check({ check: 'not_null', column: 'amount', mostly: 1.5 }),
        check({ check: 'not_null', column: 'line', mostly: -0.1 }),
        check({ check: 'not_null', column: 'order_id', mostly: 0 }),
        check({ check: 'unique', column: 'order_id', mostly: 1 }),
      ]),
    );
    assert.deepEqual(listed(checkDocument(document).problems), [
      ['DOCUMENT_INVALID', 'spec.jobs[0].checks[0].mostly', 'must be <= 1 (got 1.5)'],
      ['DOCUMENT_INVALID', 'spec.jobs[0].checks[1].mostly', 'must be >= 0 (got -0.1)'],
    ]);
  });

  test('two checks of a job with one id: refused at the later one, whether the ids are given or derived', async () => {
    const problems = await problemsOf(
      check({ check: 'not_null', column: 'amount' }),
      check({ check: 'unique', column: 'order_id' }),
      check({ check: 'not_null', column: 'amount', where: 'amount > 100' }),
      check({ check: 'unique', columns: ['order_id'] }),
      check({ check: 'custom_sql', id: 'positive', predicate: 'amount > 0' }),
      check({ check: 'custom_sql', id: 'positive', predicate: 'line > 0' }),
    );
    const message = (id: string, earlier: number) =>
      `job "sales": check id "${id}" is also the id of checks[${earlier}], and results, incidents and quarantined ` +
      'rows are kept by check id: give one of them its own id';
    assert.deepEqual(listed(problems), [
      ['PIPELINE_CHECK_ID_DUPLICATE', 'spec.jobs[0].checks[2]', message('not_null.amount', 0)],
      ['PIPELINE_CHECK_ID_DUPLICATE', 'spec.jobs[0].checks[3]', message('unique.order_id', 1)],
      ['PIPELINE_CHECK_ID_DUPLICATE', 'spec.jobs[0].checks[5].id', message('positive', 4)],
    ]);
    const other = await validatePipeline(
      pipeline(
        job('sales', 'silver.sales', [check({ check: 'not_null', column: 'amount' })]),
        job('revenue', 'gold.revenue', [check({ check: 'not_null', column: 'revenue' })]),
        job('totals', 'gold.totals', [check({ check: 'not_null', column: 'amount' })]),
      ),
      context(),
    );
    assert.deepEqual(other.problems, [], 'ids are per job');
  });

  test('fix goes with action fix and the other way round; Gold rows are never dropped or fixed', async () => {
    const problems = await problemsOf(
      check({ check: 'not_null', column: 'amount', action: 'warn', fix: { amount: '0' } }),
      check({ check: 'not_null', column: 'line', fix: { line: '1' } }),
      check({ check: 'not_null', column: 'order_id', action: 'fix' }),
      check({ check: 'not_null', column: 'sold_on', action: 'fix', fix: {} }),
    );
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_CHECK_INVALID',
        'spec.jobs[0].checks[0].fix',
        'job "sales", check "not_null.amount": fix is used only with action: fix, and this check has action warn: ' +
          'set action: fix or remove fix',
      ],
      [
        'PIPELINE_CHECK_INVALID',
        'spec.jobs[0].checks[1].fix',
        'job "sales", check "not_null.line": fix is used only with action: fix, and this check has the layer’s ' +
          'default action: set action: fix or remove fix',
      ],
      [
        'PIPELINE_CHECK_INVALID',
        'spec.jobs[0].checks[2].action',
        'job "sales", check "not_null.order_id": action fix needs fix: each column to repair with the SQL ' +
          'expression of its new value, e.g. fix: { amount: "abs(amount)" }',
      ],
      ['PIPELINE_CHECK_INVALID', 'spec.jobs[0].checks[3].fix', problems[3]?.message],
    ]);
    assert.match(problems[3]!.message, /action fix needs fix/);

    const gold = await validatePipeline(
      pipeline(
        job('revenue', 'gold.revenue', [
          check({ check: 'not_null', column: 'revenue', action: 'drop' }),
          check({ check: 'not_null', column: 'day', action: 'fix', fix: { day: 'current_date' } }),
          check({ check: 'unique', column: 'day', action: 'gate' }),
        ]),
      ),
      context(),
    );
    assert.deepEqual(
      gold.problems.map((p) => [p.code, p.path]),
      [
        ['PIPELINE_CHECK_INVALID', 'spec.jobs[0].checks[0].action'],
        ['PIPELINE_CHECK_INVALID', 'spec.jobs[0].checks[1].action'],
      ],
    );
    assert.match(gold.problems[0]!.message, /^job "revenue", check "not_null.revenue": action drop would change rows/);
  });

  test('check SQL must be one expression of the right kind, reading no table', async () => {
    const problems = await problemsOf(
      check({ check: 'not_null', column: 'amount', where: 'amount > 0; DROP TABLE silver.sales' }),
      check({ check: 'not_null', column: 'line', where: 'order_id IN (SELECT order_id FROM bronze.returns)' }),
      check({ check: 'custom_sql', id: 'escape', predicate: 'amount > 0) FROM silver.other WHERE (true' }),
      check({ check: 'custom_sql', id: 'joined', predicate: 'amount > 0) OR (true' }),
      check({ check: 'custom_sql', id: 'exists', predicate: 'EXISTS (SELECT 1 FROM gold.revenue)' }),
      check({ check: 'custom_sql', id: 'row_agg', predicate: 'amount > avg(amount)' }),
      check({ check: 'custom_sql', id: 'no_agg', expression: 'amount * 2', max: 10 }),
      check({ check: 'custom_sql', id: 'half_agg', expression: 'sum(amount) + line', max: 10 }),
      check({ check: 'custom_sql', id: 'lookup', expression: '(SELECT count(*) FROM silver.other)', max: 10 }),
      check({ check: 'custom_sql', id: 'stmt', expression: 'DELETE FROM silver.sales', max: 10 }),
      check({ check: 'not_null', column: 'sold_on', where: 'sum(amount) > 0' }),
      check({
        check: 'not_null',
        column: 'Status',
        action: 'fix',
        fix: { Status: '(SELECT status FROM silver.states LIMIT 1)' },
      }),
    );
    const at = (index: number, property: string) => `spec.jobs[0].checks[${index}].${property}`;
    assert.deepEqual(
      problems.map((p) => [p.code, p.path]),
      [
        ['PIPELINE_CHECK_SQL_INVALID', at(0, 'where')],
        ['PIPELINE_CHECK_SQL_INVALID', at(1, 'where')],
        ['PIPELINE_CHECK_SQL_INVALID', at(2, 'predicate')],
        ['PIPELINE_CHECK_SQL_INVALID', at(3, 'predicate')],
        ['PIPELINE_CHECK_SQL_INVALID', at(4, 'predicate')],
        ['PIPELINE_CHECK_SQL_INVALID', at(5, 'predicate')],
        ['PIPELINE_CHECK_SQL_INVALID', at(6, 'expression')],
        ['PIPELINE_CHECK_SQL_INVALID', at(7, 'expression')],
        ['PIPELINE_CHECK_SQL_INVALID', at(8, 'expression')],
        ['PIPELINE_CHECK_SQL_INVALID', at(9, 'expression')],
        ['PIPELINE_CHECK_SQL_INVALID', at(10, 'where')],
        ['PIPELINE_CHECK_SQL_INVALID', at(11, 'fix.Status')],
      ],
    );
    const messages = problems.map((p) => p.message);
    assert.match(messages[0]!, /^job "sales", check "not_null.amount": where is not a SQL expression: syntax error/);
    assert.match(messages[1]!, /^job "sales", check "not_null.line": where contains a subquery .*referential check/);
    assert.match(messages[2]!, /^job "sales", check "escape": predicate is not a SQL expression/);
    assert.match(messages[3]!, /^job "sales", check "joined": predicate is not one expression: its parentheses/);
    assert.match(messages[4]!, /check "exists": predicate contains a subquery/);
    assert.match(messages[5]!, /check "row_agg": predicate calls avg\(\), an aggregate, but it is evaluated on each/);
    assert.match(messages[6]!, /check "no_agg": expression must aggregate the rows, .* calls no aggregate function/);
    assert.match(messages[7]!, /check "half_agg": expression uses column line outside an aggregate function/);
    assert.match(messages[8]!, /check "lookup": expression contains a subquery/);
    assert.match(messages[9]!, /check "stmt": expression is not a SQL expression: syntax error/);
    assert.match(messages[10]!, /check "not_null.sold_on": where calls sum\(\), an aggregate/);
    assert.match(messages[11]!, /check "not_null.Status": the fix for column "Status" contains a subquery/);
  });

  test('a regular expression that RE2 cannot compile is refused at its property', async () => {
    const problems = await problemsOf(
      check({ check: 'regex', column: 'order_id', pattern: '[A-Z' }),
      check({ check: 'regex', column: 'line', pattern: '^(?!0)\\d+$' }),
      check({ check: 'code_format', column: 'Status', format: '(open|paid' }),
      check({ check: 'code_format', column: 'amount', format: '\\d+(\\.\\d{2})?' }),
    );
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_CHECK_REGEX_INVALID',
        'spec.jobs[0].checks[0].pattern',
        'job "sales", check "regex.order_id": pattern "[A-Z" does not compile as an RE2 regular expression ' +
          '(missing ]: [A-Z): correct it; RE2 has no lookaround and no backreferences',
      ],
      ['PIPELINE_CHECK_REGEX_INVALID', 'spec.jobs[0].checks[1].pattern', problems[1]?.message],
      [
        'PIPELINE_CHECK_REGEX_INVALID',
        'spec.jobs[0].checks[2].format',
        'job "sales", check "code_format.Status": format "(open|paid" does not compile as an RE2 regular ' +
          'expression (missing ): (open|paid): correct it; RE2 has no lookaround and no backreferences',
      ],
    ]);
    assert.match(problems[1]!.message, /pattern "\^\(\?!0\)\\\\d\+\$" does not compile .*invalid perl operator: \(\?!/);
  });

  test('columns a check names must be columns of the output, when the output exists', async () => {
    const problems = await problemsOf(
      check({ check: 'not_null', column: 'qty' }),
      check({ check: 'unique', columns: ['order_id', 'lin'] }),
      check({ check: 'regex', column: 'STATUS', pattern: 'open|paid' }),
      check({
        check: 'custom_sql',
        predicate: 'amount > 0',
        action: 'fix',
        fix: { amount: 'abs(amount)', total: '0' },
      }),
    );
    const columns = 'its columns: order_id, line, amount, Status, sold_on';
    const next = 'correct the name, or apply the change that makes the job write the column before adding the check';
    assert.deepEqual(listed(problems), [
      [
        'PIPELINE_CHECK_COLUMN_MISSING',
        'spec.jobs[0].checks[0].column',
        `job "sales", check "not_null.qty": column "qty" is not a column of silver.sales (${columns}): ${next}`,
      ],
      [
        'PIPELINE_CHECK_COLUMN_MISSING',
        'spec.jobs[0].checks[1].columns[1]',
        `job "sales", check "unique.order_id+lin": column "lin" is not a column of silver.sales (${columns}): ${next}`,
      ],
      [
        'PIPELINE_CHECK_COLUMN_MISSING',
        'spec.jobs[0].checks[3].fix.total',
        `job "sales", check "custom_sql": column "total" is not a column of silver.sales (${columns}): ${next}`,
      ],
    ]);

    const asked: string[] = [];
    const fresh = await validatePipeline(
      pipeline(
        job('fresh', 'silver.fresh', [check({ check: 'not_null', column: 'anything' })]),
        job('bare', 'silver.bare', []),
      ),
      context(asked),
    );
    assert.deepEqual(fresh.problems, [], 'an output the first run creates is not judged');

    // A column the job's config adds (or an input has) may be checked in the same change.
    const adding = await validatePipeline(
      pipeline({
        ...job('sales', 'silver.sales', [
          check({ check: 'not_null', column: 'net_amount' }),
          check({ check: 'not_null', column: 'nett_amount' }),
        ]),
        config: { sql: 'SELECT *, amount - discount AS net_amount FROM bronze.sales' },
      }),
      context(),
    );
    assert.deepEqual(
      adding.problems.map((problem) => problem.path),
      ['spec.jobs[0].checks[1].column'],
      'only the typo',
    );
    assert.deepEqual(asked, ['silver.fresh'], 'no lookup for a job without checks');
  });

  test('every problem of every check comes together, config problems included', async () => {
    const problems = await problemsOf(
      check({ check: 'not_null', column: '', where: 'x IN (SELECT 1)' }),
      check({ check: 'regex', column: 'nope', pattern: '(' }),
      check({ check: 'regex', column: 'nope', pattern: 'x' }),
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.path]),
      [
        ['PIPELINE_CONFIG_INVALID', 'spec.jobs[0].checks[0].column'],
        ['PIPELINE_CHECK_SQL_INVALID', 'spec.jobs[0].checks[0].where'],
        ['PIPELINE_CHECK_REGEX_INVALID', 'spec.jobs[0].checks[1].pattern'],
        ['PIPELINE_CHECK_COLUMN_MISSING', 'spec.jobs[0].checks[1].column'],
        ['PIPELINE_CHECK_COLUMN_MISSING', 'spec.jobs[0].checks[2].column'],
        ['PIPELINE_CHECK_ID_DUPLICATE', 'spec.jobs[0].checks[2]'],
      ],
    );
  });
});
