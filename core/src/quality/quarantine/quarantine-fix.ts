import { AssayError, InputError } from '@assay/sdk';
import { literal } from '../../engine/dataset-view.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import type { Engine } from '../../engine/engine.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import { QUARANTINE_ID_SQL } from '../reprocess/quarantine-row-id.ts';
import { retryOnConflict } from './conflict-retry.ts';
import { columnSql, FIX_ID, FIX_PREFIX, FIX_RAW, fixColumnsOf, pointerSql } from './fix-columns.ts';
import { assertFixExpressions } from './fix-expression.ts';
import { fixedRowSql, jsonDiffersSql } from './fixed-row-sql.ts';
import { describeFilter, filterSql, type QuarantineFilter } from './quarantine-filter.ts';
import { IS_JSON_OBJECT_SQL, QUARANTINE_VIEW, rowsOf, withQuarantine } from './quarantine-session.ts';

/** A bulk fix: new values for some keys of the matching rows, as SQL over each row's columns. */
export interface FixRequest {
  /** Row key → DuckDB expression over the row's keys as columns. */
  readonly set: Readonly<Record<string, string>>;
  readonly filter: QuarantineFilter;
  readonly dryRun: boolean;
  /** Rows of before/after a dry run shows. */
  readonly sampleSize: number;
  /** Who asks; recorded in the commit. */
  readonly user: string | undefined;
}

/** One row of a dry run: the keys set, before and after. */
export interface FixSampleRow {
  readonly quarantineId: string;
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
}

/** What a bulk fix did, or would do. */
export interface FixResult {
  readonly dryRun: boolean;
  /** Rows the filter matched that hold JSON columns (raw text lines are not fixed in bulk). */
  readonly rowsMatched: number;
  /** Rows whose values the fix changes (changed, for a real run). */
  readonly rowsChanged: number;
  /** The quarantine table's version after the fix (or read, for a dry run and when nothing changed). */
  readonly version: number | null;
  readonly sample: FixSampleRow[];
}

const BASE = 'assay_fix.base';
const COLUMNS = 'assay_fix.cols';
const AFTER = 'assay_fix.after';
const NEW = `${FIX_PREFIX}new`;
const value = (index: number) => `${FIX_PREFIX}v${index}`;

/**
 * Applies `set` to the matching JSON rows of a dataset's quarantine: the expressions run in a sandboxed session
 * over the rows' keys exposed as typed columns (see `fixColumnsOf`), the new rows are staged there, and ONE Delta
 * UPDATE of the quarantine table writes them back (provenance: the expressions, the filter, the user). A dry run
 * stops before the update and returns before/after for a sample. 400 `QUARANTINE_FIX_INVALID` (with the column)
 * for an expression that is not a single scalar expression, does not bind, or fails on a row.
 */
