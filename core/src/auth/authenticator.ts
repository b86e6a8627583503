import { AuthenticationError, type Principal } from '@assay/sdk';
import type { AccessControl } from './access-control.ts';
import type { ApiTokenStore } from './api-tokens.ts';
import { PLATFORM_ADMIN_ROLE } from './builtin-roles.ts';
import { hashSecretToken } from './secret-tokens.ts';
import type { Session, SessionStore } from './sessions.ts';
import type { User, UserStore } from './users.ts';

/** The caller of a request and, for browser sessions, the session (CSRF token, IdP tokens). */
export interface Authenticated {
  readonly principal: Principal;
  readonly session?: Session & { readonly secret: string };
}

/** The credentials a request carries. */
export interface Credentials {
  readonly bearer?: string;
  readonly sessionCookie?: string;
}

const CACHE_MS = 30_000;
const CACHE_CAPACITY = 10_000;

/**
 * Turns credentials into a principal. Successful resolutions are cached by credential hash for up to 30 s (never
 * past a token's or session's expiry), so an authenticated request costs a hash and a map lookup; any change to
 * users, tokens or sessions anywhere in the cluster clears the cache through {@link Authenticator.invalidate}.
 */
export class Authenticator {
  readonly #deps: { users: UserStore; tokens: ApiTokenStore; sessions: SessionStore; access: AccessControl };
  readonly #cache = new Map<string, { until: number; value: Authenticated }>();

  constructor(deps: { users: UserStore; tokens: ApiTokenStore; sessions: SessionStore; access: AccessControl }) {
    this.#deps = deps;
  }

  /** Undefined without credentials; 401 for invalid ones. A bearer token wins over a session cookie. */
  async authenticate(credentials: Credentials): Promise<Authenticated | undefined> {
    const secret = credentials.bearer ?? credentials.sessionCookie;
    if (secret === undefined) return undefined;
    const key = hashSecretToken(secret);
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.until > Date.now()) return cached.value;
    const { value, expiresAt } =
      credentials.bearer !== undefined ? await this.#fromToken(credentials.bearer) : await this.#fromSession(secret);
    if (this.#cache.size >= CACHE_CAPACITY) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, { until: Math.min(Date.now() + CACHE_MS, expiresAt ?? Infinity), value });
    return value;
  }

  invalidate(): void {
    this.#cache.clear();
  }

  async #fromToken(bearer: string): Promise<{ value: Authenticated; expiresAt: number | undefined }> {
    const { token, userId } = await this.#deps.tokens.verify(bearer);
    const user = await this.#activeUser(userId);
    void this.#deps.tokens.touch(token.id).catch(() => undefined);
    const principal: Principal = {
      ...this.#principalOf(user, 'token'),
      // A workspace token never carries its owner's platform powers.
      platformAdmin: token.role === PLATFORM_ADMIN_ROLE && this.#deps.access.isPlatformAdmin(user.id),
      token: { id: token.id, workspace: token.workspace ?? '', role: token.role },
    };
    return { value: { principal }, expiresAt: token.expiresAt === null ? undefined : Date.parse(token.expiresAt) };
  }

  async #fromSession(secret: string): Promise<{ value: Authenticated; expiresAt: number }> {
    const session = await this.#deps.sessions.verify(secret);
    const user = await this.#activeUser(session.userId);
    return {
      value: { principal: this.#principalOf(user, 'session'), session: { ...session, secret } },
      expiresAt: session.expiresAt.getTime(),
    };
  }

  async #activeUser(id: string): Promise<User> {
    const user = await this.#deps.users.get(id).catch(() => undefined);
    if (user === undefined || user.disabled) {
      throw new AuthenticationError('The account is disabled or no longer exists', { code: 'ACCOUNT_DISABLED' });
    }
    return user;
  }

  #principalOf(user: User, via: Principal['via']): Principal {
    return {
      id: user.id,
      kind: user.kind,
      name: user.name,
      email: user.email ?? undefined,
      platformAdmin: this.#deps.access.isPlatformAdmin(user.id),
      via,
    };
  }
}
