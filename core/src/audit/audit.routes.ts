import { Readable } from 'node:stream';
import { InputError, type PluginHttpApp } from '@assay/sdk';
import { Type, type Static } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { auditCsvChunks } from './audit-csv.ts';
import type { AuditEntry, AuditFilters, AuditLog } from './audit-log.ts';
import { AuditFilterQuery, AuditListQuery, AuditPageBody, AuditParams } from './audit.schemas.ts';

/** What the audit routes read from. */
export interface AuditRoutesOptions {
  readonly audit: AuditLog;
}

const tags = ['audit'];
const errors = { 400: errorResponses[400], 404: errorResponses[404], 500: errorResponses[500] };
// Reading the audit log is itself audited: who looked at the trail is part of the trail.
const access = { permission: 'audit:read', audit: 'read' } as const;

/**
 * The audit log, read-only by design (entries cannot be changed or removed, not even by the database user;
 * docs/audit.md): `GET /workspaces/:ws/audit` pages a workspace's entries newest first, `…/audit/export` streams
 * them as CSV, and `GET /audit` pages the platform's own entries (sign-ins, workspace and user administration)
 * for platform admins.
 */
export async function auditRoutes(app: PluginHttpApp, options: AuditRoutesOptions): Promise<void> {
  const { audit } = options;

  app.get(
    '/workspaces/:ws/audit',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Audit entries of a workspace, newest first',
        params: AuditParams,
        querystring: AuditListQuery,
        response: { 200: AuditPageBody, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await audit.query(request.params.ws, filtersOf(request.query), { limit, cursor });
      return { items: page.items.map(toItem), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/audit',
    {
      config: { access: { permission: 'platform:audit', audit: 'read' } },
      schema: {
        tags,
        summary: 'Platform audit entries (sign-ins, workspaces, users), newest first',
        querystring: AuditListQuery,
        response: { 200: AuditPageBody, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await audit.query(null, filtersOf(request.query), { limit, cursor });
      return { items: page.items.map(toItem), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/workspaces/:ws/audit/export',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Export audit entries of a workspace as CSV (RFC 4180, header row, newest first)',
        params: AuditParams,
        querystring: AuditFilterQuery,
        response: { 200: Type.String({ description: 'text/csv; charset=utf-8' }), ...errors },
      },
    },
    async (request, reply) => {
      const { ws } = request.params;
      const chunks = auditCsvChunks(audit.exportBatches(ws, filtersOf(request.query)));
      // Runs the first query now, so a database error is still an ordinary error response, not a cut-off file.
      const first = await chunks.next();
      const date = new Date().toISOString().slice(0, 10);
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${ws}-${date}.csv"`);
      return reply.send(Readable.from(resumed(first, chunks)));
    },
  );
}

function filtersOf(query: Static<typeof AuditFilterQuery>): AuditFilters {
  return {
    principal: query.principal,
    action: query.action,
    outcome: query.outcome,
    resourcePrefix: query.resource,
    from: instant(query.from, 'from'),
    to: instant(query.to, 'to'),
  };
}

function instant(value: string | undefined, name: 'from' | 'to'): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InputError(`/querystring/${name}: "${value}" is not a valid date-time`, {
      code: 'TIMESTAMP_INVALID',
      details: { path: `/querystring/${name}` },
    });
  }
  return date;
}

/** The chunks again with the first one already taken; closing it closes `rest` (a client that hangs up). */
async function* resumed(first: IteratorResult<string>, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  try {
    if (first.done === true) return;
    yield first.value;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

function toItem(entry: AuditEntry) {
  return { ...entry, at: entry.at.toISOString() };
}
