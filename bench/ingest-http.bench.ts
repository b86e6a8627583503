// REST API → Bronze through connector-http: BENCH_HTTP_PAGES pages (default 2,000) of 100 records from a local
// server with cursor pagination, against a baseline of fetching the same pages with plain fetch in a loop (the
// request floor). Reports pages/s of both.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import httpPlugin from '@assay/connector-http';
import { startCoreTestPlatform } from '@assay/core/test-platform';
import { printFigure } from './bench-figure.ts';

const PAGES = Number(process.env.BENCH_HTTP_PAGES ?? 2000);
const PER_PAGE = 100;
const pages = Array.from({ length: PAGES }, (_, p) =>
  JSON.stringify({
    items: Array.from({ length: PER_PAGE }, (_, i) => ({
      id: p * PER_PAGE + i,
      sku: `sku-${(p * PER_PAGE + i) % 997}`,
      amount: ((p * PER_PAGE + i) % 1000) / 4,
      updated_at: new Date(Date.UTC(2024, 0, 1) + (p * PER_PAGE + i) * 1000).toISOString(),
    })),
    next: p + 1 < PAGES ? String(p + 1) : null,
  }),
);
const server = createServer((req, res) => {
  const page = Number(new URL(req.url!, 'http://x').searchParams.get('cursor') ?? 0);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(pages[page]);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const platform = await startCoreTestPlatform({ plugins: [httpPlugin], worker: false });

try {
  const baselineStart = performance.now();
  for (let cursor: string | null = '0'; cursor !== null;) {
    const body = (await (await fetch(`${base}/orders?cursor=${cursor}`)).json()) as { next: string | null };
    cursor = body.next;
  }
  const baselineMs = performance.now() - baselineStart;

  await platform.createWorkspace('bench');
  await platform.inject({
    method: 'POST',
    url: '/api/v1/workspaces/bench/connections',
    payload: {
      name: 'api',
      type: 'http',
      config: {
        baseUrl: base,
        streams: [
          {
            name: 'orders',
            path: '/orders',
            recordSelector: 'items',
            pagination: { type: 'cursor', param: 'cursor', cursorPath: 'next' },
          },
        ],
      },
    },
  });
  const start = performance.now();
  const response = await platform.inject({
    method: 'POST',
    url: '/api/v1/workspaces/bench/ingest',
    payload: { connection: 'api', stream: 'orders', dataset: 'bronze.orders', wait: true },
  });
  const ms = performance.now() - start;
  if (response.statusCode !== 200 || response.json().rowsWritten !== PAGES * PER_PAGE) {
    throw new Error(`ingest failed: ${response.body}`);
  }
  console.error(`ingest-http: ${PAGES} pages in ${ms.toFixed(0)} ms (plain fetch loop: ${baselineMs.toFixed(0)} ms)`);
  printFigure({
    bench: 'ingest-http',
    metric: 'api_to_bronze_pages_per_s',
    value: PAGES / (ms / 1000),
    unit: 'pages/s',
    baseline: PAGES / (baselineMs / 1000),
  });
} finally {
  server.closeAllConnections();
  server.close();
  await platform.close();
}
