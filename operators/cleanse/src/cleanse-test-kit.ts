// Helpers of the cleanse operator's fixture tests (not part of the package's exports).
import assert from 'node:assert/strict';
import { defineOperator, Type, type OperatorColumn } from '@assay/sdk';
import { sortedRows, type JobTestKit, type TestJob } from '@assay/sdk/testing';
import { cleanseOperator } from './cleanse.operator.ts';

/** A cleanse job reading `inputs` (the first is the one cleansed unless the config says otherwise). */
export function cleanseJob(config: Record<string, unknown>, output: string, inputs: readonly string[]): TestJob {
  return { id: output.replace('.', '_'), operator: cleanseOperator, config, inputs, output };
}

/** An assertion for `assert.rejects`: the error has `code` (and, when given, `details.path` and a message match). */
export function rejectsWith(code: string, expected: { path?: string; message?: RegExp } = {}) {
  return (error: { code?: string; message?: string; details?: { path?: string } }) => {
    assert.equal(error.code, code, error.message);
    if (expected.path !== undefined) assert.equal(error.details?.path, expected.path, error.message);
    if (expected.message !== undefined) assert.match(error.message ?? '', expected.message);
    return true;
  };
}

/**
 * The dataset's quarantined rows as `{ ...row, _rule, _reason, _column }`, in a canonical order (by `id`, then as
 * {@link sortedRows}), for multiset comparison.
 */
export async function quarantinedRows(kit: JobTestKit, dataset: string): Promise<Record<string, unknown>[]> {
  const rows = await kit.quarantined(dataset);
  const flat = rows.map(({ rule, reason, column, row }) => ({ ...row, _rule: rule, _reason: reason, _column: column }));
  return byId(flat);
}

/** Rows in a canonical order: by `id`, then as {@link sortedRows}. */
export function byId(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return sortedRows(rows).sort((a, b) => Number(a.id ?? 0) - Number(b.id ?? 0));
}

/** The dataset's columns as the engine types them, `{ name: type }`, read through a job of its own. */
export async function columnTypes(kit: JobTestKit, dataset: string): Promise<Record<string, string>> {
  let columns: OperatorColumn[] = [];
  const describe = defineOperator({
    type: 'describe-for-test',
    version: 1,
    title: 'Describe',
    category: 'utility',
    config: Type.Object({}),
    inputs: { min: 1, max: 1 },
    output: 'none',
    async run(ctx) {
      columns = await ctx.engine.describe(`SELECT * FROM ${dataset}`);
      return {};
    },
  });
  await kit.runJob({ id: 'describe', operator: describe, inputs: [dataset] });
  return Object.fromEntries(columns.map((c) => [c.name, c.type]));
}
