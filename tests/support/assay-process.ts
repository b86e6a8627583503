import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = join(import.meta.dirname, '..', '..', 'core', 'bin', 'assay.js');

/** A running `assay` CLI process with its output collected line by line. */
export interface AssayProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first stdout JSON log line matching; rejects if the process exits first or time runs out. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs the real CLI (`core/bin/assay.js`) with a clean environment: only PATH, HOME and what the test passes, so
 * nothing from the developer's shell (DATABASE_URL, ASSAY_*) leaks in.
 */
export function runAssay(args: string[], env: Record<string, string>, cwd?: string): AssayProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<(line: Record<string, unknown>) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line);
    const parsed = parseJson(line);
    if (parsed !== undefined) for (const waiter of waiters) waiter(parsed);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLog: (match, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const earlier = stdout.map(parseJson).find((line) => line !== undefined && match(line));
        if (earlier !== undefined) return resolve(earlier);
        const timer = setTimeout(() => finish(new Error(`no matching log line within ${timeoutMs} ms`)), timeoutMs);
        const waiter = (line: Record<string, unknown>) => {
          if (match(line)) finish(undefined, line);
        };
        const finish = (error?: Error, line?: Record<string, unknown>) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (error !== undefined) reject(error);
          else resolve(line!);
        };
        waiters.add(waiter);
        void exited.then((code) =>
          finish(new Error(`assay exited with ${code} before the log line appeared:\n${stderr.join('\n')}`)),
        );
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion. */
export async function runAssayToEnd(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const process = runAssay(args, env, cwd);
  const code = await process.exited;
  return { code, stdout: process.stdout, stderr: process.stderr };
}

/**
 * A temporary directory other users can traverse: when tests run as root, the embedded PostgreSQL runs as the
 * `postgres` user and must reach its data directory inside.
 */
export async function tempHome(prefix = 'assay-e2e-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
