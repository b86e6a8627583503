import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '@assay/sdk';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { datasetViewSql, literal, quote, type DatasetView } from './dataset-view.ts';
import { engineError, type InterruptReason } from './engine-errors.ts';
import { assertReadOnlyQuery } from './sql-guard.ts';

/** Limits and contents of one session. */
export interface SessionOptions {
  readonly views: readonly DatasetView[];
  /** DuckDB memory limit, e.g. `1GB`. */
  readonly memoryLimit: string;
  readonly threads: number;
  /** Per-statement time limit. */
  readonly timeoutMs?: number;
  /** Aborting interrupts the running statement and fails it with `QUERY_CANCELLED`. */
  readonly signal?: AbortSignal;
  /** A directory owned by this session: spill files and `copyToParquet` outputs. Removed on close. */
  readonly scratchDirectory: string;
}

/** A column of a query's result as DuckDB reports it. */
export interface SessionColumn {
  readonly name: string;
  /** DuckDB type, e.g. `BIGINT`, `DECIMAL(18,2)`. */
  readonly type: string;
}

/** How {@link EngineSession.copyToParquet} lays out its output. */
export interface ParquetCopyOptions {
  /**
   * Partition columns: the output is a directory of `column=value/…/*.parquet` files (the partition columns not
   * stored in them, as Delta expects) instead of one file.
   */
  readonly partitionBy?: readonly string[];
}

/** A sandboxed DuckDB session over a set of dataset views. */
export interface EngineSession {
  /** Runs user SQL (checked first) and yields rows in chunks of about 2,048 as JSON-safe objects. */
  stream(sql: string): AsyncIterable<Record<string, unknown>[]>;
  /** The columns user SQL (checked first) returns, in order, without running it. */
  describe(sql: string): Promise<SessionColumn[]>;
  /**
   * Runs user SQL (checked first) and writes its result as Parquet in the scratch directory: the file `fileName`,
   * or with `partitionBy` the directory `fileName` without its `.parquet` extension.
   */
  copyToParquet(sql: string, fileName: string, options?: ParquetCopyOptions): Promise<{ path: string; rows: number }>;
  /**
   * Core only: names a query (checked like user SQL) as a view later SQL may read, e.g. rows staged for checks. The
   * name is `schema.name` like a dataset's, and must not be one already.
   */
  createView(name: string, sql: string): Promise<void>;
  /**
   * Core only: a view over what this session wrote with {@link copyToParquet}: a file, or with `partitions` (the
   * partition columns and their types) a directory of `column=value/` folders.
   */
  createFileView(
    name: string,
    path: string,
    options?: { partitions?: ReadonlyArray<{ name: string; type: string }> },
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a session on its own in-memory DuckDB instance: the sandbox settings are instance-wide, so sharing one
 * instance would give every job the union of all jobs' files. An instance costs ~15 ms to create. The sandbox is
 * applied in the only safe order: allowed paths → external access off → configuration locked.
 */
export async function openSession(options: SessionOptions): Promise<EngineSession> {
  const scratch = resolve(options.scratchDirectory);
  await mkdir(scratch, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit,
    threads: String(options.threads),
    temp_directory: join(scratch, 'spill'),
  });
  const connection = await instance.connect();
  const relations = new Set(options.views.map((view) => view.name));
  const files = [...new Set(options.views.flatMap((view) => view.files.map((file) => resolve(file))))];
  try {
    await connection.run(`SET allowed_paths = [${files.map(literal).join(', ')}]`);
    await connection.run(`SET allowed_directories = [${literal(`${scratch}/`)}]`);
    await connection.run('SET enable_external_access = false');
    await connection.run('SET lock_configuration = true');
    for (const view of options.views) for (const statement of datasetViewSql(view)) await connection.run(statement);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
    throw engineError(error, undefined);
  }

  const defineView = async (name: string, sql: string): Promise<void> => {
    if (relations.has(name)) {
      throw new InputError(`The session already has a relation ${name}`, { code: 'DATASET_NAME_INVALID' });
    }
    try {
      for (const statement of datasetViewSql({ name, source: sql, files: [] })) await connection.run(statement);
    } catch (error) {
      throw engineError(error, undefined);
    }
    relations.add(name);
  };

  const guarded = async <T>(sql: string, work: () => Promise<T>): Promise<T> => {
    await assertReadOnlyQuery(connection, sql, relations);
    return interruptible(connection, options, work);
  };

  return {
    async *stream(sql) {
      const result = await guarded(sql, () => connection.stream(sql));
      const chunks = result.yieldRowObjectJson();
      for (;;) {
        const next = await interruptible(connection, options, () => chunks.next());
        if (next.done === true) return;
        yield next.value;
      }
    },
    async describe(sql) {
      const reader = await guarded(sql, () => connection.runAndReadAll(`DESCRIBE ${sql}`));
      return reader
        .getRowObjectsJson()
        .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
    },
    async copyToParquet(sql, fileName, copyOptions = {}) {
      if (!/^[A-Za-z0-9._-]+\.parquet$/.test(fileName)) {
        throw new InputError(`Output file name "${fileName}" must be a plain *.parquet name`, {
          code: 'OUTPUT_INVALID',
        });
      }
      const partitionBy = copyOptions.partitionBy ?? [];
      const path = join(scratch, partitionBy.length === 0 ? fileName : fileName.replace(/\.parquet$/, ''));
      const partitioning = partitionBy.length === 0 ? '' : `, PARTITION_BY (${partitionBy.map(quote).join(', ')})`;
      // A newline before the closing parenthesis, so a trailing line comment in the SQL cannot swallow it.
      const result = await guarded(sql, () =>
        connection.run(`COPY (${sql}\n) TO ${literal(path)} (FORMAT parquet, COMPRESSION zstd${partitioning})`),
      );
      return { path, rows: result.rowsChanged };
    },
    async createView(name, sql) {
      await guarded(sql, async () => undefined);
      await defineView(name, sql);
    },
    async createFileView(name, path, viewOptions = {}) {
      const file = resolve(path);
      if (!file.startsWith(`${scratch}/`)) {
        throw new InputError(`${path} is not a file of this session`, { code: 'OUTPUT_INVALID' });
      }
      const partitions = viewOptions.partitions ?? [];
      const types = partitions.map((p) => `${literal(p.name)}: ${literal(p.type)}`).join(', ');
      await defineView(
        name,
        partitions.length === 0
          ? `SELECT * FROM read_parquet(${literal(file)})`
          : `SELECT * FROM read_parquet(${literal(`${file}/**/*.parquet`)}, hive_partitioning = true, hive_types = {${types}})`,
      );
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** Runs `work`, interrupting the connection on timeout or abort and reporting which one happened. */
async function interruptible<T>(
  connection: DuckDBConnection,
  options: Pick<SessionOptions, 'timeoutMs' | 'signal'>,
  work: () => Promise<T>,
): Promise<T> {
  let reason: InterruptReason;
  const interrupt = (why: InterruptReason) => {
    reason ??= why;
    connection.interrupt();
  };
  if (options.signal?.aborted === true) throw engineError(new Error('aborted'), 'cancelled');
  const onAbort = () => interrupt('cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => interrupt('timeout'), options.timeoutMs);
  try {
    return await work();
  } catch (error) {
    throw engineError(error, reason, options.timeoutMs);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
