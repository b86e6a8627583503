import { jobKey } from './run-state.ts';
import type { JobRun } from './run-types.ts';

/** A job run placed in the DAG: its column is its dependency depth, its row its place within the column. */
export interface PlacedJob {
  readonly key: string;
  readonly job: JobRun;
  readonly column: number;
  readonly row: number;
}

/** An edge from an upstream job run to the one that waits for it. */
export interface Edge {
  readonly from: PlacedJob;
  readonly to: PlacedJob;
}

export interface DagLayout {
  readonly nodes: readonly PlacedJob[];
  readonly edges: readonly Edge[];
  readonly columns: number;
  readonly rows: number;
}

/**
 * Columns by dependency depth (a job with no upstream in the run is in column 0, else one right of its deepest
 * upstream); rows in the order the server lists the jobs. Upstream keys outside the run (a subset run) are ignored.
 */
export function layoutDag(jobs: readonly JobRun[]): DagLayout {
  const byKey = new Map(jobs.map((job) => [jobKey(job), job]));
  const depth = new Map<string, number>();
  const depthOf = (key: string, seen: Set<string>): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    const job = byKey.get(key);
    // A cycle cannot come from the server (pipelines are DAGs); the guard only keeps a bad answer from hanging.
    if (job === undefined || seen.has(key)) return 0;
    seen.add(key);
    const ups = job.upstream.filter((up) => byKey.has(up));
    const value = ups.length === 0 ? 0 : 1 + Math.max(...ups.map((up) => depthOf(up, seen)));
    depth.set(key, value);
    return value;
  };
  const perColumn: number[] = [];
  const nodes: PlacedJob[] = jobs.map((job) => {
    const key = jobKey(job);
    const column = depthOf(key, new Set());
    const row = perColumn[column] ?? 0;
    perColumn[column] = row + 1;
    return { key, job, column, row };
  });
  const placed = new Map(nodes.map((node) => [node.key, node]));
  const edges = nodes.flatMap((to) =>
    to.job.upstream.flatMap((up) => {
      const from = placed.get(up);
      return from === undefined ? [] : [{ from, to }];
    }),
  );
  return { nodes, edges, columns: perColumn.length, rows: Math.max(0, ...perColumn) };
}