export async function fixQuarantine(
  deps: { lake: LakeService; engine: Engine },
  target: { workspace: string; dataset: string },
  request: FixRequest,
): Promise<FixResult> {
  await assertFixExpressions(request.set);
  const where = filterSql(request.filter);
  const entries = Object.entries(request.set);
  return retryOnConflict(`Fixing the quarantine of ${target.dataset}`, () =>
    withQuarantine<FixResult>(
      deps,
      target,
      async ({ session, snapshot, table }) => {
        await session.createView(
          BASE,
          `SELECT ${QUARANTINE_ID_SQL} AS ${FIX_ID}, raw_row AS ${FIX_RAW} FROM ${QUARANTINE_VIEW} ` +
            `WHERE (${where}) AND ${IS_JSON_OBJECT_SQL}`,
        );
        const [matching] = await rowsOf(session, `SELECT count(*)::DOUBLE AS n FROM ${BASE}`);
        // Without rows there are no columns to bind the expressions to: nothing to fix is not a bad fix.
        if (Number(matching?.n ?? 0) === 0) {
          return { dryRun: request.dryRun, rowsMatched: 0, rowsChanged: 0, version: snapshot.version, sample: [] };
        }
        const columns = await fixColumnsOf(session, BASE);
        const typed = columns.map(columnSql);
        await session.createView(COLUMNS, `SELECT ${[FIX_ID, FIX_RAW, ...typed].join(', ')} FROM ${BASE}`);
        for (const [column, expression] of entries) await assertBinds(session, column, expression);
        const values = entries.map(([column], index) => [column, value(index)] as const);
        await session.createView(
          AFTER,
          `SELECT ${FIX_ID}, ${FIX_RAW}, ${values.map(([, name]) => name).join(', ')}, ` +
            `${fixedRowSql(FIX_RAW, values)} AS ${NEW} FROM (SELECT *, ` +
            `${entries.map(([, expression], index) => `(${expression}\n) AS ${value(index)}`).join(', ')} ` +
            `FROM ${COLUMNS}) AS assay_fix_values`,
        );
        const changed = jsonDiffersSql(NEW, FIX_RAW);
        const [counts] = await failingColumn(session, entries, () =>
          rowsOf(
            session,
            `SELECT count(*)::DOUBLE AS matched, (count(*) FILTER (WHERE ${changed}))::DOUBLE AS changed FROM ${AFTER}`,
          ),
        );
        const rowsMatched = Number(counts?.matched ?? 0);
        const rowsChanged = Number(counts?.changed ?? 0);
        if (request.dryRun) {
          const sample = await sampleOf(session, values, changed, request.sampleSize);
          return { dryRun: true, rowsMatched, rowsChanged, version: snapshot.version, sample };
        }
        if (rowsChanged === 0) {
          return { dryRun: false, rowsMatched, rowsChanged, version: snapshot.version, sample: [] };
        }
        // Identical rows share an id and get the same new row; one entry each keeps the lookup a single value.
        const staged = await session.copyToParquet(
          `SELECT ${FIX_ID}, any_value(${NEW}) AS ${NEW} FROM ${AFTER} WHERE ${changed} GROUP BY ${FIX_ID}`,
          'quarantine-fix.parquet',
        );
        const file = `read_parquet(${literal(staged.path)})`;
        const result = await table.update({
          predicate: `${QUARANTINE_ID_SQL} IN (SELECT ${FIX_ID} FROM ${file})`,
          set: { raw_row: `(SELECT fix.${NEW} FROM ${file} AS fix WHERE fix.${FIX_ID} = ${QUARANTINE_ID_SQL})` },
          ...(request.user === undefined ? {} : { user: request.user }),
          operationParameters: {
            predicate: where,
            set: request.set,
            action: 'quarantine fix',
            filter: describeFilter(request.filter),
          },
        });
        return { dryRun: false, rowsMatched, rowsChanged: result.rowsAffected, version: result.version, sample: [] };
      },
      () => ({ dryRun: request.dryRun, rowsMatched: 0, rowsChanged: 0, version: null, sample: [] }),
    ),
  );
}

/** Binds one expression over the rows' columns: a name no row has, a type mismatch, … name the column. */
async function assertBinds(session: EngineSession, column: string, expression: string): Promise<void> {
  try {
    await session.describe(`SELECT (${expression}\n) AS ${FIX_PREFIX}check FROM ${COLUMNS}`);
  } catch (error) {
    throw isSqlMistake(error) ? fixFailed(column, error) : error;
  }
}

/** Errors of the SQL itself (parse, bind, cast, refused by the guard), not of the engine. */
function isSqlMistake(error: unknown): boolean {
  return error instanceof AssayError && error.code.startsWith('SQL_');
}

/**
 * Runs `work`; when it fails on the data (a cast that does not hold for some row), finds the column whose
 * expression fails by evaluating each one alone, so the error names it.
 */
async function failingColumn<T>(
  session: EngineSession,
  entries: ReadonlyArray<readonly [string, string]>,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isSqlMistake(error)) throw error;
    for (const [column, expression] of entries) {
      try {
        await rowsOf(session, `SELECT count((${expression}\n)) AS n FROM ${COLUMNS}`);
      } catch (alone) {
        if (isSqlMistake(alone)) throw fixFailed(column, alone);
        throw alone;
      }
    }
    throw fixFailed(entries[0]![0], error);
  }
}

async function sampleOf(
  session: EngineSession,
  values: ReadonlyArray<readonly [string, string]>,
  changed: string,
  size: number,
): Promise<FixSampleRow[]> {
  const before = values.map(([key]) => `${literal(key)}, json_extract(${FIX_RAW}, ${pointerSql(literal(key))})`);
  const after = values.map(([key, name]) => `${literal(key)}, coalesce(to_json(${name}), 'null'::JSON)`);
  const rows = await rowsOf(
    session,
    `SELECT ${FIX_ID}, CAST(json_object(${before.join(', ')}) AS VARCHAR) AS before, ` +
      `CAST(json_object(${after.join(', ')}) AS VARCHAR) AS after FROM ${AFTER} WHERE ${changed} ` +
      `ORDER BY ${FIX_ID} LIMIT ${size}`,
  );
  return rows.map((row) => ({
    quarantineId: String(row[FIX_ID]),
    before: JSON.parse(String(row.before)) as Record<string, unknown>,
    after: JSON.parse(String(row.after)) as Record<string, unknown>,
  }));
}

function fixFailed(column: string, error: unknown): InputError {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new InputError(`The fix for column "${column}" cannot be applied: ${message}`, {
    code: 'QUARANTINE_FIX_INVALID',
    details: { column },
    cause: error,
  });
}
