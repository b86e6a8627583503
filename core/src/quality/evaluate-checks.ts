import { InputError, type CheckDefinition, type CompiledCheck } from '@assay/sdk';
import { quote } from '../engine/dataset-view.ts';
import type { EngineSession } from '../engine/engine-session.ts';
import { judgeHistory, type Observation } from './judge-history.ts';

/** One declared check of a job, ready to evaluate. */
export interface CheckToRun {
  /** Unique among the job's checks: what results and failing rows name. */
  readonly id: string;
  readonly definition: Pick<CheckDefinition, 'type' | 'compile'>;
  readonly config: Record<string, unknown>;
  /** A SQL predicate: only rows for which it holds are checked. */
  readonly where?: string | undefined;
  /** The fraction of checked rows that must pass (row checks), from 0 to 1; 1 when unset. */
  readonly mostly?: number | undefined;
}

/** What one check found. */
export interface CheckResult {
  readonly id: string;
  readonly type: string;
  readonly kind: CompiledCheck['kind'];
  readonly passed: boolean;
  /** Row checks: rows checked (after `where`) and rows failing; aggregate checks: 1 and 0 or 1. */
  readonly checked: number;
  readonly failing: number;
  /** `failing / checked` in percent; 0 when nothing was checked. */
  readonly failingPercent: number;
  /** Aggregate checks: the value the expression had (null when it is NULL, e.g. on an empty table). */
  readonly observed: number | null;
  /** Row checks: up to `sampleSize` failing rows. */
  readonly sample: Record<string, unknown>[];
  /** An explanation: the check's own (schema mismatches) and the history judgement's (`insufficient history: ...`). */
  readonly note?: string;
  /** Checks judged against history: what the value was compared with (null when there was nothing earlier). */
  readonly baseline?: number | null;
}

/** Options of {@link evaluateChecks}. */
export interface EvaluateChecksOptions {
  /** Failing rows kept per row check (default 10). */
  readonly sampleSize?: number;
  /** Earlier observations of a check on this dataset, oldest first; none when unset. */
  readonly history?: (checkId: string) => Promise<ReadonlyArray<Observation>>;
  /** The time of this observation (freshness, weekday seasonality); now by default. */
  readonly now?: Date;
}

/**
 * Evaluates a job's checks on `relation` in the session: every row check in one pass (a count of checked and of
 * failing rows per check, a row passing when its predicate is not false, so NULLs are `not_null`'s to judge), every
 * aggregate check without `where` in one aggregate query (one with `where` gets its own), and a bounded sample of
 * failing rows per row check. `mostly` lets up to `1 - mostly` of the checked rows fail. `CHECK_CONFIG_INVALID` for
 * a `mostly` outside 0..1 or duplicate ids. Checks compile once the relation's columns are known (one DESCRIBE); an
 * aggregate with a history judgement passes only if its bounds and its history (from `options.history`) both do.
 */
