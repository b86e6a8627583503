import { InputError } from '@assay/sdk';
import type { Knex } from 'knex';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.ts';

/** How an audited call ended: 2xx/3xx `success`, 401/403 `denied`, anything else `failed`. */
export type AuditOutcome = 'success' | 'denied' | 'failed';

/** Who acted; the subset of `Principal` the log keeps, so an entry stays readable after the user is deleted. */
export interface AuditPrincipal {
  readonly id: string;
  readonly kind: 'user' | 'service-account';
  readonly name: string;
}

/** One entry to append. Never put secrets (passwords, tokens) in `details`. */
export interface AuditEntryInput {
  /** Undefined for platform-level actions (login, users, workspaces themselves). */
  readonly workspace?: string | undefined;
  /** Undefined for anonymous callers. */
  readonly principal?: AuditPrincipal | undefined;
  /** A permission such as `dataset:write`, an `auth:*` action, or `METHOD /route/template`. */
  readonly action: string;
  readonly method?: string | undefined;
  /** The request path without query string, or the name of what was acted on. */
  readonly resource: string;
  readonly outcome: AuditOutcome;
  readonly status?: number | undefined;
  readonly requestId?: string | undefined;
  readonly clientAddress?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** A stored entry. `id` is a decimal string (a bigint), increasing in insertion order. */
export interface AuditEntry {
  readonly id: string;
  readonly at: Date;
  readonly workspace: string | null;
  readonly principal: AuditPrincipal | null;
  readonly action: string;
  readonly method: string | null;
  readonly resource: string;
  readonly outcome: AuditOutcome;
  readonly status: number | null;
  readonly requestId: string | null;
  readonly clientAddress: string | null;
  readonly details: Record<string, unknown> | null;
}

/** Narrows a query; every filter given must match. */
export interface AuditFilters {
  /** A principal id or name. */
  readonly principal?: string | undefined;
  readonly action?: string | undefined;
  readonly outcome?: AuditOutcome | undefined;
  /** Entries whose resource starts with this. */
  readonly resourcePrefix?: string | undefined;
  /** Inclusive. */
  readonly from?: Date | undefined;
  /** Exclusive. */
  readonly to?: Date | undefined;
}

/** `limit` 1..1000 (default 100); `cursor` is a `nextCursor` of an earlier page. */
export interface AuditPageRequest {
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

/** One page, newest first; `nextCursor` is null on the last page. */
export interface AuditPage {
  readonly items: AuditEntry[];
  readonly nextCursor: string | null;
}

/** The append-only audit log (`core_audit_log`). There is deliberately no way to change or remove entries. */
export interface AuditLog {
  /** Appends an entry; rejects when the database does, and the caller decides what that means. */
  record(entry: AuditEntryInput): Promise<void>;
  /** Entries of a workspace (`null`: platform-level entries), newest first, paged by keyset. */
  query(workspace: string | null, filters?: AuditFilters, page?: AuditPageRequest): Promise<AuditPage>;
  /**
   * Every matching entry, newest first, in batches of `batchSize` fetched one at a time, so an export of millions
   * of entries never sits in memory. Entries added during the export (higher ids) are not included.
   */
  exportBatches(workspace: string | null, filters?: AuditFilters, batchSize?: number): AsyncGenerator<AuditEntry[]>;
}

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;

interface AuditRow {
  id: string;
  at: Date;
  workspace: string | null;
  principal_id: string | null;
  principal_kind: 'user' | 'service-account' | null;
  principal_name: string | null;
  action: string;
  method: string | null;
  resource: string;
  outcome: AuditOutcome;
  status: number | null;
  request_id: string | null;
  client_address: string | null;
  details: Record<string, unknown> | null;
}

const TABLE = 'core_audit_log';

/** The audit log on the metadata database. */
export function createAuditLog(options: { db: Knex }): AuditLog {
  const { db } = options;

  const query: AuditLog['query'] = async (workspace, filters = {}, page = {}) => {
    const limit = page.limit ?? AUDIT_PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) {
      throw new InputError(`limit must be an integer from 1 to ${AUDIT_PAGE_MAX}, got ${limit}`, {
        code: 'LIMIT_INVALID',
        details: { path: '/querystring/limit' },
      });
    }
    const builder = db<AuditRow>(TABLE)
      .select('*')
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (workspace === null) builder.whereNull('workspace');
    else builder.where('workspace', workspace);
    if (page.cursor !== undefined) builder.where('id', '<', decodeAuditCursor(page.cursor));
    applyFilters(builder, filters);
    const rows = (await builder) as AuditRow[];
    const items = rows.slice(0, limit).map(toEntry);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeAuditCursor(last.id) : null };
  };

  return {
    async record(entry) {
      await db(TABLE).insert({
        workspace: entry.workspace ?? null,
        principal_id: entry.principal?.id ?? null,
        principal_kind: entry.principal?.kind ?? null,
        principal_name: entry.principal?.name ?? null,
        action: entry.action,
        method: entry.method ?? null,
        resource: entry.resource,
        outcome: entry.outcome,
        status: entry.status ?? null,
        request_id: entry.requestId ?? null,
        client_address: entry.clientAddress ?? null,
        // Stringified: node-postgres would turn a top-level array into a Postgres array, not JSON.
        details: entry.details === undefined ? null : JSON.stringify(entry.details),
      });
    },
    query,
    async *exportBatches(workspace, filters = {}, batchSize = AUDIT_PAGE_MAX) {
      let cursor: string | undefined;
      do {
        const page = await query(workspace, filters, { limit: batchSize, cursor });
        if (page.items.length > 0) yield page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },
  };
}

function applyFilters(builder: Knex.QueryBuilder, filters: AuditFilters): void {
  const { principal, action, outcome, resourcePrefix, from, to } = filters;
  if (principal !== undefined) {
    builder.where((where) => {
      void where.where('principal_id', principal).orWhere('principal_name', principal);
    });
  }
  if (action !== undefined) builder.where('action', action);
  if (outcome !== undefined) builder.where('outcome', outcome);
  // starts_with, not LIKE: a prefix containing % or _ matches literally.
  if (resourcePrefix !== undefined) builder.whereRaw('starts_with(resource, ?)', [resourcePrefix]);
  if (from !== undefined) builder.where('at', '>=', from);
  if (to !== undefined) builder.where('at', '<', to);
}

function toEntry(row: AuditRow): AuditEntry {
  const principal =
    row.principal_id === null || row.principal_kind === null
      ? null
      : { id: row.principal_id, kind: row.principal_kind, name: row.principal_name ?? '' };
  return {
    id: row.id,
    at: row.at,
    workspace: row.workspace,
    principal,
    action: row.action,
    method: row.method,
    resource: row.resource,
    outcome: row.outcome,
    status: row.status,
    requestId: row.request_id,
    clientAddress: row.client_address,
    details: row.details,
  };
}
