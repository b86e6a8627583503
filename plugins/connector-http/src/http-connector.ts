import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AssayError, defineConnector, UserError, type DiscoveredStream } from '@assay/sdk';
import { HttpClient } from './http-client.ts';
import { HttpConnectionConfig, httpConnectionUi, type HttpConnection, type HttpEndpoint } from './http-config.ts';
import { at, fetchPages } from './http-pages.ts';
import { PageBundler } from './page-bundler.ts';

function endpointOf(config: HttpConnection, name: string): HttpEndpoint {
  const endpoint = config.streams.find((s) => s.name === name);
  if (endpoint === undefined) {
    throw new UserError(
      `This connection has no stream "${name}" (it has: ${config.streams.map((s) => s.name).join(', ')})`,
      {
        code: 'HTTP_STREAM_UNKNOWN',
      },
    );
  }
  return endpoint;
}

/** The larger of two watermark values: numbers as numbers, anything else (ISO timestamps) as text. */
function later(a: string | undefined, b: unknown): string | undefined {
  if (b === undefined || b === null) return a;
  const text = String(b);
  if (a === undefined) return text;
  const [x, y] = [Number(a), Number(text)];
  if (Number.isFinite(x) && Number.isFinite(y)) return y > x ? text : a;
  return text > a ? text : a;
}

export const httpConnector = defineConnector({
  type: 'http',
  version: 1,
  title: 'REST API',
  description: 'JSON APIs without code: auth, pagination, incremental parameters, rate limits and retries',
  config: HttpConnectionConfig,
  ui: httpConnectionUi,
  produces: 'rows',
  async check(ctx, config) {
    const endpoint = config.streams[0]!;
    try {
      const pages = fetchPages(
        new HttpClient({ ...config, retries: { ...config.retries, max: 0 } }, ctx.signal),
        config,
        endpoint,
        ctx.workDir,
        undefined,
      );
      const first = await pages.next();
      await pages.return(undefined);
      const count = first.done === true ? 0 : first.value.records.length;
      return {
        ok: true,
        message: `${config.baseUrl}: stream "${endpoint.name}" answered with ${count} record(s) on its first page`,
      };
    } catch (error) {
      if (error instanceof AssayError) return { ok: false, code: error.code, message: error.message };
      return { ok: false, code: 'CHECK_FAILED', message: (error as Error).message };
    }
  },
  async discover(ctx, config) {
    const client = new HttpClient(config, ctx.signal);
    const streams: DiscoveredStream[] = [];
    for (const endpoint of config.streams) {
      const pages = fetchPages(client, config, endpoint, ctx.workDir, undefined);
      const first = await pages.next();
      await pages.return(undefined);
      if (first.done === true) continue;
      const sampleFile = join(ctx.workDir, `${endpoint.name}-sample.json`);
      await writeFile(sampleFile, JSON.stringify(first.value.records));
      streams.push({
        name: endpoint.name,
        columns: first.value.records.length === 0 ? [] : await ctx.describeFile({ path: sampleFile, format: 'json' }),
        ...(endpoint.incremental === undefined ? {} : { cursorFields: [endpoint.incremental.watermarkField] }),
        sample: first.value.records.slice(0, 5) as Array<Record<string, unknown>>,
        details: { url: first.value.source },
      });
    }
    return streams;
  },
  async *read(ctx, config, stream, state) {
    const endpoint = endpointOf(config, stream.name);
    const client = new HttpClient(config, ctx.signal);
    let watermark = state?.watermark as string | undefined;
    const pages = new PageBundler(ctx.workDir, endpoint.name);
    for await (const page of fetchPages(client, config, endpoint, ctx.workDir, state)) {
      if (endpoint.incremental !== undefined) {
        for (const record of page.records)
          watermark = later(watermark, at(record, endpoint.incremental.watermarkField));
      }
      const full = await pages.add(page);
      if (full !== undefined) yield full;
    }
    const last = await pages.close();
    if (last !== undefined) yield last;
    yield { kind: 'state', state: endpoint.incremental === undefined ? {} : { watermark: watermark ?? null } };
  },
});
