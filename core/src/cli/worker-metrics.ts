import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * A worker's own small HTTP endpoint, since it serves no API: `GET /metrics` (Prometheus text, as `assay serve`
 * exposes it) and `GET /healthz`. Listens on `host:port`; resolves with the address once listening.
 */
export async function serveWorkerMetrics(
  metrics: Registry,
  where: { host: string; port: number },
): Promise<{ address: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || (path !== '/metrics' && path !== '/healthz')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics or /healthz\n');
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    metrics.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : where.port;
  return {
    address: `http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
