import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../delta/add-file.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import { fileRowsSql } from './file-rows-sql.ts';
import { matchCounts } from './predicate-files.ts';
import { readableFiles } from './readable-files.ts';
import { stageSelect } from './stage-select.ts';
import type { StagedFile } from './staged-files.ts';

/** The files a copy-on-write change touches and their rewritten contents, staged. */
export interface StagedRewrite {
  /** Files holding at least one row that satisfies the predicate: they are replaced. */
  readonly affected: AddFile[];
  /** Rows that satisfy the predicate. */
  readonly matched: number;
  readonly staged: StagedFile[];
  /** Rows in the staged replacement files. */
  readonly rows: number;
}

/**
 * The step DELETE and UPDATE share: count the predicate's matches per candidate file, then stage the rows the
 * affected files should hold instead, as `rewrite(rowsOfAffectedFiles)` selects them. Nothing is staged when no
 * file matches.
 */
export async function stageRewriteOfMatches(
  connection: DuckDBConnection,
  snapshot: DeltaSnapshot,
  candidates: readonly AddFile[],
  predicate: string,
  rewrite: (affectedRowsSql: string) => string,
  scratch: string,
  context: string,
): Promise<StagedRewrite> {
  const locations = await readableFiles(snapshot, candidates, scratch);
  const counts = await matchCounts(connection, snapshot, candidates, locations, predicate, context);
  const affected = candidates.filter((file) => counts.has(file.path));
  const matched = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (affected.length === 0) return { affected, matched, staged: [], rows: 0 };
  const select = rewrite(fileRowsSql(snapshot, affected, locations));
  const { staged, rows } = await stageSelect(connection, select, snapshot.partitionColumns, scratch, context);
  return { affected, matched, staged, rows };
}
