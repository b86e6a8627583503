import type { FastifyReply } from 'fastify';
import type { AssayConfig } from '../config/config.schema.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from './sessions.ts';

/**
 * The session cookie is httpOnly, SameSite=Lax (top-level navigation from the IdP callback must carry it) and
 * Secure unless `auth.cookieSecure` is off. The CSRF cookie is readable by the portal's scripts, which echo it in
 * `x-csrf-token`; a cross-site page can neither read it nor set the header.
 */
export function setSessionCookies(
  reply: FastifyReply,
  config: AssayConfig['auth'],
  session: { secret: string; csrfToken: string; expiresAt: Date },
): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: config.cookieSecure, expires: session.expiresAt };
  reply.setCookie(SESSION_COOKIE, session.secret, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, config: AssayConfig['auth']): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: config.cookieSecure };
  reply.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, common);
}
