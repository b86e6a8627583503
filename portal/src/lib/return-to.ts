/** Paths the portal must not send a user back to after signing in: the sign-in pages themselves. */
const SIGN_IN_PAGES = ['/login', '/setup'];

/**
 * A place inside the portal to return to after signing in: a same-origin path only (`/x`, never `//host` or
 * `https://…`), so a crafted link cannot forward the user to another site. Anything else becomes `/`.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (value === null || value === undefined || !value.startsWith('/') || value.startsWith('//')) return '/';
  if (value.includes('\\') || [...value].some((c) => c.charCodeAt(0) < 0x20)) return '/';
  const path = value.split(/[?#]/)[0] ?? '/';
  if (SIGN_IN_PAGES.includes(path) || path.startsWith('/api/')) return '/';
  return value;
}

/** The sign-in page URL that brings the user back to `here` afterwards. */
export function loginUrl(here: string): string {
  const back = safeReturnTo(here);
  return back === '/' ? '/login' : `/login?returnTo=${encodeURIComponent(back)}`;
}