export async function evaluateChecks(
  session: Pick<EngineSession, 'stream' | 'describe'>,
  relation: string,
  checks: readonly CheckToRun[],
  options: EvaluateChecksOptions = {},
): Promise<CheckResult[]> {
  assertChecks(checks);
  if (checks.length === 0) return [];
  const now = options.now ?? new Date();
  const columns = await session.describe(`SELECT * FROM ${relation}`);
  const compiled = checks.map((check) => ({
    check,
    compiled: check.definition.compile({ relation, quote, columns, now }, check.config as never),
  }));
  const rows = compiled.flatMap(({ check, compiled }) =>
    // A row passes unless its predicate is false: NULL is not_null's to judge. `IS FALSE` is never NULL.
    compiled.kind === 'row' ? [{ check, fails: `(${compiled.predicate}) IS FALSE` }] : [],
  );
  const aggregates = compiled.flatMap(({ check, compiled }) =>
    compiled.kind === 'aggregate' ? [{ check, ...compiled }] : [],
  );
  const results = new Map<string, CheckResult>();

  if (rows.length > 0) {
    // One scan: a single count(*) for the checks of every row, count_if for the rest — cheaper than a FILTER per
    // check, which matters with many checks on wide tables (bench/quality.bench.ts).
    const columns = rows.flatMap(({ check, fails }, index) =>
      check.where === undefined
        ? [`count_if(${fails})::BIGINT AS ${quote(`f${index}`)}`]
        : [
            `count_if(coalesce((${check.where}), false))::BIGINT AS ${quote(`c${index}`)}`,
            `count_if((${check.where}) AND ${fails})::BIGINT AS ${quote(`f${index}`)}`,
          ],
    );
    const [counts] = await collect(
      session,
      `SELECT count(*)::BIGINT AS ${quote('rows')}, ${columns.join(', ')} FROM ${relation}`,
    );
    const sampleSize = options.sampleSize ?? 10;
    for (const [index, { check, fails }] of rows.entries()) {
      const checked = Number(counts?.[check.where === undefined ? 'rows' : `c${index}`] ?? 0);
      const failing = Number(counts?.[`f${index}`] ?? 0);
      const allowed = Math.floor(checked * (1 - (check.mostly ?? 1)) + 1e-9);
      const sample =
        failing === 0 || sampleSize === 0
          ? []
          : await collect(
              session,
              `SELECT * FROM ${relation} WHERE (${check.where ?? 'true'}) AND ${fails} LIMIT ${sampleSize}`,
            );
      results.set(check.id, {
        id: check.id,
        type: check.definition.type,
        kind: 'row',
        passed: failing <= allowed,
        checked,
        failing,
        failingPercent: checked === 0 ? 0 : (failing / checked) * 100,
        observed: null,
        sample,
      });
    }
  }

  const together = aggregates.filter((entry) => entry.check.where === undefined);
  const apart = aggregates.filter((entry) => entry.check.where !== undefined);
  const observed = new Map<string, number | null>();
  if (together.length > 0) {
    const select = together.map(({ expression }, index) => `(${expression}) AS ${quote(`a${index}`)}`).join(', ');
    const [values] = await collect(session, `SELECT ${select} FROM ${relation}`);
    together.forEach(({ check }, index) => observed.set(check.id, numberOrNull(values?.[`a${index}`])));
  }
  for (const { check, expression } of apart) {
    const [values] = await collect(session, `SELECT (${expression}) AS a FROM ${relation} WHERE (${check.where})`);
    observed.set(check.id, numberOrNull(values?.a));
  }
  for (const { check, min, max, history, note } of aggregates) {
    const value = observed.get(check.id) ?? null;
    const bounded = value !== null && (min === undefined || value >= min) && (max === undefined || value <= max);
    const verdict =
      history === undefined || value === null
        ? undefined
        : judgeHistory(history, (await options.history?.(check.id)) ?? [], value, now);
    const passed = bounded && (verdict?.passed ?? true);
    const notes = [note, verdict?.note, history !== undefined && value === null ? 'no value observed' : undefined];
    const explained = notes.filter((text) => text !== undefined).join('; ');
    results.set(check.id, {
      id: check.id,
      type: check.definition.type,
      kind: 'aggregate',
      passed,
      checked: 1,
      failing: passed ? 0 : 1,
      failingPercent: passed ? 0 : 100,
      observed: value,
      sample: [],
      ...(explained === '' ? {} : { note: explained }),
      ...(history === undefined ? {} : { baseline: verdict?.baseline ?? null }),
    });
  }
  return checks.map((check) => results.get(check.id)!);
}

function assertChecks(checks: readonly CheckToRun[]): void {
  const seen = new Set<string>();
  for (const check of checks) {
    if (seen.has(check.id)) {
      throw new InputError(`Two checks have the id "${check.id}": give each its own`, {
        code: 'CHECK_CONFIG_INVALID',
        details: { check: check.id },
      });
    }
    seen.add(check.id);
    if (check.mostly !== undefined && !(check.mostly >= 0 && check.mostly <= 1)) {
      throw new InputError(`Check "${check.id}": mostly must be between 0 and 1, not ${check.mostly}`, {
        code: 'CHECK_CONFIG_INVALID',
        details: { check: check.id, mostly: check.mostly },
      });
    }
  }
}

async function collect(session: Pick<EngineSession, 'stream'>, sql: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const chunk of session.stream(sql)) rows.push(...chunk);
  return rows;
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
