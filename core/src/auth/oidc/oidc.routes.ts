import type {} from '@fastify/cookie';
import { AuthenticationError, type PluginHttpApp } from '@assay/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { OidcClient } from './oidc-client.ts';
import type { OidcIdentity } from './oidc-identity.ts';

export interface OidcRoutesOptions {
  client: OidcClient;
  /** Creates or updates the user, syncs groups and roles, starts the session and sets its cookie. */
  signIn: (identity: OidcIdentity, request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

const ErrorRef = Type.Ref('ErrorBody');
const STATE_COOKIE = 'assay_oidc_state';
const Redirect = Type.Null({ description: 'Redirect; see the Location header' });
/** Each login stores a pending row, so anonymous callers may not start them without limit. */
const LOGIN_RATE_LIMIT = { max: 30, timeWindow: '1 minute' };

/** Single sign-on: send the browser to the identity provider, and take it back with a session. */
export async function oidcRoutes(app: PluginHttpApp, options: OidcRoutesOptions): Promise<void> {
  const { client, signIn } = options;

  app.get(
    '/auth/oidc/login',
    {
      config: { access: { public: true }, rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Start single sign-on: redirects to the identity provider',
        querystring: Type.Object({
          returnTo: Type.Optional(
            Type.String({ description: 'Path on this server to land on after the login, e.g. /datasets; default /' }),
          ),
        }),
        response: { 302: Redirect, 400: ErrorRef, 429: ErrorRef, 503: ErrorRef },
      },
    },
    async (request, reply) => {
      const url = await client.beginLogin(request.query.returnTo ?? '/');
      // Binds the login to this browser: the callback must come with the same state in a cookie, so nobody can
      // complete a login they started in someone else's browser (login CSRF).
      reply.setCookie(STATE_COOKIE, new URL(url).searchParams.get('state') ?? '', {
        path: '/api/v1/auth/oidc',
        httpOnly: true,
        sameSite: 'lax',
        secure: new URL(client.redirectUri).protocol === 'https:',
        maxAge: 600,
      });
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/auth/oidc/callback',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['auth'],
        summary: 'Where the identity provider sends the browser back; signs in and redirects to the saved path',
        querystring: Type.Object({
          code: Type.Optional(Type.String()),
          state: Type.Optional(Type.String()),
          iss: Type.Optional(Type.String()),
          error: Type.Optional(Type.String()),
        }),
        response: { 302: Redirect, 400: ErrorRef, 401: ErrorRef, 503: ErrorRef },
      },
    },
    async (request, reply) => {
      const state = request.query.state;
      if (state !== undefined && request.cookies[STATE_COOKIE] !== state) {
        throw new AuthenticationError('This sign-in was started in another browser or has expired; start it again', {
          code: 'OIDC_STATE_INVALID',
        });
      }
      reply.clearCookie(STATE_COOKIE, { path: '/api/v1/auth/oidc' });
      const { identity, returnTo } = await client.completeLogin(callbackUrl(client.redirectUri, request.url));
      await signIn(identity, request, reply);
      return reply.redirect(returnTo, 302);
    },
  );
}

/**
 * The URL the provider redirected to, rebuilt from the configured redirect URI and the request's query string:
 * never from the Host header or proxy headers, which the caller controls. openid-client sends the same URL,
 * without the query, as `redirect_uri` when it redeems the code.
 */
function callbackUrl(redirectUri: string, requestUrl: string): URL {
  const url = new URL(redirectUri);
  const queryStart = requestUrl.indexOf('?');
  url.search = queryStart === -1 ? '' : requestUrl.slice(queryStart);
  return url;
}
