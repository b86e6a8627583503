import type { Static, TObject } from 'typebox';
import type { Logger } from './logger.ts';
import { assertKebabId, assertObjectSchema, assertTitle, assertUiHints, assertVersion } from './definition-checks.ts';
import type { UiHints } from './schema.ts';

/** Where an operator usually sits in the medallion flow; the portal groups its palette by it. */
export type OperatorCategory = 'bronze' | 'silver' | 'gold' | 'quality' | 'utility';

/** Facts about the job run an operator executes in. */
export interface OperatorRunInfo {
  readonly runId: string;
  /** The job's id inside its pipeline (`sales_clean`). */
  readonly jobId: string;
  /** The pipeline's name. */
  readonly pipeline: string;
  readonly workspace: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** What started the run: `manual`, `api`, `schedule`, `pipeline`, `files` or `backfill`. */
  readonly trigger: string;
  /** The principal the run acts for (user or service account id), when a person or token started it. */
  readonly actor?: string | undefined;
}

/** A dataset the job reads, pinned at the version this run sees. */
export interface OperatorInput {
  /** `layer.name`; also the name of its view in {@link OperatorEngine}. */
  readonly dataset: string;
  readonly version: number;
}

/**
 * The date partition a job run computes, in a backfill. Its inputs' views hold only the rows of the partition (for
 * the inputs the job narrows), and the write replaces exactly the partition in the output, whatever its mode.
 */
export interface OperatorPartition {
  /** The output's partition column (a DATE). */
  readonly column: string;
  /** `2026-03-01` for a day, `2026-03` for a month. */
  readonly key: string;
  /** The first day of the partition, `YYYY-MM-DD`. */
  readonly start: string;
  /** The day after its last, `YYYY-MM-DD`: rows have `start <= column < end`. */
  readonly end: string;
}

/** A column as the engine reports it. */
export interface OperatorColumn {
  readonly name: string;
  /** DuckDB type, e.g. `BIGINT`, `DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE`. */
  readonly type: string;
}

/** What an input gained and lost between an earlier version and the version this run reads. */
export interface InputChanges {
  /** The earlier version. */
  readonly since: number;
  /** The version this run reads. */
  readonly version: number;
  /** A view (`changes.<layer>__<name>__added`) of the rows in data files added since `since`. */
  readonly added: string;
  /** A view (`changes.<layer>__<name>__removed`) of the rows in data files removed since `since`, as they were. */
  readonly removed: string;
}

/** SQL over the job's inputs: each input is a view named `<layer>.<name>` at its pinned version. */
export interface OperatorEngine {
  /**
   * The changes of an input since an earlier version of it (the one the job's state kept from its last run): views
   * of the rows in the data files added and removed since then. Files are compared, so a file a merge rewrote
   * counts whole on both sides: enough to find the periods or keys that changed. Undefined when there is nothing
   * to compare (`since` not older than the version read, or its files vacuumed away): recompute in full then.
   * Ask before the first query, write or describe (the views are fixed once the session opens):
   * `ENGINE_CHANGES_TOO_LATE` otherwise.
   */
  changes(dataset: string, since: number): Promise<InputChanges | undefined>;
  /**
   * Runs one read-only `SELECT`/`WITH` statement and returns at most `limit` rows (default 1,000) as JSON-safe
   * objects: for small results such as counts, bounds and samples, never for the data itself.
   */
  query(sql: string, options?: { limit?: number }): Promise<Record<string, unknown>[]>;
  /** The columns `sql` would return, after checking it is one read-only statement over the inputs. */
  describe(sql: string): Promise<OperatorColumn[]>;
}

