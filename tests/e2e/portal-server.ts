import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { runAssay, tempHome, type AssayProcess } from '../support/assay-process.ts';

/** The portal build core serves; the browser tests run against it and never build it themselves. */
export const PORTAL_BUILD = join(import.meta.dirname, '..', '..', 'portal', 'build');

/** A real `assay serve` on a fresh database with no users, as a new installation starts. */
export interface PortalServer {
  readonly address: string;
  /** The one-time setup token the server printed on stderr. */
  readonly setupToken: string;
  readonly process: AssayProcess;
  stop(): Promise<void>;
}

/** Fails with how to fix it when the portal has not been built. */
export function assertPortalBuilt(): void {
  if (!existsSync(join(PORTAL_BUILD, 'index.html'))) {
    throw new Error(`The portal is not built (no ${PORTAL_BUILD}/index.html): run \`npm run build:portal\` first`);
  }
}

/**
 * `config` becomes the server's assay.yaml; `port` 0 lets the system choose; `worker` also runs pipelines; `env` adds
 * variables (e.g. `ASSAY_PLUGINS` to load a third-party plugin).
 */
export async function startPortalServer(
  options: { config?: object; port?: number; worker?: boolean; env?: Record<string, string> } = {},
): Promise<PortalServer> {
  const database: TestDatabase = await createTestDatabase();
  const home = await tempHome('assay-portal-e2e-');
  if (options.config !== undefined) await writeFile(join(home, 'assay.yaml'), JSON.stringify(options.config));
  const server = runAssay(
    options.worker === true ? ['serve'] : ['serve', '--no-worker'],
    {
      ASSAY_HOME: home,
      DATABASE_URL: database.url,
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // The browser reaches the server over plain HTTP on 127.0.0.1.
      ASSAY_COOKIE_SECURE: 'false',
      ...options.env,
    },
    home,
  );
  const stop = async () => {
    await server.stop('SIGTERM');
    await database.drop();
    await rm(home, { recursive: true, force: true });
  };
  try {
    const listening = await server.waitForLog((line) => line.msg === 'Assay is listening', 60_000);
    const address = String(listening.address).replace('localhost', '127.0.0.1');
    const setupToken = await waitFor(() =>
      server.stderr.map((l) => /^\s+(setup_[A-Za-z0-9_-]{43})$/.exec(l)?.[1]).find(Boolean),
    );
    return { address, setupToken, process: server, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** First-run setup through the API with the server's setup token (the shell test covers it in the browser). */
export async function createAdmin(
  server: PortalServer,
  admin: { name: string; email: string; password: string },
): Promise<void> {
  const setup = await fetch(`${server.address}/api/v1/auth/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: server.setupToken, ...admin }),
  });
  if (setup.status !== 200) throw new Error(`setup answered ${setup.status}: ${await setup.text()}`);
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('assay serve printed no setup token');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
