import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RouteAccess } from '@assay/sdk';
import { registerAjvFormats, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { createDatabase } from '../database/database.ts';
import { auditMigration } from '../database/migrations/005_audit.ts';
import { ErrorBody } from '../http/error-body.ts';
import { installErrorHandler } from '../http/error-handler.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { AUDIT_CSV_COLUMNS } from './audit-csv.ts';
import { createAuditLog, type AuditEntryInput, type AuditLog } from './audit-log.ts';
import { auditRoutes } from './audit.routes.ts';

let testDb: TestDatabase;
let db: Knex;
let audit: AuditLog;
let app: FastifyInstance;
const registered: Array<{ method: string; url: string; access: RouteAccess | undefined; schema: unknown }> = [];

const ann = { id: 'u-ann', kind: 'user', name: 'ann' } as const;
const bot = { id: 'sa-1', kind: 'service-account', name: 'loader' } as const;
const entry = (overrides: Partial<AuditEntryInput>): AuditEntryInput => ({
  workspace: 'alpha',
  principal: ann,
  action: 'dataset:write',
  method: 'POST',
  resource: '/api/v1/workspaces/alpha/datasets/silver/customers',
  outcome: 'success',
  status: 200,
  requestId: 'req',
  clientAddress: '10.0.0.1',
  ...overrides,
});

before(async () => {
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url);
  await auditMigration.up(db);
  audit = createAuditLog({ db });

  registerAjvFormats();
  const server = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  server.setValidatorCompiler(TypeBoxValidatorCompiler);
  server.addSchema(ErrorBody);
  installErrorHandler(server);
  server.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      registered.push({
        method,
        url: route.url,
        access: (route.config as { access?: RouteAccess } | undefined)?.access,
        schema: route.schema,
      });
    }
  });
  await server.register(auditRoutes, { prefix: '/api/v1', audit });
  await server.ready();
  app = server;

  await audit.record(entry({ action: 'dataset:write', requestId: 'a1' }));
  await audit.record(
    entry({ principal: bot, action: 'pipeline:run', resource: '/api/v1/workspaces/alpha/pipelines/p1' }),
  );
  await audit.record(entry({ workspace: 'beta', requestId: 'b1', resource: '/api/v1/workspaces/beta/x' }));
  await audit.record(entry({ outcome: 'denied', status: 403, action: 'member:manage', requestId: 'a3' }));
  await audit.record(entry({ workspace: 'alpha-2', requestId: 'other' }));
  await audit.record(
    entry({ principal: undefined, outcome: 'failed', status: 500, details: { errorCode: 'INTERNAL_ERROR' } }),
  );
});
after(async () => {
  await app.close();
  await db.destroy();
  await testDb.drop();
});

interface Item {
  id: string;
  at: string;
  workspace: string;
  principal: { id: string; name: string } | null;
  action: string;
  outcome: string;
  requestId: string;
  details: Record<string, unknown> | null;
}
interface Body {
  items: Item[];
  nextCursor: string | null;
  error?: { code: string; message: string };
}

async function list(query = '', ws = 'alpha'): Promise<{ status: number; body: Body }> {
  const response = await app.inject({ method: 'GET', url: `/api/v1/workspaces/${ws}/audit${query}` });
  return { status: response.statusCode, body: response.json() };
}