/** How {@link OperatorOutput.write} lands rows in the output dataset. */
export interface OutputWriteRequest {
  /** A read-only `SELECT`/`WITH` over the inputs: the rows to write. It runs once, streamed to Parquet. */
  readonly sql: string;
  /**
   * `append`: add the rows. `overwrite`: replace the table. `overwrite_partitions`: replace the partitions present
   * in the rows. `merge`: upsert by `keys` (and delete where `deleteWhen` holds).
   */
  readonly mode: 'append' | 'overwrite' | 'overwrite_partitions' | 'merge';
  /** Merge key columns; required for `merge`. */
  readonly keys?: readonly string[];
  /** Merge: a predicate on the rows' columns; matching rows delete their key and are not inserted. */
  readonly deleteWhen?: string;
  /** Partition columns when the write creates the table; required for `overwrite_partitions` then. */
  readonly partitionBy?: readonly string[];
  /** Overwrite: take the rows' schema even where it changes column types or drops columns. */
  readonly replaceSchema?: boolean;
  /**
   * When the rows turn out empty and the table exists, commit nothing (no new version): for a merge or append
   * that found nothing to change. The result then has the table's version and `rowsWritten: 0`; a state set
   * before the write is saved when the job succeeds.
   */
  readonly skipWhenEmpty?: boolean;
}

/** What a write did. */
export interface OutputWriteResult {
  /** The Delta version the output is at after the write. */
  readonly version: number;
  readonly rowsWritten: number;
  readonly rowsUpdated: number;
  readonly rowsDeleted: number;
  /** True when this job run had already committed (a retry): nothing was written again. */
  readonly skipped: boolean;
}

/**
 * Rows an operator sets aside instead of writing them (a failed rule, a lookup without match): the SQL's columns are
 * the row as it was, plus `_rule` (VARCHAR, which rule rejected it: `cleanse.email.regex`) and `_reason` (VARCHAR,
 * why, for people), and optionally `_column` (the column at fault).
 */
export interface QuarantineRequest {
  /** A read-only `SELECT`/`WITH` over the job's views. */
  readonly sql: string;
}

/** What a quarantine did. */
export interface QuarantineResult {
  readonly rows: number;
  /** True when this job run had already quarantined them (a retry): nothing was added again. */
  readonly skipped: boolean;
}

/**
 * The dataset the job writes. Each job run writes at most once (a second call is `OUTPUT_ALREADY_WRITTEN`), with
 * the run's idempotency token: a retried attempt of a run that already committed writes nothing (`skipped`).
 * Against an existing table the rows keep its column types (lossless widenings are cast; otherwise
 * `OUTPUT_SCHEMA_MISMATCH`); append and overwrite add new columns, a merge refuses them.
 */
export interface OperatorOutput {
  /** `layer.name` */
  readonly dataset: string;
  /** The version before this job run; undefined when the table does not exist yet. */
  readonly version: number | undefined;
  /**
   * Its columns at that version; undefined when the table does not exist yet. While it exists, it is also a view
   * of the engine named like the dataset (`silver.customers`), at that version, unless it is an input too: what an
   * SCD2 or CDC merge compares its input with.
   */
  readonly columns: readonly OperatorColumn[] | undefined;
  write(request: OutputWriteRequest): Promise<OutputWriteResult>;
  /**
   * Appends rows to the dataset's quarantine table (`<layer>/_quarantine/<name>`: the row as JSON, rule, reason,
   * run id), once per job run and exactly once like `write`; a second call is `OUTPUT_ALREADY_QUARANTINED`.
   */
  quarantine(request: QuarantineRequest): Promise<QuarantineResult>;
}

/**
 * What an operator receives besides its config. Large data never becomes JS objects: express the work as SQL over
 * the input views and write it with `output.write`.
 */
