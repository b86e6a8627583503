const MAX_REDIRECTS = 10;

/**
 * Drives a login at the test identity provider with fetch and a cookie jar, as a browser would: follows the
 * provider's redirects, answers its login form with `account=<accountId>`, and stops at the first redirect to
 * `callback` (the relying party's redirect URI), which it returns without following.
 */
export async function loginBrowserless(authorizationUrl: URL, accountId: string, callback: URL): Promise<URL> {
  const cookies = new Map<string, string>();
  let request: { url: URL; body?: URLSearchParams } = { url: authorizationUrl };
  for (let hop = 0; hop < MAX_REDIRECTS; hop += 1) {
    const response = await fetch(request.url, {
      method: request.body === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    remember(cookies, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      throw new Error(
        `The test identity provider answered ${response.status} at ${request.url.pathname}: ${await response.text()}`,
      );
    }
    const next = new URL(location, request.url);
    if (next.origin === callback.origin && next.pathname === callback.pathname) return next;
    request = next.pathname.startsWith('/interaction/')
      ? { url: next, body: new URLSearchParams({ account: accountId }) }
      : { url: next };
  }
  throw new Error(`The test identity provider redirected more than ${MAX_REDIRECTS} times`);
}

/** A deliberately small cookie jar: one origin, paths ignored, expired cookies dropped. */
function remember(cookies: Map<string, string>, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';');
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', setting = ''] = attribute.split('=').map((part) => part.trim().toLowerCase());
      return (key === 'max-age' && Number(setting) <= 0) || (key === 'expires' && Date.parse(setting) < Date.now());
    });
    if (expired || value === '') cookies.delete(name);
    else cookies.set(name, value);
  }
}
