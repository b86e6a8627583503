import { UserError } from '@assay/sdk';
import { duckdbType } from '../lake/delta/delta-schema.ts';
import type { DeltaSnapshot } from '../lake/delta/snapshot.ts';
import type { LakeTable } from '../lake/lake-service.ts';
import type { IngestOptions, IngestRequest } from './ingest-request.ts';
import type { IngestSession } from './ingest-session.ts';
import type { LoadCounts } from './load-records.ts';
import type { StagedSegment } from './segment-stager.ts';

/** Writes a segment: appended, or merged on the dedupe keys once the table exists. */
export async function commitSegment(
  table: LakeTable,
  segment: StagedSegment | undefined,
  snapshot: DeltaSnapshot | undefined,
  context: {
    txn: { appId: string; version: number };
    dedupeKeys: readonly string[] | undefined;
    loadId: string;
    request: IngestRequest;
    stageDir: string;
    session: IngestSession;
  },
): Promise<{ version: number; rowsWritten: number; rowsUpdated: number } | undefined> {
  const { txn, request } = context;
  const provenance = {
    ...(request.runId === undefined ? {} : { runId: request.runId }),
    ...(request.actor === undefined ? {} : { user: request.actor }),
  };
  if (segment === undefined) {
    // Nothing to write, but the state moved: an empty commit records the txn, when there is a table to hold it.
    if (snapshot === undefined) return undefined;
    const result = await table.write({
      mode: 'append',
      staged: [],
      columns: columnsOf(snapshot),
      txn,
      provenance: {
        operation: 'WRITE',
        operationParameters: { mode: 'Append', loadId: context.loadId },
        ...provenance,
      },
    });
    return { version: result.version, rowsWritten: 0, rowsUpdated: 0 };
  }
  const write = {
    staged: segment.files,
    columns: segment.columns,
    ...(snapshot === undefined && segment.partitionColumns.length > 0
      ? { partitionColumns: segment.partitionColumns }
      : {}),
  };
  if (context.dedupeKeys === undefined || snapshot === undefined) {
    const result = await table.write({
      mode: 'append',
      ...write,
      txn,
      provenance: {
        operation: 'WRITE',
        operationParameters: { mode: 'Append', loadId: context.loadId },
        ...provenance,
      },
    });
    return { version: result.version, rowsWritten: result.rowsAdded, rowsUpdated: 0 };
  }
  const known = new Set(snapshot.schema.fields.map((f) => f.name));
  if (segment.columns.some((c) => !known.has(c.name))) {
    // A merge writes only the table's columns: add the new ones first with an empty append.
    await table.write({
      mode: 'append',
      staged: [],
      columns: segment.columns,
      provenance: {
        operation: 'WRITE',
        operationParameters: { mode: 'Append', reason: 'schema evolution' },
        ...provenance,
      },
    });
  }
  const files = segment.files.map((f) => f.localPath);
  const result = await table.merge({
    source: {
      sql: `SELECT * FROM read_parquet([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}], hive_partitioning = false, union_by_name = true)`,
    },
    keys: context.dedupeKeys,
    whenMatched: 'update',
    whenNotMatchedInsert: true,
    txn,
    ...(request.runId === undefined ? {} : { runId: request.runId }),
    ...(request.actor === undefined ? {} : { user: request.actor }),
  });
  return {
    version: result.version,
    rowsWritten: (result.metrics.numInsertedRows ?? 0) + (result.metrics.numUpdatedRows ?? 0),
    rowsUpdated: result.metrics.numUpdatedRows ?? 0,
  };
}

export async function assertBadRowsWithin(
  options: IngestOptions,
  counts: LoadCounts,
  session: IngestSession,
): Promise<void> {
  const limits = options.badRows;
  if (limits === undefined || counts.rowsQuarantined === 0) return;
  const percent = counts.rowsRead === 0 ? 0 : (counts.rowsQuarantined / counts.rowsRead) * 100;
  const overCount = limits.maxCount !== undefined && counts.rowsQuarantined > limits.maxCount;
  const overPercent = limits.maxPercent !== undefined && percent > limits.maxPercent;
  if (!overCount && !overPercent) return;
  const sample = (
    await session.connection.runAndReadAll(
      'SELECT _source, line, reason FROM ingest_rejects ORDER BY _source, line LIMIT 5',
    )
  ).getRowObjectsJson();
  throw new UserError(
    `${counts.rowsQuarantined} of ${counts.rowsRead} rows (${percent.toFixed(2)} %) could not be loaded, more than ` +
      `badRows allows (${limits.maxCount === undefined ? '' : `maxCount ${limits.maxCount}`}` +
      `${limits.maxCount !== undefined && limits.maxPercent !== undefined ? ', ' : ''}` +
      `${limits.maxPercent === undefined ? '' : `maxPercent ${limits.maxPercent}`}); nothing of this segment was ` +
      `committed. First reasons: ${sample.map((r) => `${String(r._source)}:${String(r.line)} ${String(r.reason)}`).join('; ')}`,
    {
      code: 'INGEST_TOO_MANY_BAD_ROWS',
      details: { rowsRead: counts.rowsRead, rowsRejected: counts.rowsQuarantined, sample },
    },
  );
}

/** The table's columns as DuckDB types. */
export function columnsOf(snapshot: DeltaSnapshot): Array<{ name: string; type: string }> {
  return snapshot.schema.fields.map((field) => ({ name: field.name, type: duckdbType(field.type) }));
}
