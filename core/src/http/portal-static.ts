import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:portal` writes the portal, relative to this file in the repository. */
export const PORTAL_BUILD_DIR = resolve(import.meta.dirname, '..', '..', '..', 'portal', 'build');

export interface PortalStaticOptions {
  /** The portal's static build (`portal/build`); it need not exist. */
  root: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
/** SvelteKit puts content-hashed files here: their URL changes whenever their content does. */
const IMMUTABLE_PREFIX = '/_app/immutable/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, version.json, the favicon) is revalidated, so a new build shows at once. */
const REVALIDATE = 'no-cache';
const ENCODINGS = [
  { token: 'br', suffix: '.br' },
  { token: 'gzip', suffix: '.gz' },
] as const;

/**
 * Serves the built portal at `/` on the API's origin: files from the build with cache headers (hashed assets for a
 * year, the rest revalidated by ETag), precompressed variants when the browser accepts them, and `index.html` for
 * any other GET so client-side routes survive a reload. Nothing under `/api` is touched: unknown API paths keep
 * their JSON 404. Without a build, pages answer with a short note on how to build it.
 */
export async function portalStatic(app: FastifyInstance, options: PortalStaticOptions): Promise<void> {
  const root = resolve(options.root);

  app.get(
    '/*',
    { config: { access: { public: true } }, schema: { hide: true } },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const url = request.url.split('?')[0] ?? '/';
      if (url === '/api' || url.startsWith('/api/')) return reply.callNotFound();
      // The router has decoded the wildcard already; decoding again would let `%252e%252e` become `..`.
      const path = safePath((request.params as { '*'?: string })['*'] ?? '');
      if (path === undefined) return reply.callNotFound();
      const file = await fileAt(root, path);
      if (file !== undefined) return sendFile(request, reply, file, path);
      // A missing script or stylesheet must not be answered with HTML: the browser would report a MIME error
      // instead of the 404 that tells what is wrong.
      if (path.startsWith('/_app/')) return reply.callNotFound();
      const index = await fileAt(root, '/index.html');
      if (index !== undefined) return sendFile(request, reply, index, '/index.html');
      return reply
        .status(200)
        .header('content-type', CONTENT_TYPES['.html'])
        .header('cache-control', REVALIDATE)
        .send(notBuiltPage(root));
    },
  );
}

interface FoundFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The path inside the build, or undefined when it names a parent directory or holds a NUL. */
function safePath(rest: string): string | undefined {
  if (rest.includes('\0') || rest.split(/[/\\]/).includes('..')) return undefined;
  return `/${rest}`;
}

async function fileAt(root: string, path: string): Promise<FoundFile | undefined> {
  const full = resolve(join(root, path));
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  const info = await stat(full).catch(() => undefined);
  if (info === undefined || !info.isFile()) return undefined;
  return { path: full, size: info.size, mtimeMs: info.mtimeMs };
}

async function sendFile(request: FastifyRequest, reply: FastifyReply, file: FoundFile, path: string) {
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  reply
    .header('content-type', CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream')
    .header('cache-control', path.startsWith(IMMUTABLE_PREFIX) ? IMMUTABLE : REVALIDATE)
    .header('etag', etag)
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff');
  if (extname(file.path) === '.html') {
    reply.header('x-frame-options', 'DENY').header('referrer-policy', 'same-origin');
  }
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  const accepted = String(request.headers['accept-encoding'] ?? '');
  for (const { token, suffix } of ENCODINGS) {
    if (!new RegExp(`\\b${token}\\b`).test(accepted)) continue;
    const compressed = await stat(file.path + suffix).catch(() => undefined);
    if (compressed?.isFile() !== true) continue;
    reply.header('content-encoding', token).header('content-length', compressed.size);
    return reply.send(createReadStream(file.path + suffix));
  }
  reply.header('content-length', file.size);
  return reply.send(createReadStream(file.path));
}

function notBuiltPage(root: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Assay: the portal is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The portal is not built</h1>
<p>This server found no portal at <code>${escapeHtml(root)}</code>. Build it from the repository root with
<code>npm run build:portal</code>; the next page load shows it, no restart needed.</p>
<p>The API works without it: see <a href="/api/docs">/api/docs</a>.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
