import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AssayError } from '@assay/sdk';
import type { Knex } from 'knex';
import { createDatabase } from '../database/database.ts';
import { auditMigration } from '../database/migrations/005_audit.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { encodeAuditCursor } from './audit-cursor.ts';
import { createAuditLog, type AuditEntryInput, type AuditLog } from './audit-log.ts';

let testDb: TestDatabase;
let db: Knex;
let audit: AuditLog;

const ann = { id: 'u-ann', kind: 'user', name: 'ann' } as const;
const bot = { id: 'sa-bot', kind: 'service-account', name: 'nightly-bot' } as const;

before(async () => {
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url);
  await auditMigration.up(db);
  audit = createAuditLog({ db });
});
after(async () => {
  await db.destroy();
  await testDb.drop();
});

const entry = (overrides: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
  workspace: 'alpha',
  principal: ann,
  action: 'dataset:write',
  method: 'POST',
  resource: '/api/v1/workspaces/alpha/datasets/silver/customers/restore',
  outcome: 'success',
  status: 200,
  requestId: 'req-1',
  clientAddress: '10.0.0.1',
  ...overrides,
});

async function rejection(work: () => Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the database to refuse');
}

describe('core_audit_log is append-only in the database', () => {
  before(async () => {
    await audit.record(entry());
  });

  test('UPDATE fails, even one matching no row, and changes nothing', async () => {
    const error = await rejection(() => db('core_audit_log').update({ outcome: 'denied' }));
    assert.match(error.message, /core_audit_log is append-only: UPDATE is not allowed/);
    assert.equal(error.code, '42501');
    assert.match(error.hint ?? '', /docs\/audit\.md/);
    await rejection(() => db('core_audit_log').where('id', -1).update({ action: 'x' }));
    assert.deepEqual(await db('core_audit_log').pluck('outcome'), ['success']);
  });

  test('DELETE fails', async () => {
    const error = await rejection(() => db('core_audit_log').where('workspace', 'alpha').delete());
    assert.match(error.message, /append-only: DELETE is not allowed/);
    assert.equal(Number((await db('core_audit_log').count({ n: '*' }))[0]?.n), 1);
  });

  test('TRUNCATE fails', async () => {
    const error = await rejection(() => db.raw('truncate core_audit_log'));
    assert.match(error.message, /append-only: TRUNCATE is not allowed/);
    assert.equal(Number((await db('core_audit_log').count({ n: '*' }))[0]?.n), 1);
  });

  test('INSERT of an unknown outcome or principal kind fails the check constraints', async () => {
    await assert.rejects(db('core_audit_log').insert({ action: 'a', resource: 'r', outcome: 'ok' }), /outcome_check/);
    await assert.rejects(
      db('core_audit_log').insert({ action: 'a', resource: 'r', outcome: 'success', principal_kind: 'robot' }),
      /principal_kind_check/,
    );
  });

  test('the down migration drops the table and its trigger function; up works again', async () => {
    const scratch = await createTestDatabase();
    const other = createDatabase(scratch.url);
    try {
      await auditMigration.up(other);
      await auditMigration.down!(other);
      assert.equal(await other.schema.hasTable('core_audit_log'), false);
      const functions = await other.raw(`select 1 from pg_proc where proname = 'core_audit_log_refuse_change'`);
      assert.equal(functions.rows.length, 0);
      await auditMigration.up(other);
      assert.equal(await other.schema.hasTable('core_audit_log'), true);
    } finally {
      await other.destroy();
      await scratch.drop();
    }
  });
});

