import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { Type } from 'typebox';

/**
 * Records a latency histogram per route template (never per raw URL, which would explode cardinality) and serves
 * the registry at `/metrics` in the Prometheus text format.
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'assay_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get(
    '/metrics',
    {
      // Scraped by Prometheus without credentials, like every exporter; keep the port on the internal network.
      config: { access: { public: true } },
      schema: {
        hide: true,
        summary: 'Prometheus metrics',
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}
