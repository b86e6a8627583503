import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckDefinition } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal, quote } from '../engine/dataset-view.ts';
import { openSession } from '../engine/engine-session.ts';
import { evaluateChecks, type CheckResult } from './evaluate-checks.ts';

/** A check of a check-type test: the definition, its config, and the job-level `where` and `mostly`. */
export interface TestCheck {
  readonly id?: string;
  readonly definition: Pick<CheckDefinition, 'type' | 'compile'>;
  readonly config: Record<string, unknown>;
  readonly where?: string;
  readonly mostly?: number;
}

/** Options of {@link evaluateTestChecks}: as the evaluator's, with each check's earlier observations given by id. */
export interface TestCheckOptions {
  readonly sampleSize?: number;
  /** Earlier observations per check id (`check_1`... when the check has no id), oldest first. */
  readonly history?: Readonly<Record<string, ReadonlyArray<{ readonly observed: number; readonly at: Date }>>>;
  readonly now?: Date;
}

/**
 * Evaluates checks as a job's output would be checked: `datasets` (`layer.name` → a plain DuckDB SELECT of fixture
 * rows) become the sandboxed session's views, and the checks run against the view of `target`.
 */
export async function evaluateTestChecks(
  datasets: Readonly<Record<string, string>>,
  target: string,
  checks: readonly TestCheck[],
  options: TestCheckOptions = {},
): Promise<CheckResult[]> {
  const { history, ...rest } = options;
  const dir = await mkdtemp(join(tmpdir(), 'assay-check-test-'));
  try {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const views = [];
    try {
      for (const [name, select] of Object.entries(datasets)) {
        const file = join(dir, `${name}.parquet`);
        await connection.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
        views.push({ name, source: `SELECT * FROM read_parquet(${literal(file)})`, files: [file] });
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const session = await openSession({ views, memoryLimit: '256MB', threads: 1, scratchDirectory: join(dir, 's') });
    try {
      return await evaluateChecks(
        session,
        target.split('.').map(quote).join('.'),
        checks.map((check, index) => ({
          id: check.id ?? `check_${index + 1}`,
          definition: check.definition,
          config: check.config,
          where: check.where,
          mostly: check.mostly,
        })),
        {
          ...rest,
          ...(history === undefined ? {} : { history: async (checkId: string) => history[checkId] ?? [] }),
        },
      );
    } finally {
      await session.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
