import { AssayError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { recordAuth } from '../audit/audit-hook.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AssayConfig } from '../config/config.schema.ts';
import { errorResponses } from '../http/error-body.ts';
import type { FirstAdminSetup } from './first-admin.ts';
import type { Identity } from './identity.ts';
import { describeMe } from './me.ts';
import { clearSessionCookies, setSessionCookies } from './session-cookies.ts';

const UserBody = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('user'), Type.Literal('service-account')]),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  sso: Type.Boolean(),
});
const MeBody = Type.Object({
  user: UserBody,
  platformAdmin: Type.Boolean(),
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  groups: Type.Array(Type.String()),
  workspaces: Type.Array(
    Type.Object({
      slug: Type.String(),
      name: Type.String(),
      status: Type.String(),
      roles: Type.Array(Type.String()),
      permissions: Type.Array(Type.String()),
    }),
  ),
});
const LoginBody = Type.Object({ user: UserBody, csrfToken: Type.String(), expiresAt: Type.String() });
const errors = { 400: errorResponses[400], 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };
/** Per client address; the account lockout covers slow guessing spread over many addresses. */
const LOGIN_RATE_LIMIT = { max: 10, timeWindow: '1 minute' };

export interface AuthRoutesOptions {
  identity: Identity;
  config: AssayConfig['auth'];
  setup: FirstAdminSetup;
  audit: AuditLog;
  /** The IdP's end-session URL for an OIDC session, when SSO is configured. */
  endSessionUrl?: (idToken: string | undefined) => Promise<string | undefined>;
}

/**
 * Local login and logout, first-admin setup, the sign-in options the portal asks first, the caller's profile (`/me`)
 * and password change.
 */
export async function authRoutes(app: PluginHttpApp, options: AuthRoutesOptions): Promise<void> {
  const { identity, config } = options;

  const startSession = async (userId: string, reply: Parameters<typeof setSessionCookies>[0]) => {
    const { secret, session } = await identity.sessions.create({
      userId,
      method: 'password',
      hours: config.sessionHours,
    });
    setSessionCookies(reply, config, { secret, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    return session;
  };

  // Once an admin exists setup never comes back, so only the answer "needed" costs a query each time.
  let setupDone = false;
  app.get(
    '/auth/options',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['auth'],
        summary: 'How to sign in here: whether first-run setup is needed and whether single sign-on is configured',
        response: {
          200: Type.Object({
            setupRequired: Type.Boolean({
              description: 'No user exists yet: create the first admin (POST /auth/setup)',
            }),
            sso: Type.Boolean({ description: 'OIDC is configured: GET /auth/oidc/login starts single sign-on' }),
          }),
        },
      },
    },
    async () => {
      setupDone ||= (await identity.users.count()) > 0;
      return { setupRequired: !setupDone, sso: config.oidc !== undefined };
    },
  );

  app.post(
    '/auth/login',
    {
      config: { access: { public: true }, rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password; sets the session cookie',
        body: Type.Object(
          {
            email: Type.String({ minLength: 1, maxLength: 320 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: LoginBody, ...errors, 429: Type.Ref('ErrorBody') },
      },
    },
    async (request, reply) => {
      const lockout = { maxFailedLogins: config.maxFailedLogins, lockoutMinutes: config.lockoutMinutes };
      const user = await identity.users
        .authenticate(request.body.email, request.body.password, lockout)
        .catch(async (error: unknown) => {
          const reason = error instanceof AssayError ? error.code : 'LOGIN_ERROR';
          const details = { userName: request.body.email, reason, provider: 'local' };
          await recordAuth(options.audit, request, { action: 'auth:login', outcome: 'denied', details });
          throw error;
        });
      await recordAuth(options.audit, request, {
        action: 'auth:login',
        outcome: 'success',
        principal: { id: user.id, kind: user.kind, name: user.name },
        details: { provider: 'local' },
      });
      const session = await startSession(user.id, reply);
      return { user, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/auth/setup',
    {
      config: { access: { public: true }, rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Create the first admin with the one-time setup token printed at first start',
        body: Type.Object(
          {
            token: Type.String({ minLength: 1, maxLength: 200 }),
            email: Type.String({ format: 'email', maxLength: 320 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: LoginBody, ...errors, 409: Type.Ref('ErrorBody'), 429: Type.Ref('ErrorBody') },
      },
    },
    async (request, reply) => {
      const user = await options.setup.complete(request.body);
      const session = await startSession(user.id, reply);
      return { user, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags: ['auth'],
        summary: 'End the session; for SSO sessions the answer names the IdP logout URL to visit',
        response: { 200: Type.Object({ endSessionUrl: Type.Union([Type.String(), Type.Null()]) }), ...errors },
      },
    },
    async (request, reply) => {
      const session = request.authSession;
      clearSessionCookies(reply, config);
      if (session === undefined) return { endSessionUrl: null };
      await identity.sessions.remove(session.secret);
      identity.changed();
      // The session here is over either way; an unreachable IdP only costs the link to end its session too.
      const url =
        session.method === 'oidc'
          ? await options.endSessionUrl?.(session.oidcIdToken ?? undefined).catch(() => undefined)
          : undefined;
      return { endSessionUrl: url ?? null };
    },
  );

  app.get(
    '/me',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags: ['auth'],
        summary: 'The caller: user, groups, workspaces with roles and permissions',
        response: { 200: MeBody, ...errors },
      },
    },
    async (request) => describeMe(identity, request.principal!),
  );

  app.post(
    '/me/password',
    {
      config: { access: { authenticated: true }, rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Change your password; ends your other sessions',
        body: Type.Object(
          {
            current: Type.String({ minLength: 1, maxLength: 1024 }),
            next: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errors, 409: Type.Ref('ErrorBody') },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      if (principal.kind !== 'user') {
        throw new NotFoundError('Service accounts have no password', { code: 'PASSWORD_NOT_LOCAL' });
      }
      const lockout = { maxFailedLogins: config.maxFailedLogins, lockoutMinutes: config.lockoutMinutes };
      await identity.users.changePassword(principal.id, request.body.current, request.body.next, lockout);
      await identity.sessions.removeAllOf(principal.id);
      identity.changed();
      if (request.authSession !== undefined) await startSession(principal.id, reply);
      return reply.status(204).send(null);
    },
  );
}
