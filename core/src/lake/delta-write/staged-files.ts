import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InputError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddAction } from '../delta/delta-actions.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { readFileStats } from './file-stats.ts';

/** A Parquet file written locally (by DuckDB `COPY`), ready to become part of a table. */
export interface StagedFile {
  readonly localPath: string;
  /** Partition values serialized as Delta stores them (`null` for a null value). */
  readonly partitionValues: Readonly<Record<string, string | null>>;
}

const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';
const UPLOAD_PARALLELISM = 4;

/**
 * The files of a DuckDB `COPY … (FORMAT parquet, PARTITION_BY (…))` output directory (or a single file), with the
 * partition values read back from the `column=value` directories DuckDB wrote (URL-encoded, nulls as Hive's
 * default-partition marker). Partition directories must appear in `partitionColumns` order.
 */
export async function stagedFilesIn(output: string, partitionColumns: readonly string[]): Promise<StagedFile[]> {
  if ((await stat(output)).isFile()) return [{ localPath: output, partitionValues: {} }];
  const files: StagedFile[] = [];
  for (const entry of await readdir(output, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.parquet')) continue;
    const localPath = join(entry.parentPath, entry.name);
    const segments = relative(output, entry.parentPath)
      .split(sep)
      .filter((s) => s !== '');
    const partitionValues: Record<string, string | null> = {};
    segments.forEach((segment, index) => {
      const [column = '', ...rest] = segment.split('=');
      if (column !== partitionColumns[index] || rest.length === 0) {
        throw new InputError(
          `Staged file ${localPath} is not under ${partitionColumns.join('/')} partition directories`,
          {
            code: 'DELTA_STAGING_INVALID',
          },
        );
      }
      const raw = rest.join('=');
      partitionValues[column] = raw === HIVE_NULL ? null : decodeURIComponent(raw);
    });
    if (segments.length !== partitionColumns.length) {
      throw new InputError(`Staged file ${localPath} lacks partition directories for ${partitionColumns.join(', ')}`, {
        code: 'DELTA_STAGING_INVALID',
      });
    }
    files.push({ localPath, partitionValues });
  }
  return files.sort((a, b) => (a.localPath < b.localPath ? -1 : 1));
}

/**
 * Uploads staged files into the table under unique names (`<col>=<value>/…/part-<n>-<uuid>.zstd.parquet`) and
 * returns their `add` actions with statistics. Files become visible to readers only when a commit adds them, so an
 * upload interrupted here leaves orphans that vacuum removes, never a half-written table.
 */
export async function uploadStagedFiles(
  storage: LakeStorage,
  tableRoot: string,
  files: readonly StagedFile[],
  partitionColumns: readonly string[],
  statsConnection: DuckDBConnection,
): Promise<AddAction[]> {
  const adds: AddAction[] = new Array<AddAction>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      const directories = partitionColumns.map(
        (column) => `${column}=${hiveEscape(file.partitionValues[column] ?? null)}`,
      );
      const name = `part-${String(index).padStart(5, '0')}-${randomUUID()}.zstd.parquet`;
      const physical = [...directories, name].join('/');
      const stats = await readFileStats(statsConnection, file.localPath);
      const { size } = await stat(file.localPath);
      await storage.writeFromFile(joinKey(tableRoot, physical), file.localPath);
      adds[index] = {
        path: physical.split('/').map(encodeURIComponent).join('/'),
        partitionValues: Object.fromEntries(partitionColumns.map((c) => [c, file.partitionValues[c] ?? null])),
        size,
        modificationTime: Date.now(),
        dataChange: true,
        stats: stats.json,
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_PARALLELISM, files.length) }, worker));
  return adds;
}

const HIVE_UNSAFE = new Set('"#%\'*/:=?\\{}[]^');

/** Hive-style directory value: nulls as the default-partition marker, unsafe characters percent-encoded. */
function hiveEscape(value: string | null): string {
  if (value === null) return HIVE_NULL;
  return [...value]
    .map((c) => {
      const code = c.codePointAt(0)!;
      const unsafe = code < 0x20 || code === 0x7f || HIVE_UNSAFE.has(c);
      return unsafe ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
    })
    .join('');
}

function joinKey(root: string, path: string): string {
  return root === '' ? path : `${root.replace(/\/+$/, '')}/${path}`;
}

/** Rows the adds bring, from their statistics. */
export function rowsInAdds(adds: readonly AddAction[]): number {
  return adds.reduce(
    (sum, add) => sum + ((JSON.parse(add.stats ?? '{}') as { numRecords?: number }).numRecords ?? 0),
    0,
  );
}
