/**
 * How a failure should be treated by whoever runs the work:
 * `user` — bad input, config or data: do not retry, tell the user;
 * `operational` — network, lock, timeout: retry with backoff;
 * `unexpected` — a bug or an unknown failure: retry once, then fail and alert.
 */
export type ErrorClass = 'user' | 'operational' | 'unexpected';

/** Options shared by every {@link AssayError} constructor. */
export interface AssayErrorOptions {
  /** Stable `SCREAMING_SNAKE` code; overrides the class default. */
  code?: string;
  /** Structured facts a client may use (JSON path, dataset, job id, ...). Must be JSON-serialisable. */
  details?: Record<string, unknown>;
  /** The error being wrapped. Always pass it when wrapping. */
  cause?: unknown;
}

const CODE_PATTERN = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/**
 * The base of every error Assay raises on purpose. Clients branch on `code`, never on `message`.
 *
 * @example
 * ```ts
 * import { AssayError } from '@assay/sdk';
 * throw new AssayError('The lake is read-only during restore', { code: 'LAKE_READ_ONLY', status: 503 });
 * ```
 */
export class AssayError extends Error {
  /** Stable machine-readable code, e.g. `PIPELINE_CYCLE`. */
  readonly code: string;
  /** HTTP status the API answers with. */
  readonly status: number;
  /** Structured details, serialised into the API error body. */
  readonly details: Record<string, unknown> | undefined;
  /** How job runners treat this error. */
  readonly errorClass: ErrorClass;

  constructor(message: string, options: AssayErrorOptions & { status?: number; errorClass?: ErrorClass } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'INTERNAL_ERROR';
    if (!CODE_PATTERN.test(this.code)) {
      throw new TypeError(`Error code "${this.code}" is not SCREAMING_SNAKE_CASE`);
    }
    this.status = options.status ?? 500;
    this.details = options.details;
    this.errorClass = options.errorClass ?? 'unexpected';
  }

  /** The body the API sends: `{ code, message, details }`. */
  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * A failure caused by the user's input, configuration or data. Never retried.
 *
 * @example
 * ```ts
 * import { UserError } from '@assay/sdk';
 * throw new UserError('Column "order_id" is missing from bronze.pos_sales', { code: 'COLUMN_MISSING' });
 * ```
 */
export class UserError extends AssayError {
  constructor(message: string, options: AssayErrorOptions & { status?: number } = {}) {
    super(message, {
      ...options,
      code: options.code ?? 'USER_ERROR',
      status: options.status ?? 422,
      errorClass: 'user',
    });
  }
}

/**
 * A transient failure of something outside the user's control (network, lock, timeout). Retried with backoff.
 *
 * @example
 * ```ts
 * import { OperationalError } from '@assay/sdk';
 * throw new OperationalError('S3 answered 503 SlowDown', { code: 'STORAGE_UNAVAILABLE' });
 * ```
 */
export class OperationalError extends AssayError {
  constructor(message: string, options: AssayErrorOptions & { status?: number } = {}) {
    super(message, {
      ...options,
      code: options.code ?? 'OPERATIONAL_ERROR',
      status: options.status ?? 503,
      errorClass: 'operational',
    });
  }
}

/**
 * A request or document that does not have the expected shape. Answered with 400.
 *
 * @example
 * ```ts
 * import { InputError } from '@assay/sdk';
 * throw new InputError('limit must be between 1 and 500', { details: { path: '/limit' } });
 * ```
 */
export class InputError extends UserError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'INVALID_INPUT', status: 400 });
  }
}

/**
 * Missing or invalid credentials. Answered with 401.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from '@assay/sdk';
 * throw new AuthenticationError('The API token has expired', { code: 'TOKEN_EXPIRED' });
 * ```
 */
export class AuthenticationError extends UserError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'UNAUTHENTICATED', status: 401 });
  }
}

/**
 * The caller is known but may not do this. Answered with 403.
 *
 * @example
 * ```ts
 * import { NotAllowedError } from '@assay/sdk';
 * throw new NotAllowedError('Role "viewer" may not run pipelines in workspace "demo"');
 * ```
 */
export class NotAllowedError extends UserError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'NOT_ALLOWED', status: 403 });
  }
}

/**
 * The named thing does not exist. Answered with 404.
 *
 * @example
 * ```ts
 * import { NotFoundError } from '@assay/sdk';
 * throw new NotFoundError('Plugin "scd2" is not installed', { code: 'PLUGIN_NOT_FOUND' });
 * ```
 */
export class NotFoundError extends UserError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'NOT_FOUND', status: 404 });
  }
}

/**
 * The request conflicts with the current state (duplicate name, concurrent change). Answered with 409.
 *
 * @example
 * ```ts
 * import { ConflictError } from '@assay/sdk';
 * throw new ConflictError('A pipeline named "sales" already exists', { code: 'PIPELINE_EXISTS' });
 * ```
 */
export class ConflictError extends UserError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'CONFLICT', status: 409 });
  }
}

/**
 * Classifies any thrown value for retry decisions. Non-Assay errors are `unexpected`.
 *
 * @example
 * ```ts
 * import { classifyError, OperationalError } from '@assay/sdk';
 * classifyError(new OperationalError('timeout')); // 'operational'
 * ```
 */
export function classifyError(error: unknown): ErrorClass {
  return error instanceof AssayError ? error.errorClass : 'unexpected';
}