export interface OperatorContext {
  readonly log: Logger;
  /** Aborted on cancellation or timeout: stop and throw. Running engine statements are interrupted. */
  readonly signal: AbortSignal;
  readonly run: OperatorRunInfo;
  readonly inputs: readonly OperatorInput[];
  readonly engine: OperatorEngine;
  /** Undefined when the job declares no output. */
  readonly output: OperatorOutput | undefined;
  /**
   * The job's state from its last successful run (watermarks, positions); undefined the first time. A value given
   * to `setState` before `output.write` is committed together with that write, otherwise when the job succeeds.
   */
  readonly state: unknown;
  setState(state: unknown): void;
  /** Reports progress for live views. */
  progress(done: number, total?: number): void;
  /**
   * The partition this job run computes, in a backfill (operators that declare `partitions` only); undefined for
   * a normal run. The job's state is not read or saved in a partition run: it belongs to the normal runs.
   */
  readonly partition?: OperatorPartition | undefined;
}

/** What `run` reports back. */
export interface OperatorResult {
  rowsRead?: number;
  rowsWritten?: number;
  rowsUpdated?: number;
  rowsDeleted?: number;
  rowsQuarantined?: number;
  metrics?: Record<string, number>;
}

/** The declaration {@link defineOperator} takes and returns. */
export interface OperatorDefinition<C extends TObject = TObject> {
  /** kebab-case, unique across installed plugins together with `version`. */
  readonly type: string;
  /** Published versions are immutable: a breaking change is a new version. */
  readonly version: number;
  readonly title: string;
  readonly description?: string;
  readonly category: OperatorCategory;
  /** The config's JSON Schema: API validation, the TS type, the portal form, YAML validation. */
  readonly config: C;
  readonly ui?: UiHints;
  /** How many input datasets the operator takes. */
  readonly inputs?: { min: number; max?: number };
  readonly output?: 'table' | 'none';
  /**
   * Declares that jobs of this operator can compute one date partition at a time: a backfill runs such a job once
   * per partition of its range, and its downstream partition jobs only for the days it recomputed. `unsupported` names why a particular config cannot (a merge
   * cannot replace a partition, say); undefined means it can.
   */
  readonly partitions?: { readonly unsupported?: (config: Static<C>) => string | undefined };
  run(ctx: OperatorContext, config: Static<C>): Promise<OperatorResult>;
}

/**
 * Declares an operator. Validates the declaration at once, so mistakes surface when the plugin loads.
 *
 * @example
 * ```ts
 * import { defineOperator, Type } from '@assay/sdk';
 * export const renameOperator = defineOperator({
 *   type: 'rename-columns',
 *   version: 1,
 *   title: 'Rename columns',
 *   category: 'silver',
 *   config: Type.Object({ columns: Type.Record(Type.String(), Type.String()) }),
 *   inputs: { min: 1, max: 1 },
 *   output: 'table',
 *   async run(ctx, config) {
 *     ctx.log.info({ columns: Object.keys(config.columns) }, 'renaming');
 *     return { rowsWritten: 0 };
 *   },
 * });
 * ```
 */
export function defineOperator<C extends TObject>(definition: OperatorDefinition<C>): OperatorDefinition<C> {
  const what = `Operator "${String(definition.type)}"`;
  assertKebabId('Operator type', definition.type);
  assertVersion(`${what} version`, definition.version);
  assertTitle(what, definition.title);
  assertObjectSchema(what, definition.config);
  assertUiHints(what, definition.config, definition.ui);
  if (definition.inputs !== undefined) {
    const { min, max } = definition.inputs;
    if (!Number.isInteger(min) || min < 0 || (max !== undefined && (!Number.isInteger(max) || max < min))) {
      throw new TypeError(`${what}: inputs must have an integer min >= 0 and max >= min`);
    }
  }
  if (definition.partitions !== undefined) {
    if (definition.output !== 'table') throw new TypeError(`${what}: partitions need output: 'table'`);
    const { unsupported } = definition.partitions;
    if (unsupported !== undefined && typeof unsupported !== 'function') {
      throw new TypeError(`${what}: partitions.unsupported must be a function`);
    }
  }
  if (typeof definition.run !== 'function') throw new TypeError(`${what}: run must be a function`);
  return Object.freeze({ ...definition });
}
