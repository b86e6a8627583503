import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { createContainer } from 'awilix';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { createIdentityTestKit, type IdentityTestKit } from '../testing/identity-test-kit.ts';
import { createHttpServer, type AssayHttpServer } from './http-server.ts';
import { portalStatic } from './portal-static.ts';

const INDEX = '<!doctype html><html><body><div id="app">portal index</div></body></html>';
const SCRIPT = 'console.log("entry");'.repeat(20);

let kit: IdentityTestKit;
let scratch: string;
let built: AssayHttpServer;
let unbuilt: AssayHttpServer;

/** Core's real server with the portal served from `root` instead of the repository's build. */
async function serverFor(root: string): Promise<AssayHttpServer> {
  const app = await createHttpServer({
    access: kit.access,
    audit: kit.audit,
    logger: pino({ level: 'silent' }),
    version: '0.0.0-test',
    metrics: new Registry(),
    container: createContainer(),
    readiness: [],
    isDraining: () => false,
  });
  // A second instance on a prefix, so the repository's own build (present or not) does not decide the outcome.
  await app.register(portalStatic, { root, prefix: '/under-test' });
  app.get(
    '/api/v1/ping',
    {
      config: { access: { public: true } },
      schema: { response: { 200: Type.Object({ pong: Type.Boolean() }) } },
    },
    async () => ({ pong: true }),
  );
  await app.ready();
  return app;
}

before(async () => {
  kit = await createIdentityTestKit();
  scratch = await mkdtemp(join(tmpdir(), 'assay-portal-static-'));
  const root = join(scratch, 'build');
  await mkdir(join(root, '_app', 'immutable', 'entry'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(root, '_app', 'version.json'), '{"version":"1"}');
  await writeFile(join(root, '_app', 'immutable', 'entry', 'start.abc123.js'), SCRIPT);
  await writeFile(join(root, '_app', 'immutable', 'entry', 'start.abc123.js.gz'), gzipSync(SCRIPT));
  await writeFile(join(scratch, 'secret.txt'), 'outside the build');
  built = await serverFor(root);
  unbuilt = await serverFor(join(scratch, 'missing'));
});
after(async () => {
  await built?.close();
  await unbuilt?.close();
  await kit?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('the built portal', () => {
  test('hashed assets are cached for a year; other files are revalidated', async () => {
    const asset = await built.inject('/under-test/_app/immutable/entry/start.abc123.js');
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.body, SCRIPT);
    assert.match(String(asset.headers['content-type']), /^text\/javascript/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(asset.headers['x-content-type-options'], 'nosniff');
    const version = await built.inject('/under-test/_app/version.json');
    assert.equal(version.headers['cache-control'], 'no-cache');
    const icon = await built.inject('/under-test/favicon.svg');
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
  });

  test('a precompressed variant is sent when the browser accepts it, the plain file otherwise', async () => {
    const url = '/under-test/_app/immutable/entry/start.abc123.js';
    const zipped = await built.inject({ url, headers: { 'accept-encoding': 'gzip, deflate' } });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'accept-encoding');
    assert.ok(zipped.rawPayload.length < SCRIPT.length, 'the compressed body is sent');
    const brotli = await built.inject({ url, headers: { 'accept-encoding': 'br' } });
    assert.equal(brotli.headers['content-encoding'], undefined, 'no .br file: the plain one');
    assert.equal(brotli.body, SCRIPT);
  });

  test('an unchanged file answers 304 to its ETag', async () => {
    const first = await built.inject('/under-test/index.html');
    const etag = String(first.headers.etag);
    assert.match(etag, /^W\/"/);
    const again = await built.inject({ url: '/under-test/index.html', headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
  });

  test('client-side routes get index.html (SPA fallback), with the page headers', async () => {
    for (const url of ['/under-test/', '/under-test/w/default/datasets?q=x', '/under-test/login']) {
      const res = await built.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, INDEX, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['x-frame-options'], 'DENY');
    }
    const head = await built.inject({ method: 'HEAD', url: '/under-test/profile' });
    assert.equal(head.statusCode, 200);
  });

  test('a missing asset is a JSON 404, never index.html', async () => {
    const res = await built.inject('/under-test/_app/immutable/entry/gone.js');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND');
  });

  test('no path escapes the build directory', async () => {
    for (const url of ['/under-test/../secret.txt', '/under-test/%2e%2e/secret.txt', '/under-test/..%2fsecret.txt']) {
      const res = await built.inject(url);
      assert.doesNotMatch(res.body, /outside the build/, url);
    }
    const bad = await built.inject('/under-test/%E0%A4%A');
    assert.equal(bad.statusCode, 400, 'an undecodable path is refused by the router');
    assert.doesNotMatch(bad.body, /portal index/);
  });

  test('nothing under /api is affected: routes answer, unknown paths keep the JSON 404', async () => {
    assert.deepEqual((await built.inject('/api/v1/ping')).json(), { pong: true });
    for (const url of ['/api/v1/nope', '/api', '/api/v1/ping/deeper']) {
      const res = await built.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND', url);
    }
    const post = await built.inject({ method: 'POST', url: '/login', payload: {} });
    assert.equal(post.statusCode, 404, 'only GET and HEAD fall back to the portal');
    const doc = (await built.inject('/api/docs/json')).json() as { paths: Record<string, unknown> };
    assert.ok(!Object.keys(doc.paths).some((path) => path.includes('*')), 'the portal is not in the API document');
  });
});

describe('without a build', () => {
  test('pages answer with how to build the portal, never a 500', async () => {
    for (const url of ['/under-test/', '/under-test/login']) {
      const res = await unbuilt.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /The portal is not built/);
      assert.match(res.body, /npm run build:portal/);
    }
    const asset = await unbuilt.inject('/under-test/_app/immutable/entry/start.abc123.js');
    assert.equal(asset.statusCode, 404);
  });
});
