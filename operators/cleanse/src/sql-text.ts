import { quoteLiteral } from '@assay/sdk';

/** A JSON scalar from the config as a SQL literal. */
export function valueLiteral(value: string | number | boolean): string {
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return Number.isInteger(value) ? String(value) : `${String(value)}::DOUBLE`;
}
