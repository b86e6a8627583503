import { AssayError, OperationalError, UserError } from '@assay/sdk';

/** What went wrong with an S3 request, as a check diagnosis code. */
export type S3Diagnosis =
  | 'AUTH_FAILED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'CONNECTION_REFUSED'
  | 'HOST_NOT_FOUND'
  | 'TIMEOUT'
  | 'TLS_FAILED'
  | 'UNAVAILABLE'
  | 'REQUEST_FAILED';

const AUTH = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'Forbidden']);
const TIMEOUT = new Set(['ETIMEDOUT', 'TimeoutError', 'RequestTimeout', 'ESOCKETTIMEDOUT']);
const TRANSIENT = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
// OpenSSL verification failures (Node reports them by name) and Node's own TLS error codes.
const TLS_CODE = /^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|LEAF_SIGNATURE|^EPROTO$/;
const RETRYABLE = new Set<S3Diagnosis>(['CONNECTION_REFUSED', 'HOST_NOT_FOUND', 'TIMEOUT', 'UNAVAILABLE']);

/** The diagnosis of an AWS SDK (or Node network) error, and the name or code it went by. */
export function diagnoseS3(error: unknown): { diagnosis: S3Diagnosis; reason: string } {
  const value = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const name = typeof value?.name === 'string' ? value.name : 'Error';
  const status = typeof value?.$metadata?.httpStatusCode === 'number' ? value.$metadata.httpStatusCode : undefined;
  const network = networkCode(error);
  const reason = network ?? (status === undefined ? name : `${name} ${status}`);
  const diagnosis = ((): S3Diagnosis => {
    if (network === 'ECONNREFUSED') return 'CONNECTION_REFUSED';
    if (network === 'ENOTFOUND' || network === 'EAI_AGAIN') return 'HOST_NOT_FOUND';
    if (network !== undefined && TLS_CODE.test(network)) return 'TLS_FAILED';
    if (TIMEOUT.has(name) || (network !== undefined && TIMEOUT.has(network))) return 'TIMEOUT';
    if (name === 'NoSuchBucket') return 'NOT_FOUND';
    if (AUTH.has(name) || status === 401) return 'AUTH_FAILED';
    if (DENIED.has(name) || status === 403) return 'PERMISSION_DENIED';
    if (TRANSIENT.has(name) || (network !== undefined && TRANSIENT.has(network))) return 'UNAVAILABLE';
    if (status === 429 || (status !== undefined && status >= 500)) return 'UNAVAILABLE';
    return 'REQUEST_FAILED';
  })();
  return { diagnosis, reason };
}

/** A Node network error code found on the error, its cause, or the first of its aggregated errors. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 3) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (/^E[A-Z]+$/.test(code) || TLS_CODE.test(code))) return code;
  return networkCode(cause, depth + 1) ?? (Array.isArray(errors) ? networkCode(errors[0], depth + 1) : undefined);
}

const ADVICE: Readonly<Record<S3Diagnosis, string>> = {
  AUTH_FAILED: 'check the access key id and secret access key',
  PERMISSION_DENIED: 'the credentials are valid but may not do this: check the bucket policy and IAM permissions',
  NOT_FOUND: 'the bucket does not exist: check its name, the region and the endpoint',
  CONNECTION_REFUSED: 'nothing accepts connections at the endpoint: check its host and port',
  HOST_NOT_FOUND: "the endpoint's host name does not resolve: check it",
  TIMEOUT: 'the endpoint did not answer in time: check it is reachable from the Assay server',
  TLS_FAILED: "the endpoint's TLS certificate was not accepted",
  UNAVAILABLE: 'the server is unavailable or throttling: retry later',
  REQUEST_FAILED: 'the request failed',
};

/** A sentence saying what failed and what to do: `S3 refused s3://b/p/ (InvalidAccessKeyId): check ...`. */
export function describeS3Failure(error: unknown, where: string): { diagnosis: S3Diagnosis; message: string } {
  const { diagnosis, reason } = diagnoseS3(error);
  return { diagnosis, message: `S3 request for ${where} failed (${reason}): ${ADVICE[diagnosis]}` };
}

/**
 * An Assay error for a failed S3 request on `where` with code `S3_<DIAGNOSIS>`: an `OperationalError` when a retry
 * may help (network, throttling, 5xx), a `UserError` for credentials, permissions and a missing bucket.
 */
export function s3Error(error: unknown, where: string): AssayError {
  if (error instanceof AssayError) return error;
  const { diagnosis, message } = describeS3Failure(error, where);
  const options = { code: `S3_${diagnosis}`, cause: error, details: { location: where } };
  if (RETRYABLE.has(diagnosis)) return new OperationalError(message, options);
  if (diagnosis === 'REQUEST_FAILED') return new AssayError(message, { ...options, status: 502 });
  return new UserError(message, options);
}
