import { parseArgs } from 'node:util';
import { OperationalError } from '@assay/sdk';
import { startPlatform, type Platform } from '../platform/platform.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { runUntilSignal } from './run-until-signal.ts';
import { serveWorkerMetrics } from './worker-metrics.ts';

export const serveUsage = `assay serve [--config assay.yaml] [--port N] [--host H] [--no-worker]
  Runs the API, the portal and (unless --no-worker) a queue worker.`;

export const workerUsage = `assay worker [--config assay.yaml] [--metrics-port N]
  Works queue jobs only; run as many as you like against one PostgreSQL and lake. With --metrics-port (or
  worker.metricsPort, ASSAY_WORKER_METRICS_PORT) it serves GET /metrics and /healthz on HOST at that port.`;

/** `assay serve`: boots the platform with HTTP and listens until a signal. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      port: { type: 'string' },
      host: { type: 'string' },
      'no-worker': { type: 'boolean' },
    },
  });
  const overrides: Record<string, unknown> = {};
  if (values.port !== undefined) overrides.port = /^\d+$/.test(values.port) ? Number(values.port) : values.port;
  if (values.host !== undefined) overrides.host = values.host;
  if (values['no-worker'] === true) overrides.worker = { enabled: false };
  const config = configFor(values, overrides);

  const platform = await startPlatform({ config, role: 'serve' });
  try {
    const address = await platform.listen();
    platform.logger.info({ address, docs: `${address}/api/docs` }, 'Assay is listening');
    if (platform.setupToken !== undefined) printSetupToken(address, platform.setupToken);
  } catch (error) {
    await platform.close();
    throw listenError(error, config.host, config.port);
  }
  // Signals are handled from here on; the hint comes after, so a quick Ctrl-C still shuts down gracefully.
  const running = runUntilSignal(platform);
  offerDemo(platform).catch((error: unknown) => platform.logger.debug({ err: error }, 'no demo hint'));
  return running;
}

/** `assay worker`: boots the platform without HTTP and works jobs until a signal. */
export async function workerCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...COMMON_OPTIONS, 'metrics-port': { type: 'string' } } });
  const port = values['metrics-port'];
  const config = configFor(
    values,
    port === undefined ? {} : { worker: { metricsPort: /^\d+$/.test(port) ? Number(port) : port } },
  );
  const platform = await startPlatform({ config, role: 'worker' });
  const metricsPort = config.worker.metricsPort;
  if (metricsPort === undefined) return runUntilSignal(platform);
  let endpoint: Awaited<ReturnType<typeof serveWorkerMetrics>>;
  try {
    endpoint = await serveWorkerMetrics(platform.metrics, { host: config.host, port: metricsPort });
  } catch (error) {
    await platform.close();
    throw listenError(error, config.host, metricsPort);
  }
  platform.logger.info({ address: `${endpoint.address}/metrics` }, 'worker metrics are served');
  // Closed after the platform, so a last scrape still counts the jobs the shutdown drained.
  return runUntilSignal(platform).finally(() => endpoint.close());
}

/** A server without any pipeline yet points at the retail demo, the quickest way to see Assay work. */
async function offerDemo(platform: Platform): Promise<void> {
  const any = await platform.db('core_pipelines').first('id');
  if (any !== undefined) return;
  platform.logger.info(
    { hint: 'npx assay demo' },
    'no pipelines yet: "npx assay demo" sets up a retail demo (sales drops and a product catalog) and runs it ' +
      'from Bronze to Gold',
  );
}

/**
 * First start without users and without ASSAY_ADMIN_PASSWORD: the one-time token that creates the first admin goes
 * to stderr, once, outside the JSON log stream (which may be shipped elsewhere).
 */
function printSetupToken(address: string, token: string): void {
  process.stderr.write(
    [
      '',
      'Assay has no users yet. Create the first admin within 24 hours with this one-time setup token:',
      `  ${token}`,
      `  curl -X POST ${address}/api/v1/auth/setup -H 'content-type: application/json' \\`,
      `    -d '{"token":"${token}","email":"you@example.com","name":"Your Name","password":"<12+ characters>"}'`,
      'Or set ASSAY_ADMIN_PASSWORD (and ASSAY_ADMIN_EMAIL) before the first start.',
      '',
    ].join('\n'),
  );
}

function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown }).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new OperationalError(`Port ${port} on ${host} is already in use: stop the other process or set PORT`, {
      code: 'PORT_IN_USE',
      cause: error,
    });
  }
  if (code === 'EACCES') {
    return new OperationalError(`Not allowed to listen on ${where}: use a port above 1023 or grant the capability`, {
      code: 'PORT_NOT_ALLOWED',
      cause: error,
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new OperationalError(`Cannot listen on ${where}: HOST is not an address of this machine`, {
      code: 'HOST_UNAVAILABLE',
      cause: error,
    });
  }
  return error;
}
