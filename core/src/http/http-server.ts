import { randomUUID } from 'node:crypto';
import { fastifyAwilixPlugin } from '@fastify/awilix';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { registerAjvFormats, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PluginHttpApp } from '@assay/sdk';
import type { AwilixContainer } from 'awilix';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { installAuditHook } from '../audit/audit-hook.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { installAccessHook, type AccessHookOptions } from '../auth/access-hook.ts';
import { ErrorBody } from './error-body.ts';
import { installErrorHandler } from './error-handler.ts';
import { healthRoutes, type ReadinessCheck } from './health.routes.ts';
import { installHttpMetrics } from './http-metrics.ts';
import { installOpenApi } from './openapi.ts';
import { PORTAL_BUILD_DIR, portalStatic } from './portal-static.ts';

/** The app every core and plugin route is registered on. */
export type AssayHttpServer = PluginHttpApp;

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  version: string;
  metrics: Registry;
  container: AwilixContainer;
  readiness: readonly ReadinessCheck[];
  isDraining: () => boolean;
  /** Authentication and authorization of every route. */
  access: AccessHookOptions;
  /** Which proxies' X-Forwarded-For to believe (`config.trustProxy`). */
  trustProxy?: boolean | string;
  /** Where every change and every data read is recorded. */
  audit: AuditLog;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the Fastify app with what every route relies on: TypeBox validation, request ids (taken from
 * `x-request-id` when a proxy sends a sane one, echoed back), the error contract, a request-scoped awilix
 * container, access control on every route, HTTP metrics, the OpenAPI document, the health endpoints and the
 * portal at `/`. Feature routes are added by the caller.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<AssayHttpServer> {
  registerAjvFormats();
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: 10 * 1024 * 1024,
    // Secret and group names may be longer than Fastify's default limit of 100 characters.
    routerOptions: { maxParamLength: 256 },
    trustProxy: options.trustProxy ?? false,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addSchema(ErrorBody);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installErrorHandler(app);
  await app.register(cookie);
  // Only routes that opt in (`config.rateLimit`) are limited: the login routes.
  await app.register(rateLimit, { global: false });
  installAccessHook(app, options.access);
  installAuditHook(app, options.audit, { metrics: options.metrics });
  await installOpenApi(app, options.version);
  await app.register(fastifyAwilixPlugin, {
    container: options.container,
    disposeOnClose: false,
    disposeOnResponse: true,
    strictBooleanEnforced: true,
  });
  installHttpMetrics(app, options.metrics);
  healthRoutes(app, { checks: options.readiness, isDraining: options.isDraining });
  await app.register(portalStatic, { root: PORTAL_BUILD_DIR });
  return app;
}
