// Time to open the latest snapshot of a table with 1,000 commits (one small append each, a checkpoint every 10
// through the checkpoint writer), against a baseline of the same load with the checkpoints removed: a full replay of
// 1,000 JSON commits. Commits go through the real commit loop with real Parquet data files (one uploaded copy per
// commit, statistics included); only DuckDB staging is skipped, since it would dominate the set-up time.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSnapshot } from '../core/src/lake/delta/snapshot.ts';
import { checkpointAfterCommit } from '../core/src/lake/delta-write/checkpoint-writer.ts';
import { commitWithRetry } from '../core/src/lake/delta-write/commit-loop.ts';
import { ASSAY_PROTOCOL } from '../core/src/lake/delta-write/log-actions.ts';
import { deltaSchemaOf } from '../core/src/lake/delta-write/schema-from-duckdb.ts';
import { uploadStagedFiles } from '../core/src/lake/delta-write/staged-files.ts';
import { metadataForWrite } from '../core/src/lake/delta-write/table-metadata.ts';
import { createTestLake } from '../core/src/lake/delta-write/test-lake.ts';
import { printFigure } from './bench-figure.ts';

const COMMITS = 1000;
const RUNS = 10;
const TABLE = 'bench/events';

const lake = await createTestLake();
try {
  const { storage, connection } = lake;
  const staged = join(lake.dir, 'staging', 'rows.parquet');
  const select = `SELECT range::BIGINT AS id, 'event ' || range AS name FROM range(10)`;
  await connection.run(`COPY (${select}) TO '${staged}' (FORMAT parquet)`);
  const columns = (await connection.runAndReadAll(`DESCRIBE ${select}`))
    .getRowObjectsJson()
    .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  const schema = deltaSchemaOf(columns);
  const afterCommit = checkpointAfterCommit(storage, TABLE, connection);
  const setUp = performance.now();
  for (let commit = 0; commit < COMMITS; commit++) {
    const adds = await uploadStagedFiles(
      storage,
      `${TABLE}/`,
      [{ localPath: staged, partitionValues: {} }],
      [],
      connection,
    );
    await commitWithRetry(
      storage,
      TABLE,
      connection,
      (snapshot) => {
        const metaData = metadataForWrite(
          snapshot,
          schema,
          undefined,
          { mode: 'append', overwriteSchema: false },
          TABLE,
        );
        return {
          provenance: { operation: 'WRITE', operationParameters: { mode: 'Append' } },
          ...(snapshot === undefined ? { protocol: ASSAY_PROTOCOL } : {}),
          ...(metaData === undefined ? {} : { metaData }),
          adds,
        };
      },
      { afterCommit, txn: { appId: 'bench', version: commit } },
    );
  }
  console.error(`snapshot-open: wrote ${COMMITS} commits in ${Math.round(performance.now() - setUp)} ms`);

  const median = async (): Promise<{ ms: number; files: number; version: number }> => {
    const times: number[] = [];
    let opened = await loadSnapshot(storage, { tablePath: TABLE, connection });
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      opened = await loadSnapshot(storage, { tablePath: TABLE, connection });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return {
      ms: (times[(RUNS - 1) >> 1]! + times[RUNS >> 1]!) / 2,
      files: opened.files.length,
      version: opened.version,
    };
  };
  const withCheckpoints = await median();
  const log = join(lake.dir, 'lake', TABLE, '_delta_log');
  for (const name of await readdir(log)) {
    if (name.includes('checkpoint')) await rm(join(log, name));
  }
  const replay = await median();
  if (withCheckpoints.files !== COMMITS || replay.files !== COMMITS || replay.version !== COMMITS - 1) {
    throw new Error(`snapshots disagree: ${JSON.stringify({ withCheckpoints, replay })}`);
  }
  printFigure({
    bench: 'snapshot-open',
    metric: 'open_latest_1000_commits_median',
    value: withCheckpoints.ms,
    unit: 'ms',
    baseline: replay.ms,
  });
} finally {
  await lake.close();
}
