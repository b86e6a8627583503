import { OperationalError, UserError, type AssayError } from '@assay/sdk';
import type { PostgresConnection } from './pg-config.ts';

/** A connection failure's stable code and a sentence naming what was tried. */
export function diagnose(error: unknown, config: PostgresConnection): { code: string; message: string } {
  const where = `${config.host}:${config.port}/${config.database} as ${config.user}`;
  const err = error as { code?: string; message?: string };
  const text = err.message ?? String(error);
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: 'CONNECTION_REFUSED', message: `nothing accepts connections at ${config.host}:${config.port}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code: 'HOST_NOT_FOUND', message: `host ${config.host} is not known` };
    case '28P01':
    case '28000':
      return { code: 'AUTH_FAILED', message: `the server refused the credentials for ${where}: ${text}` };
    case '3D000':
      return { code: 'DATABASE_NOT_FOUND', message: `database "${config.database}" does not exist on ${config.host}` };
    case '42501':
      return { code: 'PERMISSION_DENIED', message: `${config.user} may not do this on ${where}: ${text}` };
    default:
      break;
  }
  if (/timeout|timed out/i.test(text)) {
    return {
      code: 'TIMEOUT',
      message: `${config.host}:${config.port} did not answer within ${config.connectTimeoutMs} ms`,
    };
  }
  if (/ssl|tls|certificate/i.test(text))
    return { code: 'TLS_FAILED', message: `TLS with ${config.host} failed: ${text}` };
  return { code: 'CONNECTION_FAILED', message: `connecting to ${where} failed: ${text}` };
}

/** A failure during a read: the user's query is a UserError; the network and the server are OperationalErrors. */
export function readError(error: unknown, config: PostgresConnection, sql: string): AssayError {
  const err = error as { code?: string; message?: string; position?: string };
  if (err.code !== undefined && /^(42|22|0A|21)/.test(err.code)) {
    return new UserError(
      `The query failed on ${config.host}/${config.database}: ${err.message}` +
        (err.position === undefined ? '' : ` (at character ${err.position} of: ${sql.slice(0, 500)})`),
      { code: 'SOURCE_QUERY_FAILED', details: { sqlState: err.code }, cause: error },
    );
  }
  const { code, message } = diagnose(error, config);
  const Error =
    code === 'AUTH_FAILED' || code === 'DATABASE_NOT_FOUND' || code === 'PERMISSION_DENIED'
      ? UserError
      : OperationalError;
  return new Error(`Reading from PostgreSQL failed: ${message}`, { code, cause: error });
}
