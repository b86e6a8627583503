import { AssayError, NotFoundError, OperationalError, UserError } from '@assay/sdk';

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken']);
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH']);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeTooSkewed', 'SlowDown', 'ServiceUnavailable']);

/** The parts of an AWS SDK (or Node network) error that decide how Assay reports it. */
export interface S3Failure {
  readonly name: string;
  readonly status: number | undefined;
  readonly networkCode: string | undefined;
}

/** Reads the error name, HTTP status and Node network code from whatever the SDK threw. */
export function s3Failure(error: unknown): S3Failure {
  const value = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const status = value?.$metadata?.httpStatusCode;
  const code = typeof value?.code === 'string' ? value.code : undefined;
  return {
    name: typeof value?.name === 'string' ? value.name : 'Error',
    status: typeof status === 'number' ? status : undefined,
    networkCode: code ?? networkCodeOf((error as { cause?: unknown } | undefined)?.cause),
  };
}

function networkCodeOf(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps an S3 failure on `where` (`s3://bucket/key`) to an Assay error with a stable code: `STORAGE_NOT_FOUND`,
 * `STORAGE_ACCESS_DENIED`, `STORAGE_BUCKET_NOT_FOUND`, `STORAGE_UNAVAILABLE` (retry) or `STORAGE_REQUEST_FAILED`.
 * Assay errors pass through unchanged.
 */
export function s3StorageError(error: unknown, where: string, details?: Record<string, unknown>): AssayError {
  if (error instanceof AssayError) return error;
  const { name, status, networkCode } = s3Failure(error);
  const reason = networkCode ?? name;
  const options = { cause: error, ...(details === undefined ? {} : { details }) };
  if (name === 'NoSuchBucket') {
    return new UserError(`The bucket of ${where} does not exist: check the lake's bucket name and endpoint`, {
      ...options,
      code: 'STORAGE_BUCKET_NOT_FOUND',
    });
  }
  if (NOT_FOUND.has(name) || status === 404) {
    return new NotFoundError(`${where} does not exist`, { ...options, code: 'STORAGE_NOT_FOUND' });
  }
  if (DENIED.has(name) || status === 401 || status === 403) {
    return new UserError(
      `S3 refused access to ${where} (${name}): check the lake's S3 credentials (access key and secret) and the bucket policy`,
      { ...options, code: 'STORAGE_ACCESS_DENIED' },
    );
  }
  const unreachable = networkCode !== undefined && NETWORK.has(networkCode);
  if (unreachable || TRANSIENT.has(name) || status === 429 || (status !== undefined && status >= 500)) {
    return new OperationalError(`S3 is unavailable for ${where} (${reason}): retry later, or check the endpoint`, {
      ...options,
      code: 'STORAGE_UNAVAILABLE',
    });
  }
  return new AssayError(`S3 request for ${where} failed (${reason}${status === undefined ? '' : ` ${status}`})`, {
    ...options,
    code: 'STORAGE_REQUEST_FAILED',
    status: 502,
  });
}
