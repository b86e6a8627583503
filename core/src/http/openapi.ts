import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * Generates the OpenAPI 3.1 document from route schemas and serves it with Swagger UI at `/api/docs`
 * (the JSON at `/api/docs/json`). Must be registered before any route so every route is collected.
 */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Assay API',
        version,
        description: 'REST API of Assay, the self-hosted lakehouse platform. Errors: `{ error: { code, message } }`.',
      },
      tags: [
        { name: 'platform', description: 'Health, readiness and metrics' },
        { name: 'plugins', description: 'Installed plugins and the operators, connectors and checks they add' },
        { name: 'datasets', description: 'Delta tables of a workspace: schema, history, preview' },
        { name: 'auth', description: 'Sign-in, single sign-on, sessions and the caller (`/me`)' },
        { name: 'workspaces', description: 'Tenants' },
        { name: 'access', description: 'Members, roles and policies of a workspace' },
        { name: 'audit', description: 'The append-only audit log' },
        { name: 'connections', description: 'Configured sources: test, discover streams, upload files' },
        { name: 'ingest', description: 'Loads from connections into Bronze, and their load records' },
        { name: 'runs', description: 'Pipeline runs: start, cancel, resume, job logs and live events (SSE)' },
        {
          name: 'pipelines',
          description: 'Versioned pipeline documents: versions, diffs, rollback, validation, apply and export',
        },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (`assay_…`)' },
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'assay_session',
            description: 'Browser session; changes also need the `x-csrf-token` header',
          },
        },
      },
      security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
}
