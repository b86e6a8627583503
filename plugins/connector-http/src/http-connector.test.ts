import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createConnectorContext, itemRows, queryDataset, readAll, startTestPlatform } from '@assay/sdk/testing';
import httpPlugin, { httpConnector } from './index.ts';

/** 25 orders, ids 1..25, updated_at increasing with the id. */
const ORDERS = Array.from({ length: 25 }, (_, i) => ({
  id: i + 1,
  amount: (i + 1) * 1.5,
  updated_at: `2024-01-01T00:00:${String(i + 1).padStart(2, '0')}Z`,
}));

let server: Server;
let base: string;
const hits = new Map<string, number>();
const times: number[] = [];
let tokensIssued = 0;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function route(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url!, base);
  const count = (hits.get(url.pathname) ?? 0) + 1;
  hits.set(url.pathname, count);
  times.push(Date.now());
  const since = url.searchParams.get('since');
  const rows = since === null ? ORDERS : ORDERS.filter((o) => o.updated_at >= since);
  switch (url.pathname) {
    case '/pages': {
      const page = Number(url.searchParams.get('page'));
      return send(res, 200, { data: { items: rows.slice((page - 1) * 10, page * 10) } });
    }
    case '/offset': {
      const offset = Number(url.searchParams.get('offset'));
      const limit = Number(url.searchParams.get('limit'));
      return send(res, 200, { results: rows.slice(offset, offset + limit) });
    }
    case '/cursor': {
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const next = start + 10 < rows.length ? String(start + 10) : null;
      return send(res, 200, { items: rows.slice(start, start + 10), meta: { next_cursor: next } });
    }
    case '/next-url': {
      const start = Number(url.searchParams.get('from') ?? 0);
      const next = start + 10 < rows.length ? `/next-url?from=${start + 10}` : null;
      return send(res, 200, { items: rows.slice(start, start + 10), next });
    }
    case '/link': {
      const start = Number(url.searchParams.get('from') ?? 0);
      const headers: Record<string, string> =
        start + 10 < rows.length
          ? { link: `<${base}/link?from=${start + 10}>; rel="next", <${base}/link>; rel="first"` }
          : {};
      return send(res, 200, rows.slice(start, start + 10), headers);
    }
    case '/throttled':
      return count === 1
        ? send(res, 429, { error: 'slow down' }, { 'retry-after': '1' })
        : send(res, 200, ORDERS.slice(0, 3));
    case '/flaky':
      return count < 3 ? send(res, 503, 'unavailable') : send(res, 200, ORDERS.slice(0, 2));
    case '/broken':
      return send(res, 500, 'boom');
    case '/hang':
      return; // never answers
    case '/html':
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html><body>Login required</body></html>');
    case '/token': {
      tokensIssued++;
      const auth = req.headers.authorization ?? '';
      const ok = auth === `Basic ${Buffer.from('client:s3cret').toString('base64')}`;
      return ok
        ? send(res, 200, { access_token: `tok-${tokensIssued}`, expires_in: 3600 })
        : send(res, 401, { error: 'bad client' });
    }
    case '/secure': {
      const auth = req.headers.authorization ?? '';
      const key = req.headers['x-api-key'] ?? url.searchParams.get('api_key');
      const valid =
        auth === 'Bearer t0k3n' ||
        auth === `Basic ${Buffer.from('ann:pw').toString('base64')}` ||
        key === 'k3y' ||
        (auth.startsWith('Bearer tok-') && auth !== 'Bearer tok-1');
      return valid ? send(res, 200, ORDERS.slice(0, 1)) : send(res, 401, { error: 'unauthorized' });
    }
    default:
      return send(res, 404, { error: 'no such endpoint' });
  }
}

