import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, type ConnectorState } from '@assay/sdk';
import { describe, type HttpClient, type HttpResponse } from './http-client.ts';
import type { HttpConnection, HttpEndpoint } from './http-config.ts';

/** A page fetched and kept: where its raw body is, its URL and its records. */
export interface Page {
  readonly rawPath: string;
  readonly source: string;
  readonly records: readonly unknown[];
}

/** The value at a dot path (`data.items`, `meta.next`); the document itself for '' or '$'. */
export function at(document: unknown, path: string): unknown {
  const keys = path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter((k) => k !== '');
  let value = document;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Fetches the pages of one endpoint in order, keeping each body exactly as received in `<workDir>/raw/` (the
 * ingest engine keeps those files in landing).
 */
export async function* fetchPages(
  client: HttpClient,
  config: HttpConnection,
  endpoint: HttpEndpoint,
  workDir: string,
  state: ConnectorState | undefined,
): AsyncGenerator<Page> {
  const rawDir = join(workDir, 'raw');
  await mkdir(rawDir, { recursive: true });
  const watermark = (state?.watermark as string | undefined) ?? endpoint.incremental?.initialValue;
  const fill = (text: string) => text.replaceAll('{watermark}', watermark ?? '');
  const pagination = endpoint.pagination;
  // The path is appended to the base URL's path (`/v2` + `/orders`), not resolved against it.
  let next: URL | undefined = new URL(`${config.baseUrl.replace(/\/$/, '')}/${fill(endpoint.path).replace(/^\//, '')}`);
  for (const [key, value] of Object.entries(endpoint.query ?? {})) next.searchParams.set(key, fill(value));
  if (endpoint.incremental?.param !== undefined && watermark !== undefined) {
    next.searchParams.set(endpoint.incremental.param, watermark);
  }
  let page = pagination.type === 'pageNumber' ? pagination.start : 0;
  let offset = 0;
  for (let number = 1; next !== undefined; number++) {
    const url: URL = new URL(next);
    if (pagination.type === 'pageNumber') {
      url.searchParams.set(pagination.param, String(page));
      if (pagination.sizeParam !== undefined && pagination.size !== undefined) {
        url.searchParams.set(pagination.sizeParam, String(pagination.size));
      }
    } else if (pagination.type === 'offset') {
      url.searchParams.set(pagination.offsetParam, String(offset));
      url.searchParams.set(pagination.limitParam, String(pagination.limit));
    }
    const response = await client.request(url, {
      method: endpoint.method,
      headers: { ...(endpoint.body === undefined ? {} : { 'content-type': 'application/json' }), ...endpoint.headers },
      ...(endpoint.body === undefined ? {} : { body: fill(JSON.stringify(endpoint.body)) }),
    });
    const document = parseJson(response);
    const records = recordsOf(document, endpoint.recordSelector, response);
    const path = join(rawDir, `${endpoint.name}-page-${String(number).padStart(6, '0')}.json`);
    await writeFile(path, response.body);
    yield { rawPath: path, source: describe(new URL(response.url)), records };
    if (records.length === 0) break;
    if (endpoint.stop?.maxPages !== undefined && number >= endpoint.stop.maxPages) break;
    if (endpoint.stop?.hasMorePath !== undefined && at(document, endpoint.stop.hasMorePath) === false) break;
    switch (pagination.type) {
      case 'none':
        next = undefined;
        break;
      case 'pageNumber':
        page += 1;
        if (pagination.size !== undefined && records.length < pagination.size) next = undefined;
        break;
      case 'offset':
        offset += records.length;
        if (records.length < pagination.limit) next = undefined;
        break;
      case 'cursor': {
        const cursor = at(document, pagination.cursorPath);
        if (cursor === undefined || cursor === null || cursor === '') next = undefined;
        else next.searchParams.set(pagination.param, String(cursor));
        break;
      }
      case 'nextUrl': {
        const link = at(document, pagination.path);
        next = typeof link === 'string' && link !== '' ? new URL(link, response.url) : undefined;
        break;
      }
      case 'link': {
        const link = nextLink(response.headers.get('link'));
        next = link === undefined ? undefined : new URL(link, response.url);
        break;
      }
    }
  }
}

function parseJson(response: HttpResponse): unknown {
  const type = response.headers.get('content-type') ?? '';
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    const sample = response.body.toString('utf8', 0, 200).replace(/\s+/g, ' ').trim();
    throw new UserError(
      `${describe(new URL(response.url))} did not answer JSON (content-type ${type || 'none'}): ${sample}`,
      { code: 'HTTP_RESPONSE_NOT_JSON', details: { contentType: type } },
    );
  }
}

function recordsOf(document: unknown, selector: string, response: HttpResponse): unknown[] {
  const records = at(document, selector);
  if (Array.isArray(records)) return records;
  if (selector === '' && typeof document === 'object' && document !== null) return [document];
  const keys = typeof document === 'object' && document !== null ? Object.keys(document).join(', ') : typeof document;
  throw new UserError(
    `${describe(new URL(response.url))}: no array of records at "${selector}" (the response has: ${keys})`,
    { code: 'HTTP_RECORDS_NOT_FOUND', details: { recordSelector: selector } },
  );
}

/** The `rel="next"` target of an RFC 8288 Link header. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (match !== null && /rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2]!)) return match[1];
  }
  return undefined;
}
