import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import type { AssayConfig } from '../config/config.schema.ts';
import type { RunSelection } from '../pipelines/runs/run-records.ts';
import type { BackfillRequest } from '../pipelines/runs/run-service.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { startPlatformSession } from './platform-session.ts';
import type { BackfillPreview } from '../pipelines/backfill/backfill-preview.ts';
import { backfillPreviewLines } from './print-backfill-preview.ts';
import { cliActor, processIo, watchUntilDone, type RunCommandIo, type RunSession } from './run.command.ts';

export const backfillUsage = `assay backfill <pipeline> --from YYYY-MM-DD --to YYYY-MM-DD [--workspace ws]
      [--job id [--direction only|downstream|upstream]] [--pipeline-version N] [--preview] [--yes] [--watch]
      [--json]
      Recomputes the days from --from to --to (both inclusive): each job that declares partitions once per day or
      month, and the jobs downstream of it (--job: that job, with --direction, default downstream). Prints the
      preview (partitions, estimated input rows and bytes, the datasets rewritten) and asks; --preview stops
      there, --yes starts without asking (needed without a terminal). --watch works and shows the run as
      "assay run --watch" does and exits 1 unless it succeeded; "assay runs resume" repeats failed partitions.`;

/** What the backfill command needs of a platform: runs, and previews of backfills. */
export interface BackfillSession extends RunSession {
  /** The preview `GET …/backfills/preview` answers. */
  preview(request: BackfillRequest): Promise<BackfillPreview>;
}

/** Boots a {@link BackfillSession}; `works`: this process works queue jobs (`--watch`). */
export type BackfillSessionStarter = (
  config: AssayConfig,
  options: { works: boolean; workspace: string; writes?: boolean },
) => Promise<BackfillSession>;

/** The run command's output and signals, and a question for the terminal (undefined without one). */
export interface BackfillCommandIo extends RunCommandIo {
  readonly ask: ((question: string) => Promise<string>) | undefined;
}

const DIRECTIONS: ReadonlyArray<RunSelection['direction']> = ['only', 'downstream', 'upstream'];

/**
 * `assay backfill`: previews a backfill, asks (or takes `--yes`), starts it and, with `--watch`, works and shows
 * it until it ends. Without a terminal and without `--yes` it refuses with `BACKFILL_CONFIRMATION_REQUIRED`.
 */
export async function backfillCommand(
  args: string[],
  start: BackfillSessionStarter = startBackfillSession,
  io: BackfillCommandIo = { ...processIo, ask: terminalQuestion() },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      from: { type: 'string' },
      to: { type: 'string' },
      job: { type: 'string' },
      direction: { type: 'string' },
      'pipeline-version': { type: 'string' },
      preview: { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      watch: { type: 'boolean', default: false },
    },
  });
  const [pipeline] = positionals;
  const { from, to } = values;
  if (pipeline === undefined || positionals.length > 1 || from === undefined || to === undefined) {
    throw new InputError(`Usage: ${backfillUsage}`, { code: 'USAGE' });
  }
  if (values.direction !== undefined && values.job === undefined) {
    throw new InputError('--direction needs --job <id>', { code: 'USAGE' });
  }
  const direction = (values.direction ?? 'downstream') as RunSelection['direction'];
  if (!DIRECTIONS.includes(direction)) {
    throw new InputError(`--direction must be one of ${DIRECTIONS.join(', ')}, not "${direction}"`, {
      code: 'USAGE',
    });
  }
  const asked = values['pipeline-version'];
  const version = asked === undefined ? undefined : Number(asked);
  if (version !== undefined && !(Number.isInteger(version) && version >= 1)) {
    throw new InputError(`--pipeline-version must be a version number, not "${asked}"`, { code: 'USAGE' });
  }
  const print = (line: string) => io.out.write(`${line}\n`);
  const workspace = values.workspace;
  const select = values.job === undefined ? undefined : { job: values.job, direction };

  const session = await start(configFor(values), {
    works: values.watch && !values.preview,
    workspace,
    writes: !values.preview,
  });
  try {
    const request: BackfillRequest = { workspace, pipeline, version, from, to, select };
    const preview = await session.preview(request);
    if (values.json && values.preview) {
      print(JSON.stringify(preview));
      return 0;
    }
    if (!values.json) for (const line of backfillPreviewLines(pipeline, preview)) print(line);
    if (values.preview) return 0;
    if (!values.yes && !(await confirmed(pipeline, preview, io))) {
      if (!values.json) print('Backfill cancelled: nothing was started.');
      return 1;
    }
    // The version previewed is the version started, so the confirmation is for what runs.
    const run = await session.runs.startBackfill({
      ...request,
      version: preview.version,
      confirm: true,
      actor: cliActor(),
    });
    if (!values.json) {
      print(
        `backfill run ${run.id} of ${run.pipeline} v${run.version} started: ${preview.partitions} partition job ` +
          `run(s), ${run.jobs.length} job run(s) in all` +
          (values.watch ? '' : `; a server or worker runs it (assay runs show ${run.id})`),
      );
    }
    if (!values.watch) {
      if (values.json) print(JSON.stringify(run));
      return 0;
    }
    return await watchUntilDone(session.runs, workspace, run.id, { json: values.json }, io);
  } finally {
    await session.close();
  }
}

/** Asks on the terminal; without one, refuses with `BACKFILL_CONFIRMATION_REQUIRED` (pass `--yes`). */
async function confirmed(pipeline: string, preview: BackfillPreview, io: BackfillCommandIo) {
  const above =
    `This backfill has ${preview.partitions} partitions, more than pipelines.backfillConfirmAbove ` +
    `(${preview.confirmAbove})`;
  if (io.ask === undefined) {
    throw new InputError(
      `${preview.needsConfirmation ? `${above}, and` : 'A backfill needs a confirmation, but'} there is no ` +
        'terminal to ask: run with --yes to start it without a prompt (or --preview to only look at it)',
      {
        code: 'BACKFILL_CONFIRMATION_REQUIRED',
        details: { partitions: preview.partitions, confirmAbove: preview.confirmAbove },
      },
    );
  }
  const range = `${pipeline} from ${preview.from} to ${preview.to}`;
  const question = preview.needsConfirmation
    ? `${above}. Confirm the backfill of ${range} (${preview.tasks} job runs)? [y/N] `
    : `Start the backfill of ${range} (${preview.partitions} partitions, ${preview.tasks} job runs)? [y/N] `;
  return /^y(es)?$/i.test((await io.ask(question)).trim());
}

/** A yes/no question on stderr, answered on stdin; undefined when stdin is not a terminal. */
function terminalQuestion(): BackfillCommandIo['ask'] {
  if (process.stdin.isTTY !== true) return undefined;
  return async (question) => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await prompt.question(question);
    } finally {
      prompt.close();
    }
  };
}

/**
 * Boots the platform for the backfill command (as {@link startPlatformSession}); previews come from the run
 * service, as the preview route's do.
 */
export async function startBackfillSession(
  config: AssayConfig,
  options: { works: boolean; workspace: string; writes?: boolean },
): Promise<BackfillSession> {
  const platform = await startPlatformSession(config, options);
  return {
    runs: platform.runs,
    preview: (request) => platform.runs.previewBackfill(request),
    close: () => platform.close(),
  };
}
