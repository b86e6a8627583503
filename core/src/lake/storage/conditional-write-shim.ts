import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** An S3 server for tests: s3rver behind the conditional-write shim, with one bucket. */
export interface S3TestServer {
  /** The shim's URL, which honours `If-None-Match: *`. Use path-style addressing and keys `S3RVER`/`S3RVER`. */
  readonly endpoint: string;
  /** s3rver's own URL, which ignores `If-None-Match`: a server without conditional writes. */
  readonly directEndpoint: string;
  readonly bucket: string;
  /** Every request the shim received, as `METHOD /bucket/key?query`, oldest first. */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts s3rver in a temporary directory with the bucket `assay-test`, plus the conditional-write shim in front.
 * Test support only.
 *
 * @example
 * ```ts
 * const s3 = await startS3TestServer();
 * after(() => s3.stop());
 * ```
 */
export async function startS3TestServer(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'assay-s3-'));
  const bucket = 'assay-test';
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await s3rver.run();
  const shim = await startConditionalWriteShim(port);
  return {
    endpoint: shim.url,
    directEndpoint: `http://127.0.0.1:${port}`,
    bucket,
    requests: shim.requests,
    async stop() {
      await shim.close();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * An HTTP proxy in front of an S3 server on `127.0.0.1:upstreamPort` that adds what s3rver lacks: a PUT with
 * `If-None-Match: *` is answered 412 PreconditionFailed when the key exists. Conditional PUTs of one key run one at
 * a time, so two concurrent writers can never both succeed. Everything else streams through unchanged.
 */
export async function startConditionalWriteShim(
  upstreamPort: number,
): Promise<{ url: string; requests: readonly string[]; close(): Promise<void> }> {
  const queues = new Map<string, Promise<void>>();
  const requests: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    requests.push(`${incoming.method ?? ''} ${incoming.url ?? ''}`);
    const path = (incoming.url ?? '/').split('?')[0]!;
    if (incoming.method !== 'PUT' || incoming.headers['if-none-match'] !== '*') {
      void forward(upstreamPort, incoming, outgoing);
      return;
    }
    const previous = queues.get(path) ?? Promise.resolve();
    const turn = previous.then(() => conditionalPut(upstreamPort, path, incoming, outgoing));
    queues.set(path, turn);
    void turn.finally(() => {
      if (queues.get(path) === turn) queues.delete(path);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

async function conditionalPut(port: number, path: string, incoming: IncomingMessage, outgoing: ServerResponse) {
  // The PUT's SigV4 signature does not cover a HEAD, and s3rver serves unsigned requests, so the check is anonymous.
  const headers: OutgoingHttpHeaders = { host: incoming.headers.host };
  const status = await new Promise<number>((resolve, reject) => {
    const head = request({ host: '127.0.0.1', port, method: 'HEAD', path, headers }, (answer) => {
      answer.resume();
      resolve(answer.statusCode ?? 500);
    });
    head.on('error', reject);
    head.end();
  }).catch((error: unknown) => {
    outgoing.writeHead(502).end(String(error));
    return undefined;
  });
  if (status === undefined) return;
  if (status === 200) {
    incoming.resume();
    outgoing.writeHead(412, { 'content-type': 'application/xml' });
    outgoing.end(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
        '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
        `<Condition>If-None-Match</Condition><Resource>${path}</Resource></Error>`,
    );
    return;
  }
  await forward(port, incoming, outgoing);
}

/** Pipes the request to the upstream server and its answer back; resolves when the answer is fully sent. */
function forward(port: number, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const upstream = request(
      { host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', resolve);
        answer.on('error', resolve);
      },
    );
    upstream.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end(String(error));
      resolve();
    });
    incoming.pipe(upstream);
  });
}
