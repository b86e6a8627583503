import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, errorOf } from './api-error';
import type { paths } from './schema';

/** The cookie the server sets next to the session cookie; changes must echo it in `x-csrf-token`. */
const CSRF_COOKIE = 'assay_csrf';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A 401 from these means wrong credentials, not an expired session. */
const SIGN_IN_CALLS = ['/api/v1/auth/login', '/api/v1/auth/setup', '/api/v1/auth/options'];

let sessionExpired: (() => void) | undefined;

/** What to do when the server says the session is gone (the shell sends the user to sign in and back). */
export function onSessionExpired(handler: () => void): void {
  sessionExpired = handler;
}

function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

const session: Middleware = {
  onRequest({ request }) {
    const token = csrfToken();
    if (token !== undefined && MUTATING.has(request.method)) request.headers.set('x-csrf-token', token);
    return request;
  },
  onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    if (response.status === 401 && !SIGN_IN_CALLS.includes(path)) sessionExpired?.();
    return response;
  },
};

/** The typed client of core's API (types generated from its OpenAPI document), same origin, cookie session. */
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? '', credentials: 'same-origin' });
api.use(session);

/**
 * The data of an API answer, or an {@link ApiError} with the server's code and message. Network failures and
 * non-JSON answers (a proxy's error page) become errors with codes of their own.
 */
export async function call<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await pending;
  } catch (error) {
    throw ApiError.from(error);
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const body = errorOf(error);
  if (body !== undefined) throw new ApiError(body.code, body.message, response.status, body.details);
  const text = typeof error === 'string' ? error.slice(0, 200) : '';
  throw new ApiError(
    `HTTP_${response.status}`,
    `The server answered ${response.status} ${response.statusText} ${text}`.trim(),
    response.status,
  );
}
