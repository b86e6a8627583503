import type { JobRun, LogLine, Run, RunEvent, RunStatus, RunWithJobs } from './run-types.ts';

/** Log lines kept in the page: the stream replays at most the last 1,000, and a long run keeps talking. */
export const MAX_LOG_LINES = 2000;

/** What the live run view shows, folded from a snapshot and the stream's events. */
export interface RunState {
  readonly run: Run | undefined;
  /** Job runs in the order the server first sent them (topological), by job run id. */
  readonly jobs: readonly JobRun[];
  readonly logs: readonly LogLine[];
  /** The status of the stream's `end` event: the run finished and the stream is over. */
  readonly ended: RunStatus | undefined;
}

export const EMPTY: RunState = { run: undefined, jobs: [], logs: [], ended: undefined };

/** The state of a `GET …/runs/{id}` answer. */
export function fromSnapshot(snapshot: RunWithJobs): RunState {
  const { jobs, ...run } = snapshot;
  return { run, jobs, logs: [], ended: undefined };
}

/**
 * The state when the stream (re)connects: the server replays the run, every job and the latest log lines on each
 * connection, so logs and the end start over. The run and jobs stay as provisional values, so the page does not
 * blank out while the replay arrives; every one of them is replaced by the replay (jobs never leave a run).
 */
export function restart(state: RunState): RunState {
  return { ...state, logs: [], ended: undefined };
}

/** The state after one event of the stream. */
export function applyEvent(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'run':
      return { ...state, run: event.data };
    case 'job':
      return { ...state, jobs: upsert(state.jobs, event.data) };
    case 'progress': {
      const { jobId, partition, done, total } = event.data;
      return {
        ...state,
        jobs: state.jobs.map((job) =>
          job.jobId === jobId && job.partition === partition ? { ...job, progress: { done, total } } : job,
        ),
      };
    }
    case 'log': {
      const logs = [...state.logs, event.data];
      return { ...state, logs: logs.length > MAX_LOG_LINES ? logs.slice(-MAX_LOG_LINES) : logs };
    }
    case 'end':
      return {
        ...state,
        ended: event.data.status,
        run: state.run === undefined ? undefined : { ...state.run, status: event.data.status },
      };
  }
}

function upsert(jobs: readonly JobRun[], job: JobRun): JobRun[] {
  const at = jobs.findIndex((j) => j.id === job.id);
  if (at === -1) return [...jobs, job];
  return jobs.map((j, i) => (i === at ? job : j));
}

/** The key of a job run in `upstream` lists: its job id, or `job[partition]` in a backfill. */
export function jobKey(job: Pick<JobRun, 'jobId' | 'partition'>): string {
  return job.partition === null ? job.jobId : `${job.jobId}[${job.partition}]`;
}
