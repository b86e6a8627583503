// `npm run bench`: runs every bench/*.bench.ts in its own process against a real PostgreSQL and passes its figures
// through, one JSON line each (see bench-figure.ts). Fails when a bench fails, prints a malformed line or prints no
// figure. Arguments filter bench files by name: `npm run bench -- queue`.
import { spawn } from 'node:child_process';
import { chmod, glob, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedPostgres } from '@assay/core/embedded-postgres';
import { parseFigure } from './bench-figure.ts';

const benchDir = import.meta.dirname;
const filters = process.argv.slice(2);
const files: string[] = [];
for await (const file of glob('*.bench.ts', { cwd: benchDir })) {
  if (filters.length === 0 || filters.some((filter) => file.includes(filter))) files.push(file);
}
files.sort();
if (files.length === 0) {
  console.error(`No bench matches ${filters.length === 0 ? 'bench/*.bench.ts' : filters.join(', ')}`);
  process.exit(1);
}

const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data directory inside.
await chmod(scratch, 0o711);
const env = { ...process.env };
let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
let failures = 0;
try {
  if (env.TEST_DATABASE_URL === undefined || env.TEST_DATABASE_URL === '') {
    console.error('TEST_DATABASE_URL is not set: starting an embedded PostgreSQL for this run');
    embedded = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg') });
    env.TEST_DATABASE_URL = embedded.url;
  }
  for (const file of files) {
    const problem = await runBench(join(benchDir, file), env);
    if (problem !== undefined) {
      failures++;
      console.error(`bench ${file} failed: ${problem}`);
    }
  }
} finally {
  await embedded?.stop();
  await rm(scratch, { recursive: true, force: true });
}
process.exit(failures > 0 ? 1 : 0);

/** Runs one bench file; resolves to what went wrong, or undefined when it printed valid figures and exited 0. */
async function runBench(file: string, childEnv: NodeJS.ProcessEnv): Promise<string | undefined> {
  const bench = basename(file, '.bench.ts');
  const child = spawn(process.execPath, [file], { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    child.on('error', (error) => {
      console.error(`bench ${bench} could not run: ${error.message}`);
      resolve(1);
    });
  });
  let figures = 0;
  const malformed: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.trim() === '') continue;
    const figure = parseFigure(line);
    if (typeof figure === 'string') malformed.push(`line ${JSON.stringify(line.slice(0, 120))} ${figure}`);
    else if (figure.bench !== bench) malformed.push(`figure names bench "${figure.bench}", expected "${bench}"`);
    else {
      figures++;
      console.log(line);
    }
  }
  const code = await exited;
  if (code !== 0) return `exited with code ${code}`;
  if (malformed.length > 0) return malformed.join('; ');
  if (figures === 0) return 'printed no figure';
  return undefined;
}
