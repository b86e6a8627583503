import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import type { AssayConfig } from '../config/config.schema.ts';
import type { RunSelection, RunWithJobs } from '../pipelines/runs/run-records.ts';
import type { RunService } from '../pipelines/runs/run-service.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { startPlatformSession } from './platform-session.ts';
import { createRunProgress, type ProgressOutput } from './run-progress.ts';

export const runUsage = `assay run <pipeline> [--workspace ws] [--job id [--downstream|--upstream]] [--version N]
      [--watch] [--json]
      Starts a run of a pipeline (its current version unless --version); --job runs one job, with --downstream
      or --upstream also the jobs after or before it. Without --watch the run waits for a server or worker.
      --watch works the jobs in this process too, shows progress, and exits 0 when the run succeeded, 1
      otherwise; Ctrl-C cancels the run (twice: exit at once).`;

/** What a run command needs of a platform; tests give their own. */
export interface RunSession {
  readonly runs: RunService;
  close(): Promise<void>;
}

/**
 * Boots what a command needs; `works`: this process works queue jobs (`--watch`). Refuses a `workspace` that does
 * not exist (`WORKSPACE_NOT_FOUND`) before anything is worked or written.
 */
export type RunSessionStarter = (
  config: AssayConfig,
  options: { works: boolean; workspace: string; writes?: boolean },
) => Promise<RunSession>;

/** Where a command writes and which signals it hears. */
export interface RunCommandIo {
  /** Progress and results (stdout). */
  readonly out: ProgressOutput;
  /** Failures: the failed jobs of a watched run, a cancel that did not work (stderr). */
  readonly err: Pick<ProgressOutput, 'write'>;
  readonly signals: Pick<NodeJS.Process, 'on' | 'off'>;
  /** Called on a second Ctrl-C. */
  readonly exit: (code: number) => void;
}

/** The process: stdout, stderr, its signals and exit. */
export const processIo: RunCommandIo = {
  out: process.stdout,
  err: process.stderr,
  signals: process,
  exit: (code) => process.exit(code),
};

/** `assay run`: starts a run and, with `--watch`, works and shows it until it ends. */
export async function runCommand(
  args: string[],
  start: RunSessionStarter = startRunSession,
  io: RunCommandIo = processIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      job: { type: 'string' },
      downstream: { type: 'boolean', default: false },
      upstream: { type: 'boolean', default: false },
      version: { type: 'string' },
      watch: { type: 'boolean', default: false },
    },
  });
  const [pipeline] = positionals;
  if (pipeline === undefined || positionals.length > 1 || (values.downstream && values.upstream)) {
    throw new InputError(`Usage: ${runUsage}`, { code: 'USAGE' });
  }
  if ((values.downstream || values.upstream) && values.job === undefined) {
    throw new InputError('--downstream and --upstream need --job <id>', { code: 'USAGE' });
  }
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && !(Number.isInteger(version) && version >= 1)) {
    throw new InputError(`--version must be a version number, not "${values.version}"`, { code: 'USAGE' });
  }
  const select: RunSelection | undefined =
    values.job === undefined
      ? undefined
      : { job: values.job, direction: values.downstream ? 'downstream' : values.upstream ? 'upstream' : 'only' };

  const session = await start(configFor(values), { works: values.watch, workspace: values.workspace, writes: true });
  try {
    const run = await session.runs.startRun({
      workspace: values.workspace,
      pipeline,
      version,
      select,
      trigger: 'manual',
      actor: cliActor(),
    });
    if (!values.watch) {
      io.out.write(
        values.json
          ? `${JSON.stringify(run)}\n`
          : `run ${run.id} of ${run.pipeline} v${run.version} queued with ${run.jobs.length} job(s); ` +
              `a server or worker runs it (assay runs show ${run.id})\n`,
      );
      return 0;
    }
    return await watchUntilDone(session.runs, values.workspace, run.id, { json: values.json }, io);
  } finally {
    await session.close();
  }
}

/**
 * Follows a run to its end, showing progress (or, with `json`, printing only the final run as JSON). The first
 * Ctrl-C cancels the run and keeps watching it stop; a second one exits at once. 0 when the run succeeded.
 */
export async function watchUntilDone(
  runs: RunService,
  workspace: string,
  runId: string,
  options: { json: boolean },
  io: RunCommandIo = processIo,
): Promise<number> {
  const progress = options.json ? undefined : createRunProgress(io.out, io.err);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return io.exit(130);
    interrupted = true;
    if (!options.json) io.out.write('cancelling the run (Ctrl-C again to exit at once)\n');
    runs.cancel(workspace, runId).catch((error: unknown) => {
      io.err.write(`could not cancel: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  let run: RunWithJobs;
  try {
    await runs.watch(workspace, runId, (event) => progress?.onEvent(event));
    run = await runs.get(workspace, runId);
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
  }
  if (options.json) io.out.write(`${JSON.stringify(run)}\n`);
  else progress!.finish(run);
  return run.status === 'succeeded' ? 0 : 1;
}

/** The CLI's actor: `cli:<os user>`, as pipeline versions record their author. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/**
 * Boots the platform for a run command: no HTTP; with `works`, this process also works queue jobs (so `--watch`
 * needs no server). Quiet on the terminal unless LOG_LEVEL asks.
 */
export async function startRunSession(
  config: AssayConfig,
  options: { works: boolean; workspace: string; writes?: boolean },
): Promise<RunSession> {
  const platform = await startPlatformSession(config, options);
  return { runs: platform.runs, close: () => platform.close() };
}
