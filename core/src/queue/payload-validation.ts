import { InputError, type TSchema } from '@assay/sdk';
import { Compile } from 'typebox/compile';

type Validator = ReturnType<typeof Compile<TSchema>>;

const validators = new WeakMap<TSchema, Validator>();
const ERRORS_KEPT = 10;

/**
 * Throws an {@link InputError} with `code` when `value` does not match `schema`. The message and `details.path`
 * name the first failing JSON path; `details.errors` lists the first few failures. Validators are compiled once per
 * schema object.
 */
export function assertPayload(schema: TSchema, value: unknown, failure: { code: string; subject: string }): void {
  const validator = compiled(schema);
  if (validator.Check(value)) return;
  const errors = validator.Errors(value).map((error) => ({
    path: error.instancePath === '' ? '/' : error.instancePath,
    reason: error.message,
  }));
  const first = errors[0] ?? { path: '/', reason: 'does not match the schema' };
  throw new InputError(
    `${failure.subject} is invalid at ${first.path}: ${first.reason}. Send a payload that matches the declared schema.`,
    { code: failure.code, details: { path: first.path, reason: first.reason, errors: errors.slice(0, ERRORS_KEPT) } },
  );
}

function compiled(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema);
    validators.set(schema, validator);
  }
  return validator;
}
