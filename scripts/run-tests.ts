// `npm test`: runs every workspace's *.test.ts files in one node:test run against a real PostgreSQL, prints the
// summary lines CI reads (# tests / # pass / # fail), and fails when anything failed or nothing ran.
// Arguments filter test files by path substring: `npm test -- core/src/config`.
import { spawn } from 'node:child_process';
import { chmod, glob, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@assay/core/embedded-postgres';

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const IGNORED = /(^|\/)(node_modules|dist|fixtures|\.assay|\.svelte-kit)\//;

const files: string[] = [];
for await (const file of glob('**/*.test.ts', { cwd: root })) {
  if (!IGNORED.test(file) && (filters.length === 0 || filters.some((f) => file.includes(f)))) files.push(file);
}
files.sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.length === 0 ? '**/*.test.ts' : filters.join(', ')}`);
  console.log('# tests 0\n# pass 0\n# fail 0');
  process.exit(1);
}

const scratch = await mkdtemp(join(tmpdir(), 'assay-tests-'));
// Run as root, the embedded PostgreSQL runs as the `postgres` user, which must traverse into its data directory.
await chmod(scratch, 0o755);
const env = { ...process.env };
let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
if (env.TEST_DATABASE_URL === undefined || env.TEST_DATABASE_URL === '') {
  console.log('TEST_DATABASE_URL is not set: starting an embedded PostgreSQL for this run');
  embedded = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg') });
  env.TEST_DATABASE_URL = embedded.url;
}

const tapFile = join(scratch, 'report.tap');
const exitCode = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    [
      '--test',
      '--test-concurrency=2',
      '--test-timeout=180000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    { cwd: root, env, stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
});

await embedded?.stop();
const summary = summarize(await readFile(tapFile, 'utf8').catch(() => ''));
await rm(scratch, { recursive: true, force: true });
console.log(`# tests ${summary.tests}\n# pass ${summary.pass}\n# fail ${summary.fail}`);
if (summary.cancelled > 0) console.log(`# cancelled ${summary.cancelled}`);
if (summary.tests === 0) console.error('No test ran: failing the run.');
process.exit(exitCode !== 0 || summary.tests === 0 || summary.fail > 0 || summary.cancelled > 0 ? 1 : 0);

function summarize(tap: string): Record<'tests' | 'pass' | 'fail' | 'cancelled', number> {
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  return { tests: count('tests'), pass: count('pass'), fail: count('fail'), cancelled: count('cancelled') };
}
