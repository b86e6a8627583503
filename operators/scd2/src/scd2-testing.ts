import assert from 'node:assert/strict';
import { sortedRows, type JobTestKit, type TestJob } from '@assay/sdk/testing';
import { scd2Operator } from './scd2.operator.ts';

/** A fixture relation: `rows` as VALUES tuples with the given column names. */
export function fixture(columns: string, rows: readonly string[]): string {
  return `SELECT * FROM (VALUES ${rows.join(', ')}) AS t(${columns})`;
}

/** An scd2 job reading `input` into `output` with the config. */
export function scd2Job(config: Record<string, unknown>, output: string, input = 'bronze.customers'): TestJob {
  return { id: output.replace('.', '_'), operator: scd2Operator, config, inputs: [input], output };
}

/** The dataset's rows reduced to `fields`, in canonical order (multiset comparison). */
export async function picked(kit: JobTestKit, dataset: string, fields: readonly string[]) {
  return sortedRows((await kit.rows(dataset)).map((row) => Object.fromEntries(fields.map((f) => [f, row[f]]))));
}

/** Asserts the dataset's rows, reduced to the expected rows' fields, are exactly `expected` as a multiset. */
export async function assertRows(
  kit: JobTestKit,
  dataset: string,
  expected: ReadonlyArray<Record<string, unknown>>,
  message?: string,
): Promise<void> {
  const fields = Object.keys(expected[0] ?? {});
  assert.deepEqual(await picked(kit, dataset, fields), sortedRows(expected), message);
}

/** A version row as the tests write them: DATE effective times. */
export function version(
  id: number,
  city: string,
  from: string,
  to: string | null,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { id, city, valid_from: from, valid_to: to, is_current: to === null, ...extra };
}

/** Asserts an error's code (and details.path when given), for `assert.rejects`. */
export function code(expected: string, path?: string) {
  return (error: { code?: string; message?: string; details?: { path?: string } }) => {
    assert.equal(error.code, expected, error.message);
    if (path !== undefined) assert.equal(error.details?.path, path, error.message);
    return true;
  };
}
