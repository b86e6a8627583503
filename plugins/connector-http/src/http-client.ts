import { OperationalError, UserError } from '@assay/sdk';
import type { HttpAuth, HttpConnection } from './http-config.ts';

/** A response read to the end: status, headers and the body as bytes. */
export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/**
 * Sends requests for one read: auth (an OAuth2 token fetched once and refreshed before it expires, or after a
 * 401), the rate limit (request starts spaced evenly), and retries with exponential backoff and jitter for network
 * errors, timeouts, 429 and 5xx, waiting at least as long as `Retry-After` says.
 */
export class HttpClient {
  readonly #config: HttpConnection;
  readonly #signal: AbortSignal;
  #token: { value: string; expiresAt: number } | undefined;
  #nextStart = 0;

  constructor(config: HttpConnection, signal: AbortSignal) {
    this.#config = config;
    this.#signal = signal;
  }

  async request(
    url: URL,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<HttpResponse> {
    const { max, baseDelayMs, maxDelayMs } = this.#config.retries;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      await this.#paceStart();
      let failure: { code: string; message: string; retryAfterMs?: number };
      try {
        const response = await this.#send(url, init);
        if (response.status === 401 && this.#config.auth.type === 'oauth2' && !refreshed) {
          refreshed = true;
          this.#token = undefined;
          attempt--;
          continue;
        }
        if (response.status < 400) return response;
        if (response.status !== 429 && response.status < 500) throw rejected(response);
        failure = {
          code: response.status === 429 ? 'HTTP_RATE_LIMITED' : `HTTP_${response.status}`,
          message: `${describe(url)} answered ${response.status}${excerpt(response)}`,
          ...retryAfter(response),
        };
      } catch (error) {
        if (error instanceof UserError) throw error;
        if (this.#signal.aborted)
          throw new OperationalError('The read was cancelled', { code: 'CANCELLED', cause: error });
        failure = networkFailure(error, url, this.#config.timeoutMs);
      }
      if (attempt >= max) {
        throw new OperationalError(`${failure.message} (after ${attempt + 1} attempt(s))`, { code: failure.code });
      }
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      await sleep(Math.max(backoff, failure.retryAfterMs ?? 0), this.#signal);
    }
  }

  async #send(
    url: URL,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<HttpResponse> {
    const headers = { accept: 'application/json', ...this.#config.headers, ...init.headers };
    const target = new URL(url);
    await this.#authorize(target, headers);
    const signal = AbortSignal.any([this.#signal, AbortSignal.timeout(this.#config.timeoutMs)]);
    const response = await fetch(target, {
      method: init.method,
      headers,
      signal,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const body = Buffer.from(await response.arrayBuffer());
    return { url: target.toString(), status: response.status, headers: response.headers, body };
  }

  async #authorize(url: URL, headers: Record<string, string>): Promise<void> {
    const auth: HttpAuth = this.#config.auth;
    switch (auth.type) {
      case 'bearer':
        headers.authorization = `Bearer ${auth.token}`;
        return;
      case 'basic':
        headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
        return;
      case 'apiKey':
        if (auth.in === 'query') url.searchParams.set(auth.name, auth.value);
        else headers[auth.name] = auth.value;
        return;
      case 'oauth2':
        headers.authorization = `Bearer ${await this.#oauthToken(auth)}`;
        return;
      default:
        return;
    }
  }

  /** A client-credentials token, cached until 30 s before it expires. */
  async #oauthToken(auth: Extract<HttpAuth, { type: 'oauth2' }>): Promise<string> {
    if (this.#token !== undefined && Date.now() < this.#token.expiresAt) return this.#token.value;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope !== undefined) form.set('scope', auth.scope);
    if (auth.audience !== undefined) form.set('audience', auth.audience);
    let response: Response;
    try {
      response = await fetch(auth.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64')}`,
        },
        body: form.toString(),
        signal: AbortSignal.any([this.#signal, AbortSignal.timeout(this.#config.timeoutMs)]),
      });
    } catch (error) {
      const failure = networkFailure(error, new URL(auth.tokenUrl), this.#config.timeoutMs);
      throw new OperationalError(`Getting an OAuth2 token failed: ${failure.message}`, {
        code: failure.code,
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new UserError(`The token endpoint ${auth.tokenUrl} refused the client credentials (${response.status})`, {
        code: 'AUTH_FAILED',
      });
    }
    const token = JSON.parse(text) as { access_token?: string; expires_in?: number };
    if (typeof token.access_token !== 'string') {
      throw new UserError(`The token endpoint ${auth.tokenUrl} answered without an access_token`, {
        code: 'AUTH_FAILED',
      });
    }
    this.#token = { value: token.access_token, expiresAt: Date.now() + ((token.expires_in ?? 3600) - 30) * 1000 };
    return token.access_token;
  }

  /** Waits until the rate limit allows the next request to start. */
  async #paceStart(): Promise<void> {
    const perSecond = this.#config.rateLimit?.requestsPerSecond;
    if (perSecond === undefined) return;
    const now = Date.now();
    const start = Math.max(now, this.#nextStart);
    this.#nextStart = start + 1000 / perSecond;
    if (start > now) await sleep(start - now, this.#signal);
  }
}

/** A 4xx other than 429: the request itself is wrong, retrying will not help. */
function rejected(response: HttpResponse): UserError {
  const code =
    response.status === 401 || response.status === 403
      ? 'AUTH_FAILED'
      : response.status === 404
        ? 'NOT_FOUND'
        : 'HTTP_REQUEST_REJECTED';
  return new UserError(`${describe(new URL(response.url))} answered ${response.status}${excerpt(response)}`, {
    code,
    details: { status: response.status },
  });
}

/** The wait `Retry-After` asks for: seconds or an HTTP date. */
function retryAfter(response: HttpResponse): { retryAfterMs?: number } {
  const value = response.headers.get('retry-after');
  if (value === null) return {};
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return { retryAfterMs: seconds * 1000 };
  const date = Date.parse(value);
  return Number.isNaN(date) ? {} : { retryAfterMs: Math.max(0, date - Date.now()) };
}

export function networkFailure(error: unknown, url: URL, timeoutMs: number): { code: string; message: string } {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { code: 'TIMEOUT', message: `${describe(url)} did not answer within ${timeoutMs} ms` };
  }
  if (code === 'ECONNREFUSED')
    return { code: 'CONNECTION_REFUSED', message: `nothing accepts connections at ${url.host}` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { code: 'HOST_NOT_FOUND', message: `host ${url.hostname} is not known` };
  if (code !== undefined && /CERT|SSL|TLS/i.test(code))
    return { code: 'TLS_FAILED', message: `TLS with ${url.host} failed: ${code}` };
  return {
    code: 'CONNECTION_FAILED',
    message: `requesting ${describe(url)} failed: ${cause?.message ?? (error as Error).message}`,
  };
}

/** A URL for messages: without query values, which may hold API keys. */
export function describe(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function excerpt(response: HttpResponse): string {
  const text = response.body.toString('utf8', 0, 200).replace(/\s+/g, ' ').trim();
  return text === '' ? '' : `: ${text}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new OperationalError('The read was cancelled', { code: 'CANCELLED' }));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new OperationalError('The read was cancelled', { code: 'CANCELLED' }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