before(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function connection(streams: unknown[], extra: Record<string, unknown> = {}) {
  return {
    baseUrl: base,
    auth: { type: 'none' },
    timeoutMs: 2000,
    retries: { max: 3, baseDelayMs: 10, maxDelayMs: 2000 },
    streams,
    ...extra,
  };
}

async function records(config: unknown, stream: string, state?: Record<string, unknown>) {
  const ctx = await createConnectorContext();
  try {
    const { items, state: next } = await readAll(httpConnector, ctx, config, { name: stream }, state);
    const rows: Array<Record<string, unknown>> = [];
    for (const item of items) if (item.kind === 'file') rows.push(...(await itemRows(item)).rows);
    return { rows, state: next, pages: items.filter((i) => i.kind === 'file').length };
  } finally {
    await ctx.dispose();
  }
}

describe('pagination', () => {
  const styles = [
    {
      name: 'pages',
      path: '/pages',
      recordSelector: 'data.items',
      pagination: { type: 'pageNumber', param: 'page', start: 1, size: 10 },
    },
    {
      name: 'offset',
      path: '/offset',
      recordSelector: 'results',
      pagination: { type: 'offset', offsetParam: 'offset', limitParam: 'limit', limit: 10 },
    },
    {
      name: 'cursor',
      path: '/cursor',
      recordSelector: 'items',
      pagination: { type: 'cursor', param: 'cursor', cursorPath: 'meta.next_cursor' },
    },
    { name: 'next-url', path: '/next-url', recordSelector: 'items', pagination: { type: 'nextUrl', path: 'next' } },
    { name: 'link', path: '/link', recordSelector: '', pagination: { type: 'link' } },
  ];
  for (const style of styles) {
    test(`${style.pagination.type}: every record once, each page kept`, async () => {
      const { rows, pages } = await records(connection([{ method: 'GET', ...style }]), style.name);
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        ORDERS.map((o) => o.id),
      );
      assert.equal(pages, 1, 'the pages of a load are handed over together');
    });
  }
});