describe('AuditLog', () => {
  before(async () => {
    await audit.record(entry({ workspace: 'beta', resource: '/api/v1/workspaces/beta/x', requestId: 'beta-1' }));
    await audit.record(entry({ workspace: undefined, principal: undefined, action: 'auth:login', outcome: 'denied' }));
    await audit.record(entry({ principal: bot, action: 'pipeline:run', resource: '/api/v1/workspaces/alpha/p_%' }));
    await audit.record(entry({ outcome: 'failed', status: 500, details: { errorCode: 'INTERNAL_ERROR' } }));
    await audit.record(entry({ method: undefined, status: undefined, details: { list: [1, 2] } }));
  });

  test('record stores every field; absent ones are null', async () => {
    const [latest, failed] = (await audit.query('alpha', {}, { limit: 2 })).items;
    assert.equal(latest?.method, null);
    assert.equal(latest?.status, null);
    assert.deepEqual(latest?.details, { list: [1, 2] });
    assert.deepEqual(failed?.principal, ann);
    assert.deepEqual(
      [failed?.workspace, failed?.action, failed?.method, failed?.outcome, failed?.status, failed?.requestId],
      ['alpha', 'dataset:write', 'POST', 'failed', 500, 'req-1'],
    );
    assert.equal(failed?.clientAddress, '10.0.0.1');
    assert.deepEqual(failed?.details, { errorCode: 'INTERNAL_ERROR' });
    assert.ok(failed?.at instanceof Date && Date.now() - failed.at.getTime() < 60_000);
  });

  test('query is scoped to one workspace; null reads the platform-level entries', async () => {
    const alpha = await audit.query('alpha');
    assert.equal(alpha.items.length, 4);
    assert.ok(alpha.items.every((item) => item.workspace === 'alpha'));
    assert.deepEqual(
      (await audit.query('beta')).items.map((item) => item.requestId),
      ['beta-1'],
    );
    const platform = await audit.query(null);
    assert.deepEqual(
      platform.items.map((item) => [item.action, item.principal, item.outcome]),
      [['auth:login', null, 'denied']],
    );
  });

  test('filters: principal by id or name, action, outcome, resource prefix taken literally', async () => {
    const actions = async (filters: Parameters<AuditLog['query']>[1]) =>
      (await audit.query('alpha', filters)).items.map((item) => item.action);
    assert.deepEqual(await actions({ principal: 'sa-bot' }), ['pipeline:run']);
    assert.deepEqual(await actions({ principal: 'nightly-bot' }), ['pipeline:run']);
    assert.deepEqual(await actions({ principal: 'nobody' }), []);
    assert.equal((await actions({ action: 'dataset:write' })).length, 3);
    assert.equal((await actions({ outcome: 'failed' })).length, 1);
    assert.deepEqual(await actions({ resourcePrefix: '/api/v1/workspaces/alpha/p_%' }), ['pipeline:run']);
    // % and _ are not wildcards: this prefix matches nothing.
    assert.deepEqual(await actions({ resourcePrefix: '/api/v1/workspaces/alpha/%' }), []);
  });

  test('from is inclusive and to exclusive', async () => {
    await db('core_audit_log').insert([
      { workspace: 'timed', action: 'a1', resource: 'r', outcome: 'success', at: '2024-01-01T00:00:00Z' },
      { workspace: 'timed', action: 'a2', resource: 'r', outcome: 'success', at: '2024-01-02T00:00:00Z' },
      { workspace: 'timed', action: 'a3', resource: 'r', outcome: 'success', at: '2024-01-03T00:00:00Z' },
    ]);
    const actions = async (from?: string, to?: string) =>
      (
        await audit.query('timed', {
          from: from === undefined ? undefined : new Date(from),
          to: to === undefined ? undefined : new Date(to),
        })
      ).items.map((item) => item.action);
    assert.deepEqual(await actions('2024-01-02T00:00:00Z'), ['a3', 'a2']);
    assert.deepEqual(await actions(undefined, '2024-01-02T00:00:00Z'), ['a1']);
    assert.deepEqual(await actions('2024-01-01T12:00:00Z', '2024-01-03T00:00:00Z'), ['a2']);
  });

  test('pages newest first with no duplicates or gaps, also when entries arrive between pages', async () => {
    for (let i = 0; i < 7; i++) await audit.record(entry({ workspace: 'paged', action: `a${i}` }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await audit.query('paged', {}, { limit: 3, cursor });
      seen.push(...page.items.map((item) => item.action));
      cursor = page.nextCursor ?? undefined;
      if (pages++ === 0) await audit.record(entry({ workspace: 'paged', action: 'late' }));
    } while (cursor !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['a6', 'a5', 'a4', 'a3', 'a2', 'a1', 'a0']);
    const exact = await audit.query('paged', {}, { limit: 8 });
    assert.equal(exact.items.length, 8);
    assert.equal(exact.nextCursor, null);
  });

  test('exportBatches yields every match in keyset batches', async () => {
    const batches: string[][] = [];
    for await (const batch of audit.exportBatches('paged', { action: 'a3' }, 2)) {
      batches.push(batch.map((item) => item.action));
    }
    assert.deepEqual(batches, [['a3']]);
    const all: number[] = [];
    for await (const batch of audit.exportBatches('paged', {}, 3)) all.push(batch.length);
    assert.deepEqual(all, [3, 3, 2]);
    const none = audit.exportBatches('nowhere');
    assert.equal((await none.next()).done, true);
  });

  test('a malformed cursor is 400 CURSOR_INVALID, never a database error', async () => {
    const foreign = [
      'not base64!',
      Buffer.from('abc').toString('base64url'),
      Buffer.from('0').toString('base64url'),
      Buffer.from('-5').toString('base64url'),
      Buffer.from('99999999999999999999').toString('base64url'),
      Buffer.from('9223372036854775808').toString('base64url'),
      `${encodeAuditCursor('12')}=`,
    ];
    for (const cursor of foreign) {
      await assert.rejects(
        audit.query('alpha', {}, { cursor }),
        (error: unknown) => error instanceof AssayError && error.code === 'CURSOR_INVALID' && error.status === 400,
        cursor,
      );
    }
  });

  test('a limit outside 1..1000 is 400 LIMIT_INVALID', async () => {
    for (const limit of [0, 1001, 1.5]) {
      await assert.rejects(
        audit.query('alpha', {}, { limit }),
        (error: unknown) => error instanceof AssayError && error.code === 'LIMIT_INVALID',
      );
    }
  });
});
