import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ProviderContext } from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { loginBrowserless } from './browserless-login.ts';

/** A person the test identity provider knows. `groups` may be a single string, as some providers send one group. */
export interface TestOidcAccount {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[] | string;
}

export interface TestOidcProviderOptions {
  /** The relying party's callback, registered for the one client. */
  redirectUri: string;
  accounts: readonly TestOidcAccount[];
  /** Registered as the client's post-logout redirect URI, when given. */
  postLogoutRedirectUri?: string;
  /** Port on 127.0.0.1; a free one when absent. */
  port?: number;
}

/** A running OpenID provider for tests: plain HTTP on 127.0.0.1, one confidential client that must use PKCE. */
export interface TestOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * Signs `accountId` in at the provider without a browser: follows the redirects from `authorizationUrl`,
   * submits the login, and returns the redirect to the relying party's callback (with `code` and `state`).
   */
  loginBrowserless(authorizationUrl: string | URL, accountId: string): Promise<URL>;
  /**
   * Makes the provider's clock run `seconds` behind from now on: ID tokens from the token endpoint carry `iat` and
   * `exp` that much earlier (re-signed with the provider's key), as from a provider with a skewed clock.
   */
  setClockSkew(seconds: number): void;
  close(): Promise<void>;
}

const ID_TOKEN_TTL_SECONDS = 300;

/**
 * Starts oidc-provider with what a real IdP does for Assay: discovery, code flow with PKCE required, an ID token
 * that carries `email`, `name` and `groups` (scope `groups`), refresh tokens, and RP-initiated logout. The login
 * page is a one-field form (`account=<id>`, POSTed to the interaction URL) instead of the provider's development
 * pages; consent is implied, as for a first-party client. The provider logs nothing.
 */
export async function startTestOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const accounts = new Map(options.accounts.map((account) => [account.id, account]));
  const clientId = 'assay-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  // The issuer names the port, so the server listens first and gets the provider as its handler afterwards.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let clockSkewSeconds = 0;

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: options.postLogoutRedirectUri === undefined ? [] : [options.postLogoutRedirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    claims: { email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    // Claims requested by scope go into the ID token too, not only to the userinfo endpoint.
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (account === undefined) return undefined;
      const claims = { sub, email: account.email, email_verified: true, name: account.name, groups: account.groups };
      return { accountId: sub, claims: async () => claims };
    },
    loadExistingGrant,
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: ProviderContext, form: string) => {
          ctx.type = 'html';
          ctx.body = `<!doctype html><body>${form}</body>`;
        },
        postLogoutSuccessSource: async (ctx: ProviderContext) => {
          ctx.type = 'html';
          ctx.body = '<!doctype html><body>Signed out</body>';
        },
      },
    },
    renderError: async (ctx: ProviderContext, out: Record<string, string>) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL_SECONDS,
      RefreshToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  });

  // The login page a person sees in a browser: the same one-field form that browserless logins POST.
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
    if (match === null || ctx.method !== 'GET') return next();
    ctx.type = 'html';
    ctx.body = loginPage(ctx.path, [...accounts.keys()]);
  });

  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
    if (match === null || ctx.method !== 'POST') return next();
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = new URLSearchParams(await readBody(ctx.req)).get('account') ?? '';
    if (interaction.prompt.name !== 'login' || !accounts.has(accountId)) {
      ctx.status = 400;
      ctx.body = { error: `cannot complete the "${interaction.prompt.name}" prompt for account "${accountId}"` };
      return;
    }
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { login: { accountId } }));
    ctx.status = 303;
  });

  provider.use(async (ctx, next) => {
    await next();
    if (clockSkewSeconds === 0 || ctx.path !== '/token' || !isTokenBody(ctx.body)) return;
    ctx.body = { ...ctx.body, id_token: shiftTimes(ctx.body.id_token, -clockSkewSeconds, privateKey) };
  });

  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    loginBrowserless: (authorizationUrl, accountId) =>
      loginBrowserless(new URL(authorizationUrl), accountId, new URL(options.redirectUri)),
    setClockSkew(seconds) {
      clockSkewSeconds = seconds;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

/** Consent is implied: the client gets every scope and claim it asks for. */
async function loadExistingGrant(ctx: ProviderContext) {
  const { oidc } = ctx;
  const accountId = oidc.session?.accountId;
  if (oidc.client === undefined || accountId === undefined) return undefined;
  const existingId = oidc.session?.grantIdFor(oidc.client.clientId);
  const grant =
    (existingId === undefined ? undefined : await oidc.provider.Grant.find(existingId)) ??
    new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

/** A minimal, accessible sign-in form: choose an account, submit. */
function loginPage(action: string, accountIds: string[]): string {
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const options = accountIds.map((id) => `<option value="${escape(id)}">${escape(id)}</option>`).join('');
  return `<!doctype html><html lang="en"><head><title>Test IdP sign-in</title></head><body><main>
<h1>Test IdP</h1><form method="post" action="${action}">
<label for="account">Account</label> <select id="account" name="account">${options}</select>
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function isTokenBody(body: unknown): body is Record<string, unknown> & { id_token: string } {
  return typeof body === 'object' && body !== null && typeof (body as { id_token?: unknown }).id_token === 'string';
}

/** The same JWT with `iat` and `exp` moved by `seconds`, signed again with the provider's RS256 key. */
function shiftTimes(jwt: string, seconds: number, key: KeyObject): string {
  const [header = '', payload = ''] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat: number; exp: number };
  const shifted = Buffer.from(
    JSON.stringify({ ...claims, iat: claims.iat + seconds, exp: claims.exp + seconds }),
  ).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${shifted}`), key).toString('base64url');
  return `${header}.${shifted}.${signature}`;
}
