import { AssayError, OperationalError, UserError } from '@assay/sdk';

/** A transport failure as an AssayError with a stable code; `where` names the server. Never includes secrets. */
export function transportError(error: unknown, where: string): AssayError {
  if (error instanceof AssayError) return error;
  const err = error as { code?: string; message?: string };
  const text = `${err.code ?? ''} ${err.message ?? String(error)}`;
  if (/ECONNREFUSED|CONNECTION_REFUSED/.test(text)) {
    return new OperationalError(`${where}: connection refused`, { code: 'CONNECTION_REFUSED', cause: error });
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
    return new UserError(`${where}: the host is not known`, { code: 'HOST_NOT_FOUND', cause: error });
  }
  if (/AUTHORIZATION_VIOLATION|ACCESS_REFUSED|AUTHENTICATION|\b403\b|authoriz/i.test(text)) {
    return new UserError(`${where}: the credentials were refused`, { code: 'AUTH_FAILED', cause: error });
  }
  if (/NOT_ALLOWED|vhost/i.test(text)) {
    return new UserError(`${where}: access refused (${err.message ?? ''})`, {
      code: 'PERMISSION_DENIED',
      cause: error,
    });
  }
  if (/timeout|TIMEOUT|ETIMEDOUT/.test(text)) {
    return new OperationalError(`${where}: no answer in time`, { code: 'TIMEOUT', cause: error });
  }
  return new OperationalError(`${where}: ${err.message ?? String(error)}`, { code: 'CONNECTION_FAILED', cause: error });
}
