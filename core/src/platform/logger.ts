import { pino, type Logger as PinoLogger } from 'pino';
import type { AssayConfig } from '../config/config.schema.ts';

/**
 * The process logger: JSON lines with ISO times, the process role in every line, and credentials redacted
 * wherever they appear in request logs or logged objects.
 */
export function createLogger(
  config: Pick<AssayConfig, 'logLevel'>,
  role: string,
  /** File descriptor: 1 for servers, 2 for CLI commands whose stdout carries their output. */
  fd: 1 | 2 = 1,
): PinoLogger {
  return pino(
    {
      level: config.logLevel,
      base: { pid: process.pid, role },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.secret',
          '*.token',
          '*.connectionString',
          '*.databaseUrl',
          '*.clientSecret',
          '*.refreshToken',
          '*.idToken',
          'req.body.value',
          'req.body.password',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd, sync: fd === 2 }),
  );
}
