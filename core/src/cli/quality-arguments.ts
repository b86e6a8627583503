import { InputError } from '@assay/sdk';

const DATASET = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/**
 * A `layer.name` argument, or the lake's `DATASET_NAME_INVALID`: checked before anything boots, so a typo costs no
 * platform start.
 */
export function datasetArgument(value: string): string {
  if (DATASET.test(value)) return value;
  throw new InputError(`Dataset "${value}" must be named layer.name (lower-case letters, digits, _)`, {
    code: 'DATASET_NAME_INVALID',
    details: { dataset: value },
  });
}

/** An integer flag between `min` and `max`, or InputError `USAGE` naming the flag and the range. */
export function integerFlag(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (/^\d+$/.test(value) && parsed >= min && parsed <= max) return parsed;
  throw new InputError(`${flag} must be an integer from ${min} to ${max}, not "${value}"`, { code: 'USAGE' });
}
