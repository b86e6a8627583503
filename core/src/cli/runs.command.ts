import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import { taskKey, type JobRunRecord, type RunStatus, type RunWithJobs } from '../pipelines/runs/run-records.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { printTable } from './print-table.ts';
import { describeJob } from './run-progress.ts';
import {
  cliActor,
  processIo,
  startRunSession,
  watchUntilDone,
  type RunCommandIo,
  type RunSessionStarter,
} from './run.command.ts';

export const runsUsage = `assay runs list|show|logs|cancel|resume [--workspace ws] [--json]
      list [--pipeline p] [--status s] [--limit n]; show <run id>; logs <run id> <job> [--attempt n]
      [--partition key] (a job a backfill splits needs its partition); cancel <run id>; resume <run id> [--watch]
      (a new run of the jobs that did not succeed: of a backfill, only its partitions that did not).`;

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelling', 'cancelled'];

/** `assay runs …`: look at, cancel and resume runs from the shell. */
export async function runsCommand(
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
      pipeline: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string', default: '20' },
      attempt: { type: 'string' },
      partition: { type: 'string' },
      watch: { type: 'boolean', default: false },
    },
  });
  const [action, id, job] = positionals;
  const arity: Record<string, number> = { list: 1, show: 2, logs: 3, cancel: 2, resume: 2 };
  if (action === undefined || arity[action] !== positionals.length) {
    throw new InputError(`Usage: ${runsUsage}`, { code: 'USAGE' });
  }
  if (values.status !== undefined && !STATUSES.includes(values.status as RunStatus)) {
    throw new InputError(`--status must be one of ${STATUSES.join(', ')}`, { code: 'USAGE' });
  }
  const ws = values.workspace;
  const print = (line: string) => io.out.write(`${line}\n`);
  const session = await start(configFor(values), {
    works: action === 'resume' && values.watch,
    workspace: ws,
    writes: action === 'resume' || action === 'cancel',
  });
  try {
    const { runs } = session;
    switch (action) {
      case 'list': {
        const page = await runs.list(ws, {
          pipeline: values.pipeline,
          status: values.status as RunStatus | undefined,
          limit: Math.max(1, Math.min(500, Number(values.limit) || 20)),
        });
        if (values.json) print(JSON.stringify(page));
        else {
          printTable(
            page.items.map((run) => ({
              id: run.id,
              pipeline: `${run.pipeline} v${run.version}`,
              run: run.sequence,
              status: run.status,
              trigger: run.trigger,
              created: run.createdAt,
              seconds: run.durationMs === null ? null : (run.durationMs / 1000).toFixed(1),
              error: run.error?.code ?? '',
            })),
          );
        }
        return 0;
      }
      case 'show': {
        const run = await runs.get(ws, id!);
        print(values.json ? JSON.stringify(run) : describeRun(run));
        return 0;
      }
      case 'logs': {
        const attempt = values.attempt === undefined ? undefined : Number(values.attempt);
        let cursor: string | undefined;
        do {
          const page = await runs.logs(ws, id!, job!, { limit: 1000, cursor, attempt, partition: values.partition });
          for (const line of page.items) {
            print(
              values.json
                ? JSON.stringify(line)
                : `${line.at} [${line.attempt}] ${line.level.toUpperCase()} ${line.message}` +
                    (line.fields === null ? '' : ` ${JSON.stringify(line.fields)}`),
            );
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        return 0;
      }
      case 'cancel': {
        const run = await runs.cancel(ws, id!);
        print(values.json ? JSON.stringify(run) : `run ${run.id} ${run.status}`);
        return 0;
      }
      default: {
        const run = await runs.resume(ws, id!, { actor: cliActor(), trigger: 'manual' });
        if (values.watch) return await watchUntilDone(runs, ws, run.id, { json: values.json }, io);
        print(values.json ? JSON.stringify(run) : `run ${run.id} resumes ${id} with ${describeJobRuns(run.jobs)}`);
        return 0;
      }
    }
  } finally {
    await session.close();
  }
}

/** A run and its jobs as lines for people. */
export function describeRun(run: RunWithJobs): string {
  const seconds = run.durationMs === null ? '' : ` in ${(run.durationMs / 1000).toFixed(1)} s`;
  const lines = [
    `run ${run.id}: ${run.pipeline} v${run.version} #${run.sequence} ${run.status}${seconds} (${run.trigger}` +
      `${run.actor === null ? '' : ` by ${run.actor}`})`,
  ];
  if (run.backfill !== null) {
    lines.push(
      `  backfill ${run.backfill.from} to ${run.backfill.to}: ${run.backfill.partitions} partition job run(s)`,
    );
  }
  if (run.resumedFrom !== null) lines.push(`  resumes ${run.resumedFrom}`);
  if (run.error !== null) lines.push(`  ${run.error.code}: ${run.error.message}`);
  for (const job of run.jobs) {
    lines.push(`  ${taskKey(job.jobId, job.partition)} (${job.operator}): ${describeJob(job)}`);
  }
  return lines.join('\n');
}

/**
 * The jobs of job runs, each once: `daily (3 partitions: 2026-01-02, 2026-01-05, 2026-01-09), totals`; more than
 * three partitions as their first and last (`daily (31 partitions, 2026-01-01 … 2026-01-31)`).
 */
export function describeJobRuns(jobs: readonly JobRunRecord[]): string {
  const partitions = new Map<string, string[]>();
  for (const job of jobs) {
    const keys = partitions.get(job.jobId) ?? [];
    if (job.partition !== null) keys.push(job.partition);
    partitions.set(job.jobId, keys);
  }
  return [...partitions]
    .map(([jobId, keys]) => {
      if (keys.length === 0) return jobId;
      const count = `${keys.length} partition${keys.length === 1 ? '' : 's'}`;
      return keys.length <= 3
        ? `${jobId} (${count}: ${keys.join(', ')})`
        : `${jobId} (${count}, ${keys[0]} … ${keys.at(-1)})`;
    })
    .join(', ');
}
