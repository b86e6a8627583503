import { InputError } from '@assay/sdk';

/** A check config the schema lets through but the check cannot compile: `CHECK_CONFIG_INVALID`, with the check. */
export function checkConfigError(check: string, message: string, details: Record<string, unknown> = {}): InputError {
  return new InputError(`Check "${check}": ${message}`, {
    code: 'CHECK_CONFIG_INVALID',
    details: { check, ...details },
  });
}
