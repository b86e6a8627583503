import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConflictError, NotFoundError } from '@assay/sdk';
import { createContainer } from 'awilix';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { errorResponses } from './error-body.ts';
import { createIdentityTestKit, type IdentityTestKit } from '../testing/identity-test-kit.ts';
import { createHttpServer, type AssayHttpServer } from './http-server.ts';

let app: AssayHttpServer;
let kit: IdentityTestKit;
let lakeHealthy = true;

before(async () => {
  kit = await createIdentityTestKit();
  app = await createHttpServer({
    access: kit.access,
    audit: kit.audit,
    logger: pino({ level: 'silent' }),
    version: '9.9.9',
    metrics: new Registry(),
    container: createContainer(),
    readiness: [
      { name: 'database', check: async () => {} },
      {
        name: 'lake',
        check: async () => {
          if (!lakeHealthy) throw new Error('lake directory is not writable');
        },
      },
    ],
    isDraining: () => false,
  });
  app.post(
    '/api/v1/things/:id',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['things'],
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ maximum: 500 })) }),
        body: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Type.Integer(), name: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      if (request.body.name === 'missing')
        throw new NotFoundError('Thing 7 does not exist', { code: 'THING_NOT_FOUND' });
      if (request.body.name === 'taken') throw new ConflictError('Name is taken', { details: { name: 'taken' } });
      if (request.body.name === 'boom') throw new Error('database password is hunter2');
      return { id: request.params.id, name: request.body.name };
    },
  );
  await app.ready();
});
after(async () => {
  await app.close();
  await kit.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('HTTP server', () => {
  test('a valid request passes validation and coercion', async () => {
    const res = await post('/api/v1/things/7?limit=10', { name: 'x' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: 7, name: 'x' });
  });

  test('a body violating the schema is 400 REQUEST_INVALID with the JSON path and reason', async () => {
    const res = await post('/api/v1/things/7', { name: '' });
    assert.equal(res.statusCode, 400);
    const { error } = res.json();
    assert.equal(error.code, 'REQUEST_INVALID');
    assert.equal(error.details.path, '/body/name');
    assert.match(error.message, /^\/body\/name: must not have fewer than 1 characters$/);
  });

  test('bad params and query name their part', async () => {
    const params = await post('/api/v1/things/0', { name: 'x' });
    assert.equal(params.statusCode, 400);
    assert.equal(params.json().error.details.path, '/params/id');
    const query = await post('/api/v1/things/1?limit=9999', { name: 'x' });
    assert.equal(query.json().error.details.path, '/querystring/limit');
  });

  test('malformed JSON is 400 REQUEST_MALFORMED, never 500', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/things/1',
      payload: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'REQUEST_MALFORMED');
  });

  test('an unsupported content type is 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/things/1',
      payload: 'name=x',
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('Assay errors keep their status, code and details', async () => {
    const missing = await post('/api/v1/things/1', { name: 'missing' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { error: { code: 'THING_NOT_FOUND', message: 'Thing 7 does not exist' } });
    const taken = await post('/api/v1/things/1', { name: 'taken' });
    assert.equal(taken.statusCode, 409);
    assert.deepEqual(taken.json().error.details, { name: 'taken' });
  });

  test('an unexpected error is a 500 that leaks nothing but the request id', async () => {
    const res = await post('/api/v1/things/1', { name: 'boom' }, { 'x-request-id': 'req-123' });
    assert.equal(res.statusCode, 500);
    const { error } = res.json();
    assert.equal(error.code, 'INTERNAL_ERROR');
    assert.doesNotMatch(res.body, /hunter2/);
    assert.equal(error.details.requestId, 'req-123');
  });

  test('request ids are echoed, generated when absent, and never taken from a malicious header', async () => {
    assert.equal((await app.inject('/healthz')).headers['x-request-id']?.toString().length, 36);
    const given = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-1' } });
    assert.equal(given.headers['x-request-id'], 'abc-1');
    const evil = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'x\ny <script>' } });
    assert.notEqual(evil.headers['x-request-id'], 'x\ny <script>');
  });

  test('unknown routes are 404 ROUTE_NOT_FOUND', async () => {
    const res = await app.inject('/api/v1/nope?x=1');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /api/v1/nope' } });
  });

  test('/healthz is always ok; /readyz reports each check and 503 when one fails', async () => {
    assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' });
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
    lakeHealthy = false;
    try {
      const notReady = await app.inject('/readyz');
      assert.equal(notReady.statusCode, 503);
      const body = notReady.json();
      assert.equal(body.status, 'not_ready');
      assert.equal(body.checks.database.ok, true);
      assert.deepEqual([body.checks.lake.ok, body.checks.lake.error], [false, 'lake directory is not writable']);
    } finally {
      lakeHealthy = true;
    }
  });

  test('/metrics exposes the latency histogram by route template', async () => {
    await post('/api/v1/things/42', { name: 'x' });
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type']?.toString() ?? '', /text\/plain/);
    assert.match(
      res.body,
      /assay_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/things\/:id",status_code="200"\} \d+/,
    );
  });

  test('/api/docs serves the OpenAPI document generated from route schemas', async () => {
    const doc = (await app.inject('/api/docs/json')).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, '9.9.9');
    const operation = doc.paths['/api/v1/things/{id}'].post;
    assert.ok(operation.requestBody.content['application/json'].schema.properties.name);
    assert.ok(operation.responses['404']);
    assert.ok(doc.paths['/readyz']);
    assert.deepEqual(operation.security, [], 'a public route needs no credentials');
    assert.equal(operation.description, 'Public.');
    assert.ok(doc.components.securitySchemes.bearerAuth, 'API tokens are documented');
    const ui = await app.inject('/api/docs');
    assert.ok([200, 302].includes(ui.statusCode));
  });
});
