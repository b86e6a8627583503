import { AuthenticationError, type PluginHttpApp } from '@assay/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { Logger as PinoLogger } from 'pino';
import { Type } from 'typebox';
import { recordAuth } from '../audit/audit-hook.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AssayConfig } from '../config/config.schema.ts';
import { openSecret, sealSecret } from '../secrets/secret-box.ts';
import type { SecretKey } from '../secrets/secret-key.ts';
import { subjectOfGroup } from './casbin-model.ts';
import type { Identity } from './identity.ts';
import type { OidcClient } from './oidc/oidc-client.ts';
import type { OidcIdentity } from './oidc/oidc-identity.ts';
import { setSessionCookies } from './session-cookies.ts';

export interface OidcSessionDeps {
  identity: Identity;
  db: Knex;
  config: AssayConfig['auth'];
  audit: AuditLog;
  /** Refresh tokens are credentials: they are stored encrypted with the platform's secret key. */
  secretKey: SecretKey;
  logger: PinoLogger;
}

/**
 * What a successful IdP login does here: find or create the user just in time (by issuer + subject), make the
 * user's IdP groups their current `oidc` groups while keeping groups set locally, apply the configured
 * `groupRoles`, start a session that remembers the ID token (logout hint) and the sealed refresh token, and audit it.
 */
export function createOidcSignIn(deps: OidcSessionDeps) {
  const { identity, config } = deps;
  return async (login: OidcIdentity, request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const user = await identity.users.upsertOidc({
      issuer: login.issuer,
      subject: login.subject,
      ...(login.email === undefined ? {} : { email: login.email }),
      ...(login.name === undefined ? {} : { name: login.name }),
    });
    if (user.disabled) {
      await recordAuth(deps.audit, request, {
        action: 'auth:login',
        outcome: 'denied',
        details: { userName: login.email ?? login.subject, reason: 'ACCOUNT_DISABLED', provider: 'oidc' },
      });
      throw new AuthenticationError('The account is disabled', { code: 'ACCOUNT_DISABLED' });
    }
    await syncIdpGroups(deps, user.id, login.groups);
    await applyGroupRoles(deps, login.groups);
    const { secret, session } = await identity.sessions.create({
      userId: user.id,
      method: 'oidc',
      hours: config.sessionHours,
      oidcIdToken: login.idToken,
      ...(login.refreshToken === undefined
        ? {}
        : { oidcRefreshToken: seal(deps.secretKey, user.id, login.refreshToken) }),
    });
    await recordAuth(deps.audit, request, {
      action: 'auth:login',
      outcome: 'success',
      principal: { id: user.id, kind: user.kind, name: user.name },
      details: { provider: 'oidc' },
    });
    setSessionCookies(reply, config, { secret, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
  };
}

/**
 * `POST /api/v1/auth/refresh`: extends an SSO session by redeeming its refresh token at the IdP, which also proves
 * the account is still active there; group changes in a new ID token are applied.
 */
export async function oidcRefreshRoutes(
  app: PluginHttpApp,
  options: OidcSessionDeps & { client: OidcClient },
): Promise<void> {
  app.post(
    '/auth/refresh',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags: ['auth'],
        summary: 'Extend a single-sign-on session through the identity provider',
        response: {
          200: Type.Object({ expiresAt: Type.String() }),
          401: Type.Ref('ErrorBody'),
          403: Type.Ref('ErrorBody'),
          503: Type.Ref('ErrorBody'),
        },
      },
    },
    async (request) => {
      const session = request.authSession;
      if (session?.method !== 'oidc' || session.oidcRefreshToken === null) {
        throw new AuthenticationError('Only single-sign-on sessions with a refresh token can be refreshed', {
          code: 'SESSION_NOT_REFRESHABLE',
        });
      }
      const principal = request.principal!;
      const refreshToken = (() => {
        try {
          return openSecret(
            options.secretKey,
            `session/${principal.id}`,
            JSON.parse(session.oidcRefreshToken!, revive),
          );
        } catch {
          throw new AuthenticationError('The session can no longer be refreshed; sign in again', {
            code: 'SESSION_NOT_REFRESHABLE',
          });
        }
      })();
      const tokens = await options.client.refresh(refreshToken);
      if (tokens.groups !== undefined) {
        await syncIdpGroups(options, principal.id, tokens.groups);
        await applyGroupRoles(options, tokens.groups);
      }
      const next =
        tokens.refreshToken === undefined ? undefined : seal(options.secretKey, principal.id, tokens.refreshToken);
      await options.identity.sessions.extend(session.secret, options.config.sessionHours, next);
      options.identity.changed();
      return { expiresAt: new Date(Date.now() + options.config.sessionHours * 3600_000).toISOString() };
    },
  );
}

function seal(key: SecretKey, userId: string, token: string): string {
  const sealed = sealSecret(key, `session/${userId}`, token);
  return JSON.stringify({
    keyId: sealed.keyId,
    iv: sealed.iv.toString('base64'),
    tag: sealed.tag.toString('base64'),
    ciphertext: sealed.ciphertext.toString('base64'),
  });
}

function revive(key: string, value: unknown): unknown {
  return key === 'iv' || key === 'tag' || key === 'ciphertext' ? Buffer.from(value as string, 'base64') : value;
}

/**
 * The user's groups become: the groups set locally (through the API) plus the IdP's current ones. The IdP's
 * previous groups are remembered in `core_group_members` with source `oidc`, so a group the IdP dropped is dropped
 * here too while local memberships stay.
 */
async function syncIdpGroups(deps: OidcSessionDeps, userId: string, groups: readonly string[]): Promise<void> {
  const previous = (
    await deps.db('core_group_members').where({ user_id: userId, source: 'oidc' }).select('group_name')
  ).map((row: { group_name: string }) => row.group_name);
  const current = deps.identity.access.groupsOf(userId).sort();
  const local = current.filter((g) => !previous.includes(g));
  const wanted = [...new Set([...local, ...groups])].sort();
  await deps.db.transaction(async (trx) => {
    await trx('core_group_members').where({ user_id: userId, source: 'oidc' }).delete();
    if (groups.length === 0) return;
    await trx('core_groups')
      .insert(groups.map((name) => ({ name, source: 'oidc' })))
      .onConflict('name')
      .ignore();
    await trx('core_group_members')
      .insert([...new Set(groups)].map((name) => ({ group_name: name, user_id: userId, source: 'oidc' })))
      .onConflict(['group_name', 'user_id'])
      .ignore();
  });
  if (wanted.join('\u0000') !== current.join('\u0000')) await deps.identity.access.setGroupMembership(userId, wanted);
}

/** Gives each configured IdP group its workspace roles (idempotent; unknown workspaces are logged and skipped). */
async function applyGroupRoles(deps: OidcSessionDeps, groups: readonly string[]): Promise<void> {
  const mapping = deps.config.oidc?.groupRoles ?? {};
  for (const group of groups) {
    for (const { workspace, role } of mapping[group] ?? []) {
      if (deps.identity.access.directRoles(subjectOfGroup(group), workspace).includes(role)) continue;
      if ((await deps.identity.workspaces.status(workspace)) === undefined) {
        deps.logger.warn({ group, workspace }, 'auth.oidc.groupRoles names a workspace that does not exist');
        continue;
      }
      await deps.identity.access.assign(subjectOfGroup(group), role, workspace);
    }
  }
}