describe('audit routes', () => {
  test('only GET routes, each needing an audit permission and audited themselves, with schemas', () => {
    const own = registered.filter((route) => route.method !== 'HEAD');
    assert.deepEqual(
      own.map((route) => `${route.method} ${route.url}`),
      ['GET /api/v1/workspaces/:ws/audit', 'GET /api/v1/audit', 'GET /api/v1/workspaces/:ws/audit/export'],
    );
    for (const route of own) {
      const permission = route.url.includes(':ws') ? 'audit:read' : 'platform:audit';
      assert.deepEqual(route.access, { permission, audit: 'read' });
      const schema = route.schema as { tags?: string[]; summary?: string; response?: Record<number, unknown> };
      assert.deepEqual(schema.tags, ['audit']);
      assert.ok(schema.summary);
      assert.ok(schema.response?.[200]);
    }
  });

  test('entries cannot be changed or removed through the API', async () => {
    const [first] = (await list()).body.items;
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
      for (const url of ['/api/v1/workspaces/alpha/audit', `/api/v1/workspaces/alpha/audit/${first?.id}`]) {
        const response = await app.inject({ method, url, payload: {} });
        assert.equal(response.statusCode, 404, `${method} ${url}`);
        assert.equal(response.json().error.code, 'ROUTE_NOT_FOUND');
      }
    }
    assert.equal((await list()).body.items.length, 4);
  });

  test('lists the entries of one workspace only, newest first, with ISO timestamps', async () => {
    const { status, body } = await list();
    assert.equal(status, 200);
    assert.deepEqual(
      body.items.map((item) => [item.workspace, item.action, item.outcome]),
      [
        ['alpha', 'dataset:write', 'failed'],
        ['alpha', 'member:manage', 'denied'],
        ['alpha', 'pipeline:run', 'success'],
        ['alpha', 'dataset:write', 'success'],
      ],
    );
    assert.equal(body.nextCursor, null);
    for (const item of body.items) assert.equal(new Date(item.at).toISOString(), item.at);
    assert.equal(body.items[0]?.principal, null);
    assert.deepEqual(body.items[0]?.details, { errorCode: 'INTERNAL_ERROR' });
    assert.deepEqual(
      (await list('', 'beta')).body.items.map((item) => item.requestId),
      ['b1'],
    );
  });

  test('filters by principal id or name, action, outcome, resource prefix and time', async () => {
    const actions = async (query: string) => (await list(query)).body.items.map((item) => item.action);
    assert.deepEqual(await actions('?principal=sa-1'), ['pipeline:run']);
    assert.deepEqual(await actions('?principal=loader'), ['pipeline:run']);
    assert.deepEqual(await actions('?action=member:manage'), ['member:manage']);
    assert.deepEqual(await actions('?outcome=denied'), ['member:manage']);
    assert.deepEqual(await actions('?resource=/api/v1/workspaces/alpha/pipelines'), ['pipeline:run']);
    assert.deepEqual(await actions('?principal=ann&outcome=success'), ['dataset:write']);
    assert.equal((await actions('?from=2000-01-01T00:00:00Z')).length, 4);
    assert.deepEqual(await actions('?to=2000-01-01T00:00:00Z'), []);
    assert.deepEqual(await actions(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), []);
  });

  test('pages with limit and cursor across pages, without duplicates or gaps', async () => {
    await db('core_audit_log').insert(
      Array.from({ length: 25 }, (_, i) => ({
        workspace: 'paged',
        action: `a${i}`,
        resource: '/r',
        outcome: 'success',
      })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=10${cursor === null ? '' : `&cursor=${cursor}`}`;
      const { status, body } = await list(query, 'paged');
      assert.equal(status, 200);
      seen.push(...body.items.map((item) => item.action));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    assert.equal(pages, 3);
    assert.deepEqual(
      seen,
      Array.from({ length: 25 }, (_, i) => `a${24 - i}`),
    );
    assert.equal((await list('', 'paged')).body.items.length, 25);
  });

  test('bad input is 400 with a stable code', async () => {
    const codeOf = async (query: string) => {
      const { status, body } = await list(query);
      assert.equal(status, 400, query);
      return body.error?.code;
    };
    assert.equal(await codeOf('?cursor=not-a-cursor'), 'CURSOR_INVALID');
    assert.equal(await codeOf(`?cursor=${Buffer.from('drop table').toString('base64url')}`), 'CURSOR_INVALID');
    assert.equal(await codeOf('?limit=0'), 'REQUEST_INVALID');
    assert.equal(await codeOf('?limit=1001'), 'REQUEST_INVALID');
    assert.equal(await codeOf('?outcome=maybe'), 'REQUEST_INVALID');
    assert.equal(await codeOf('?from=yesterday'), 'REQUEST_INVALID');
    // A leap second is a valid RFC 3339 date-time that JavaScript cannot represent.
    assert.equal(await codeOf('?from=2016-12-31T23:59:60Z'), 'TIMESTAMP_INVALID');
    const badWs = await app.inject({ method: 'GET', url: '/api/v1/workspaces/Not_A_Slug/audit' });
    assert.equal(badWs.statusCode, 400);
  });
});

describe('audit export', () => {
  const exportOf = (query = '', ws = 'alpha') =>
    app.inject({ method: 'GET', url: `/api/v1/workspaces/${ws}/audit/export${query}` });

  test('streams CSV with a header row, as an attachment named after workspace and date', async () => {
    const response = await exportOf();
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
    const date = new Date().toISOString().slice(0, 10);
    assert.equal(response.headers['content-disposition'], `attachment; filename="audit-alpha-${date}.csv"`);
    const rows = parseCsv(response.body);
    assert.deepEqual(rows[0], [...AUDIT_CSV_COLUMNS]);
    assert.deepEqual(
      rows.slice(1).map((row) => row[6]),
      ['dataset:write', 'member:manage', 'pipeline:run', 'dataset:write'],
    );
    assert.ok(rows.slice(1).every((row) => row[2] === 'alpha' && row.length === AUDIT_CSV_COLUMNS.length));
  });

  test('applies the filters and never includes another workspace', async () => {
    const rows = parseCsv((await exportOf('?outcome=denied')).body);
    assert.deepEqual(
      rows.slice(1).map((row) => row[11]),
      ['a3'],
    );
    const beta = parseCsv((await exportOf('', 'beta')).body);
    assert.deepEqual(
      beta.slice(1).map((row) => [row[2], row[11]]),
      [['beta', 'b1']],
    );
    const empty = await exportOf('', 'nobody');
    assert.equal(empty.statusCode, 200);
    assert.deepEqual(parseCsv(empty.body), [[...AUDIT_CSV_COLUMNS]]);
    assert.equal((await exportOf('?from=nonsense')).statusCode, 400);
  });

  test('quotes commas, quotes and line breaks, and defuses formulas, so values survive a round trip', async () => {
    const tricky = {
      name: '=HYPERLINK("http://evil.example","click")',
      resource: '/api/v1/workspaces/csv/a,b "c"\r\nnext',
      action: '@SUM(1+1)',
      details: { note: 'line1\nline2, "quoted"' },
    };
    await audit.record(
      entry({
        workspace: 'csv',
        principal: { id: '-1+2', kind: 'user', name: tricky.name },
        action: tricky.action,
        resource: tricky.resource,
        details: tricky.details,
      }),
    );
    const response = await exportOf('', 'csv');
    const [, row] = parseCsv(response.body);
    assert.equal(row?.[3], "'-1+2");
    assert.equal(row?.[5], `'${tricky.name}`);
    assert.equal(row?.[6], `'${tricky.action}`);
    assert.equal(row?.[8], tricky.resource);
    assert.deepEqual(JSON.parse(row?.[13] ?? ''), tricky.details);
    assert.match(response.body, /"'=HYPERLINK\(""http:\/\/evil\.example"",""click""\)"/);
  });

  test('exports more entries than one batch, in order, each once', async () => {
    await db('core_audit_log').insert(
      Array.from({ length: 2300 }, (_, i) => ({
        workspace: 'bulk',
        action: `a${i}`,
        resource: '/r',
        outcome: 'success',
      })),
    );
    const rows = parseCsv((await exportOf('', 'bulk')).body).slice(1);
    assert.equal(rows.length, 2300);
    assert.deepEqual(
      rows.map((row) => row[6]),
      Array.from({ length: 2300 }, (_, i) => `a${2299 - i}`),
    );
  });
});

/** An RFC 4180 reader, strict about CRLF line ends, so the test checks the format rather than trusting it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      assert.ok(char !== '\n' && char !== '\r' && char !== '"', `unquoted ${JSON.stringify(char)} at ${i}`);
      cell += char;
    }
  }
  assert.equal(cell + row.join(''), '', 'the file ends with CRLF');
  return rows;
}
