import { InputError } from '@assay/sdk';

/** Secret names: lower-case letter first, then lower-case letters, digits, `_`, `.` and `-`; at most 128. */
export const SECRET_NAME_PATTERN = '^[a-z][a-z0-9_.-]*$';
/** Longest secret name. */
export const SECRET_NAME_MAX_LENGTH = 128;

const NAME = new RegExp(SECRET_NAME_PATTERN);

/** Throws InputError `SECRET_NAME_INVALID` unless `name` is a valid secret name. */
export function assertSecretName(name: string): void {
  if (!NAME.test(name) || name.length > SECRET_NAME_MAX_LENGTH) {
    throw new InputError(
      `Secret name "${name.slice(0, SECRET_NAME_MAX_LENGTH)}" is invalid: it must start with a lower-case letter and ` +
        `contain only lower-case letters, digits, "_", "." and "-", at most ${SECRET_NAME_MAX_LENGTH} characters`,
      { code: 'SECRET_NAME_INVALID' },
    );
  }
}
