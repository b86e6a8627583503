import type { OperatorColumn, OperatorContext } from '@assay/sdk';
import { scd2Error } from './scd2-errors.ts';

/**
 * An existing table must hold exactly the columns this config writes, no more and no fewer (a merge cannot add or
 * drop columns): `SCD2_OUTPUT_INCOMPATIBLE` naming what is missing and what is extra.
 */
export function assertTableFits(
  ctx: Pick<OperatorContext, 'run'>,
  plan: { readonly mode: string; readonly outputColumns: readonly string[] },
  table: readonly OperatorColumn[],
  dataset: string,
): void {
  const wanted = new Set(plan.outputColumns.map((name) => name.toLowerCase()));
  const has = new Set(table.map((column) => column.name.toLowerCase()));
  const missing = plan.outputColumns.filter((name) => !has.has(name.toLowerCase()));
  const extra = table.map((column) => column.name).filter((name) => !wanted.has(name.toLowerCase()));
  if (missing.length === 0 && extra.length === 0) return;
  const parts = [
    missing.length === 0 ? '' : `lacks ${missing.map((n) => `"${n}"`).join(', ')}`,
    extra.length === 0 ? '' : `has ${extra.map((n) => `"${n}"`).join(', ')}, which this config does not write`,
  ].filter((part) => part !== '');
  throw scd2Error(
    ctx,
    'SCD2_OUTPUT_INCOMPATIBLE',
    `${dataset} ${parts.join(' and ')}: the input's columns, mode (${plan.mode}), deletes.policy and config.columns ` +
      'must match the table the job created. Exclude or add input columns, or write a new dataset',
    { dataset, missing, extra },
  );
}
