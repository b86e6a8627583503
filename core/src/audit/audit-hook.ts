import { Readable } from 'node:stream';
import { OperationalError } from '@assay/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { AuditEntryInput, AuditLog, AuditOutcome, AuditPrincipal } from './audit-log.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Requests that already have their entry (or were written off), so a request is recorded once at most. */
const audited = new WeakSet<FastifyRequest>();
/** Facts a route added to its request's entry with {@link addAuditDetails}. */
const routeDetails = new WeakMap<FastifyRequest, Record<string, unknown>>();

/**
 * Adds facts to the audit entry the hook writes for this request (merged over earlier ones): what a change was and
 * why, e.g. a discard's reason and row count. Call it before the work too, so a call that fails still says what it
 * tried. Never pass secrets or row values.
 */
export function addAuditDetails(request: FastifyRequest, details: Readonly<Record<string, unknown>>): void {
  routeDetails.set(request, { ...routeDetails.get(request), ...details });
}

/** Options of {@link installAuditHook}. */
export interface AuditHookOptions {
  /** Where `assay_audit_write_failures_total` is registered; no counter without one. */
  readonly metrics?: Registry | undefined;
}

/**
 * Records every mutating request (POST, PUT, PATCH, DELETE) and every call of a route declaring
 * `access.audit: 'read'`, whatever its outcome, in `onSend`: the entry is in the database before the client sees
 * the response, so a client that lists the audit log next finds its own call. Requests no route matched are not
 * recorded. Install it on the root app before any route is registered, so every context inherits it.
 *
 * When the insert fails the error is logged at error level with the request id and counted. What the client gets
 * depends on what is still undone (docs/audit.md):
 * - a mutation has already happened by `onSend`; answering 503 would invite a retry that repeats it, so the
 *   response stands;
 * - an audited read has not delivered its data yet, so it fails closed: the payload is dropped and the client
 *   gets 503 `AUDIT_UNAVAILABLE` (safe to retry, nothing changed).
 */
export function installAuditHook(app: FastifyInstance, audit: AuditLog, options: AuditHookOptions = {}): void {
  const failures =
    options.metrics === undefined
      ? undefined
      : new Counter({
          name: 'assay_audit_write_failures_total',
          help: 'Audit entries that could not be written, by kind of request (mutation or read)',
          labelNames: ['kind'] as const,
          registers: [options.metrics],
        });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.is404 || audited.has(request)) return payload;
    const mutating = MUTATING.has(request.method);
    if (!mutating && !declaresAuditedRead(request)) return payload;
    audited.add(request);
    const entry = entryOf(request, reply, payload);
    try {
      await audit.record(entry);
    } catch (error) {
      const withheld = !mutating && entry.outcome === 'success';
      failures?.inc({ kind: mutating ? 'mutation' : 'read' });
      request.log.error(
        { err: error, audit: { requestId: request.id, action: entry.action, resource: entry.resource, withheld } },
        withheld
          ? 'audit entry could not be written: the response was withheld'
          : 'audit entry could not be written: this request is missing from the audit log',
      );
      if (withheld) {
        if (payload instanceof Readable) payload.destroy();
        reply.removeHeader('content-disposition');
        throw new OperationalError(
          `The audit log is unavailable, so this read was not answered; retry later (request id ${request.id})`,
          { code: 'AUDIT_UNAVAILABLE', cause: error, details: { requestId: request.id } },
        );
      }
    }
    return payload;
  });
}

/** What the login and logout routes record about a sign-in event; never a password or token. */
export interface AuthAuditEvent {
  readonly action: 'auth:login' | 'auth:logout' | `auth:${string}`;
  readonly outcome: AuditOutcome;
  /** Who signed in or out; omit for a failed login (the attempted name goes in `details.userName`). */
  readonly principal?: AuditPrincipal | undefined;
  readonly details?: {
    /** The user name or email a login attempt gave. */
    readonly userName?: string;
    /** Why it failed, as a stable code such as `CREDENTIALS_INVALID` or `ACCOUNT_LOCKED`. */
    readonly reason?: string;
    /** `local` or the OIDC issuer. */
    readonly provider?: string;
  };
}

/**
 * Records a sign-in event with its own action (instead of the generic `POST /api/v1/auth/login` entry the hook
 * would write for the request) and marks the request so the hook does not record it twice. Throws 503
 * `AUDIT_UNAVAILABLE` when the entry cannot be written: call it before issuing the session, so no sign-in goes
 * unrecorded.
 */
export async function recordAuth(audit: AuditLog, request: FastifyRequest, event: AuthAuditEvent): Promise<void> {
  try {
    await audit.record({
      action: event.action,
      method: request.method,
      resource: pathOf(request),
      outcome: event.outcome,
      principal: event.principal,
      requestId: request.id,
      clientAddress: request.ip,
      details: event.details,
    });
  } catch (error) {
    throw new OperationalError('The audit log is unavailable, so sign-in events cannot be recorded; retry later', {
      code: 'AUDIT_UNAVAILABLE',
      cause: error,
    });
  }
  audited.add(request);
}

/** 2xx and 3xx are `success`, 401 and 403 `denied`, everything else `failed`. */
export function outcomeOf(status: number): AuditOutcome {
  if (status >= 200 && status < 400) return 'success';
  return status === 401 || status === 403 ? 'denied' : 'failed';
}

function declaresAuditedRead(request: FastifyRequest): boolean {
  const access = request.routeOptions.config.access;
  return access !== undefined && !('public' in access) && access.audit === 'read';
}

function entryOf(request: FastifyRequest, reply: FastifyReply, payload: unknown): AuditEntryInput {
  const access = request.routeOptions.config.access;
  const workspace = (request.params as { ws?: unknown } | undefined)?.ws;
  const principal = request.principal;
  const errorCode = reply.statusCode >= 400 ? errorCodeOf(payload) : undefined;
  const details = { ...routeDetails.get(request), ...(errorCode === undefined ? {} : { errorCode }) };
  return {
    workspace: typeof workspace === 'string' ? workspace : undefined,
    principal: principal === undefined ? undefined : { id: principal.id, kind: principal.kind, name: principal.name },
    action:
      access !== undefined && 'permission' in access
        ? access.permission
        : `${request.method} ${request.routeOptions.url ?? pathOf(request)}`,
    method: request.method,
    resource: pathOf(request),
    outcome: outcomeOf(reply.statusCode),
    status: reply.statusCode,
    requestId: request.id,
    clientAddress: request.ip,
    details: Object.keys(details).length === 0 ? undefined : details,
  };
}

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

/** The stable code of an error body (`{ error: { code } }`), so the log says why a call was refused or failed. */
function errorCodeOf(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  try {
    const code = (JSON.parse(payload) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
