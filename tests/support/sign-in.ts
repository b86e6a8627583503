/** The first admin an end-to-end server creates from its environment (never a default in the product). */
export const ADMIN = { email: 'admin@e2e.test', password: 'e2e-admin-password-1' } as const;
export const ADMIN_ENV = { ASSAY_ADMIN_EMAIL: ADMIN.email, ASSAY_ADMIN_PASSWORD: ADMIN.password } as const;

/** A signed-in browser-like client: the session cookie and, for changes, the CSRF header. */
export interface SignedIn {
  readonly headers: Record<string, string>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Logs in with e-mail and password through `POST /api/v1/auth/login`. */
export async function signIn(
  address: string,
  credentials: { email: string; password: string } = ADMIN,
): Promise<SignedIn> {
  const response = await fetch(`${address}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const headers = { cookie, 'x-csrf-token': csrfToken };
  return {
    headers,
    fetch: (path, init = {}) =>
      fetch(`${address}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } }),
  };
}