describe('requests', () => {
  test('incremental: the watermark goes out as a parameter and comes back as state', async () => {
    const config = connection([
      {
        name: 'orders',
        path: '/cursor',
        method: 'GET',
        recordSelector: 'items',
        pagination: { type: 'cursor', param: 'cursor', cursorPath: 'meta.next_cursor' },
        incremental: { watermarkField: 'updated_at', param: 'since' },
      },
    ]);
    const first = await records(config, 'orders');
    assert.deepEqual(first.state, { watermark: '2024-01-01T00:00:25Z' });
    const second = await records(config, 'orders', { watermark: '2024-01-01T00:00:20Z' });
    assert.deepEqual(
      second.rows.map((r) => Number(r.id)),
      [20, 21, 22, 23, 24, 25],
    );
  });

  test('429 with Retry-After is waited out; 503s are retried; a lasting 500 fails with its status', async () => {
    const config = connection([
      { name: 'throttled', path: '/throttled', method: 'GET', recordSelector: '', pagination: { type: 'none' } },
      { name: 'flaky', path: '/flaky', method: 'GET', recordSelector: '', pagination: { type: 'none' } },
      { name: 'broken', path: '/broken', method: 'GET', recordSelector: '', pagination: { type: 'none' } },
    ]);
    const started = Date.now();
    assert.equal((await records(config, 'throttled')).rows.length, 3);
    assert.ok(Date.now() - started >= 950, 'Retry-After: 1 was honoured');
    assert.equal((await records(config, 'flaky')).rows.length, 2);
    await assert.rejects(records(config, 'broken'), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'HTTP_500');
      assert.match(error.message, /after 4 attempt/);
      return true;
    });
  });

  test('a server that never answers times out; an unreachable one is refused', async () => {
    const config = connection(
      [{ name: 'hang', path: '/hang', method: 'GET', recordSelector: '', pagination: { type: 'none' } }],
      { timeoutMs: 200, retries: { max: 1, baseDelayMs: 10, maxDelayMs: 10 } },
    );
    await assert.rejects(records(config, 'hang'), (error: { code?: string }) => error.code === 'TIMEOUT');
    const ctx = await createConnectorContext();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await httpConnector.check(ctx, { ...config, baseUrl: `http://127.0.0.1:${port}` } as never);
    assert.equal(refused.code, 'CONNECTION_REFUSED');
    await ctx.dispose();
  });

  test('HTML instead of JSON, a missing record path and an unknown path have precise codes', async () => {
    const config = connection([
      { name: 'html', path: '/html', method: 'GET', recordSelector: '', pagination: { type: 'none' } },
      { name: 'wrong', path: '/pages?page=1', method: 'GET', recordSelector: 'items', pagination: { type: 'none' } },
      { name: 'missing', path: '/nope', method: 'GET', recordSelector: '', pagination: { type: 'none' } },
    ]);
    await assert.rejects(records(config, 'html'), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'HTTP_RESPONSE_NOT_JSON');
      assert.match(error.message, /text\/html.*Login required/);
      return true;
    });
    await assert.rejects(records(config, 'wrong'), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'HTTP_RECORDS_NOT_FOUND');
      assert.match(error.message, /has: data/);
      return true;
    });
    await assert.rejects(records(config, 'missing'), (error: { code?: string }) => error.code === 'NOT_FOUND');
  });

  test('every kind of auth; OAuth2 refreshes its token after a 401; secrets stay out of messages', async () => {
    const endpoint = {
      name: 'secure',
      path: '/secure',
      method: 'GET',
      recordSelector: '',
      pagination: { type: 'none' },
    };
    const auths = [
      { type: 'bearer', token: 't0k3n' },
      { type: 'basic', username: 'ann', password: 'pw' },
      { type: 'apiKey', name: 'x-api-key', in: 'header', value: 'k3y' },
      { type: 'apiKey', name: 'api_key', in: 'query', value: 'k3y' },
      { type: 'oauth2', tokenUrl: `${base}/token`, clientId: 'client', clientSecret: 's3cret' },
    ];
    for (const auth of auths) {
      assert.equal((await records(connection([endpoint], { auth }), 'secure')).rows.length, 1, auth.type);
    }
    assert.equal(tokensIssued, 2, 'the first token was refused once and replaced');
    await assert.rejects(
      records(
        connection([endpoint], { auth: { type: 'apiKey', name: 'api_key', in: 'query', value: 'wrong-key' } }),
        'secure',
      ),
      (error: { code?: string; message: string }) =>
        error.code === 'AUTH_FAILED' && !error.message.includes('wrong-key'),
    );
  });

  test('the rate limit spaces requests', async () => {
    times.length = 0;
    const config = connection(
      [
        {
          name: 'pages',
          path: '/pages',
          method: 'GET',
          recordSelector: 'data.items',
          pagination: { type: 'pageNumber', param: 'page', start: 1, size: 10 },
        },
      ],
      { rateLimit: { requestsPerSecond: 5 } },
    );
    await records(config, 'pages');
    assert.equal(times.length, 3);
    assert.ok(times[2]! - times[0]! >= 390, `3 requests at 5/s take at least 400 ms (took ${times[2]! - times[0]!})`);
  });
});

test('into Bronze with the raw pages kept in landing', async () => {
  const platform = await startTestPlatform({ plugins: [httpPlugin], worker: false });
  try {
    await platform.createWorkspace('api');
    const created = await platform.inject({
      method: 'POST',
      url: '/api/v1/workspaces/api/connections',
      payload: {
        name: 'shop',
        type: 'http',
        config: connection([
          {
            name: 'orders',
            path: '/pages',
            method: 'GET',
            recordSelector: 'data.items',
            pagination: { type: 'pageNumber', param: 'page', start: 1, size: 10 },
          },
        ]),
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const load = await platform.inject({
      method: 'POST',
      url: '/api/v1/workspaces/api/ingest',
      payload: { connection: 'shop', stream: 'orders', dataset: 'bronze.orders', wait: true },
    });
    assert.equal(load.statusCode, 200, load.body);
    assert.equal(load.json().rowsWritten, 25);
    assert.match(load.json().landingPath, /landing\/shop\/orders\//);
    const [row] = await queryDataset(
      platform,
      'api',
      'bronze.orders',
      'SELECT count(*) AS n, sum(amount) AS total FROM t',
    );
    assert.deepEqual(row, { n: '25', total: 487.5 });
    const { readdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const raw = await readdir(join(platform.home, 'lake', load.json().landingPath, 'raw'));
    assert.equal(raw.length, 3);
  } finally {
    await platform.close();
  }
});
