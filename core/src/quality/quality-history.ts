import type { Knex } from 'knex';

/** One persisted check result, as the API shows it. */
export interface StoredResult {
  readonly checkId: string;
  readonly checkType: string;
  readonly kind: string;
  readonly action: string;
  readonly weight: number;
  readonly status: string;
  readonly passed: boolean;
  readonly checked: number;
  readonly failing: number;
  readonly failingPercent: number;
  readonly observed: number | null;
  readonly baseline: number | null;
  readonly note: string | null;
  readonly sample: Record<string, unknown>[];
  readonly durationMs: number;
  readonly version: number | null;
  readonly pipeline: string | null;
  readonly jobId: string | null;
  readonly runId: string | null;
  readonly partition: string | null;
  readonly observedAt: string;
}

/** The quality score of one run of a dataset's checks. */
export interface ScorePoint {
  readonly runId: string | null;
  readonly partition: string | null;
  readonly at: string;
  /** Share of the checks' weight that passed, 0..100. */
  readonly score: number;
  readonly passed: number;
  readonly failed: number;
}

const RESULTS = 'core_check_results';

/** The latest result of every check of the dataset. */
export async function latestResults(db: Knex, workspace: string, dataset: string): Promise<StoredResult[]> {
  const rows = (await db
    .select('*')
    .from(
      db(RESULTS)
        .where({ workspace, dataset })
        .distinctOn('check_id')
        .orderBy([{ column: 'check_id' }, { column: 'observed_at', order: 'desc' }, { column: 'id', order: 'desc' }])
        .as('latest'),
    )
    .orderBy('check_id')) as ResultRow[];
  return rows.map(resultOf);
}

/** One check's results, newest first. */
export async function checkHistory(
  db: Knex,
  workspace: string,
  dataset: string,
  checkId: string,
  limit: number,
): Promise<StoredResult[]> {
  const rows = (await db(RESULTS)
    .where({ workspace, dataset, check_id: checkId })
    .orderBy([
      { column: 'observed_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit)) as ResultRow[];
  return rows.map(resultOf);
}

/**
 * The dataset's score per run (and partition), newest first: the weight of the checks that passed over the weight
 * of all checks the run evaluated. A check whose action handled failing rows (drop, quarantine, fix) counts as
 * passed only if it passed (within `mostly`).
 */
export async function scoreHistory(db: Knex, workspace: string, dataset: string, limit: number): Promise<ScorePoint[]> {
  const rows = (await db(RESULTS)
    .where({ workspace, dataset })
    .groupBy('run_id', 'partition_key')
    .select(
      'run_id',
      'partition_key',
      db.raw('min(observed_at) as at'),
      db.raw('sum(weight) filter (where passed) as passed_weight'),
      db.raw('sum(weight) as total_weight'),
      db.raw('count(*) filter (where passed)::int as passed'),
      db.raw('count(*) filter (where not passed)::int as failed'),
    )
    .orderBy('at', 'desc')
    .limit(limit)) as Array<{
    run_id: string | null;
    partition_key: string | null;
    at: Date;
    passed_weight: number | null;
    total_weight: number;
    passed: number;
    failed: number;
  }>;
  return rows.map((row) => ({
    runId: row.run_id,
    partition: row.partition_key,
    at: row.at.toISOString(),
    score: Math.round((10000 * Number(row.passed_weight ?? 0)) / Number(row.total_weight)) / 100,
    passed: row.passed,
    failed: row.failed,
  }));
}

interface ResultRow {
  check_id: string;
  check_type: string;
  kind: string;
  action: string;
  weight: number;
  status: string;
  passed: boolean;
  checked: string | number;
  failing: string | number;
  failing_percent: number;
  observed: number | null;
  baseline: number | null;
  note: string | null;
  sample: Record<string, unknown>[];
  duration_ms: number;
  delta_version: number | null;
  pipeline: string | null;
  job_id: string | null;
  run_id: string | null;
  partition_key: string | null;
  observed_at: Date;
}

function resultOf(row: ResultRow): StoredResult {
  return {
    checkId: row.check_id,
    checkType: row.check_type,
    kind: row.kind,
    action: row.action,
    weight: Number(row.weight),
    status: row.status,
    passed: row.passed,
    checked: Number(row.checked),
    failing: Number(row.failing),
    failingPercent: Number(row.failing_percent),
    observed: row.observed === null ? null : Number(row.observed),
    baseline: row.baseline === null ? null : Number(row.baseline),
    note: row.note,
    sample: row.sample,
    durationMs: row.duration_ms,
    version: row.delta_version,
    pipeline: row.pipeline,
    jobId: row.job_id,
    runId: row.run_id,
    partition: row.partition_key,
    observedAt: row.observed_at.toISOString(),
  };
}
