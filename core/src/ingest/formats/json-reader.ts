import { UserError, type DiscoveredColumn, type FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { castRelation } from './cast-relation.ts';
import { compressionOf, verifyCompressed } from './compressed-integrity.ts';
import { DEFAULT_MAX_LINE_SIZE } from './csv-dialect.ts';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { literal, uniqueName } from './sql-names.ts';

/** A record is a JSON object; `json_type` fails on invalid JSON, so validity is checked first. */
const VALID = `CASE WHEN json_valid(raw) THEN json_type(raw) = 'OBJECT' ELSE false END`;

/** How many records the schema of a JSON file is inferred from. */
const SAMPLE_RECORDS = 20_000;

/**
 * The records of a JSON file as one JSON text per row, in source order (a row's `rowid + 1` is its line or record
 * number): NDJSON line by line (read as text, so a malformed line is one bad row, not a failed file; blank lines keep
 * their number but are no records), a JSON document as the elements of its top-level array or as one object.
 */
async function loadRecords(connection: DuckDBConnection, item: FileItem, table: string): Promise<void> {
  // The JSON readers spell "none" as "uncompressed".
  const compression = literal(compressionOf(item) === 'none' ? 'uncompressed' : compressionOf(item));
  const recordPath = item.options?.json?.recordPath;
  const path =
    recordPath === undefined || recordPath === '' || recordPath === '$'
      ? undefined
      : literal(`$.${recordPath.replace(/^\$\.?/, '')}`);
  const create = (select: string) =>
    connection.run(
      `CREATE TEMP TABLE ${table} AS SELECT raw, ${VALID} AS valid, coalesce(trim(raw), '') = '' AS blank ` +
        `FROM (${select})`,
    );
  if (item.format === 'ndjson') {
    // No delimiter and no quote: each line is one value, whatever it holds.
    const lines =
      `SELECT raw FROM read_csv(${literal(item.path)}, columns = {'raw': 'VARCHAR'}, header = false, delim = '', ` +
      `quote = '', escape = '', auto_detect = false, compression = ${compression}, ` +
      `max_line_size = ${DEFAULT_MAX_LINE_SIZE}, buffer_size = ${DEFAULT_MAX_LINE_SIZE * 2})`;
    // With a record path every line is a document holding an array of records (API pages, one per line).
    await create(
      path === undefined
        ? lines
        : `SELECT unnest(CAST(json_extract(raw, ${path}) AS JSON[]))::VARCHAR AS raw FROM (${lines}) WHERE json_valid(raw)`,
    );
    return;
  }
  const documents =
    `read_json_objects(${literal(item.path)}, format = 'auto', compression = ${compression}, ` +
    'maximum_object_size = 268435456)';
  if (path !== undefined) {
    const found = await connection.runAndReadAll(
      `SELECT count(*) FILTER (WHERE json_type(json_extract(json, ${path})) IS DISTINCT FROM 'ARRAY') FROM ${documents}`,
    );
    if (Number(found.getRows()[0]?.[0] ?? 0) > 0) {
      throw new UserError(`Cannot read ${item.source}: "${recordPath}" is not an array of records in it`, {
        code: 'INGEST_JSON_INVALID',
        details: { source: item.source, recordPath },
      });
    }
    await create(`SELECT unnest(CAST(json_extract(json, ${path}) AS JSON[]))::VARCHAR AS raw FROM ${documents}`);
    return;
  }
  const kind = await connection.runAndReadAll(`SELECT json_type(json) AS kind FROM ${documents} LIMIT 1`);
  const [first] = kind.getRowObjectsJson();
  if (first !== undefined && first.kind !== 'OBJECT') {
    throw new UserError(
      `Cannot read ${item.source}: it is JSON but not an array of objects or one object (found ${String(first.kind)}); ` +
        'use format ndjson for one object per line',
      { code: 'INGEST_JSON_INVALID', details: { source: item.source } },
    );
  }
  // An array that mixes objects with other values keeps its objects; the other elements are rejected.
  await create(`SELECT json::VARCHAR AS raw FROM ${documents}`);
}

/** The records of a loaded table with their line (NDJSON) or record (JSON) number, blank lines left out. */
function recordsOf(table: string): string {
  return `(SELECT rowid + 1 AS line, raw, valid FROM ${table} WHERE NOT blank)`;
}

/** Columns inferred from the records: the union of their keys in first-seen order, typed from their values. */
export async function describeJson(connection: DuckDBConnection, item: FileItem): Promise<DiscoveredColumn[]> {
  if (item.columns !== undefined) return [...item.columns];
  const table = uniqueName('json_describe');
  await loadRecords(connection, item, table);
  try {
    const reader = await connection.runAndReadAll(
      `SELECT json_group_structure(raw::JSON)::VARCHAR AS s FROM (SELECT raw FROM ${table} ` +
        `WHERE valid ORDER BY rowid LIMIT ${SAMPLE_RECORDS})`,
    );
    const structure = reader.getRows()[0]?.[0];
    if (typeof structure !== 'string') return [];
    return Object.entries(JSON.parse(structure) as Record<string, unknown>).map(([name, type]) => ({
      name,
      type: typeof type === 'string' ? duckType(type) : 'JSON',
      nullable: true,
    }));
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** Records into the target columns; invalid JSON and non-object lines and values that do not cast are rejected. */
export async function openJson(
  connection: DuckDBConnection,
  item: FileItem,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  await verifyCompressed(item);
  const table = uniqueName('json_records');
  await loadRecords(connection, item, table);
  return castRelation(
    connection,
    item.source,
    {
      from: recordsOf(table),
      value: (column) => `CASE WHEN src.valid THEN json_extract_string(src.raw, ${literal(jsonPath(column))}) END`,
      rawRow: 'src.raw',
      line: 'src.line',
      invalid: {
        condition: 'NOT src.valid',
        errorType: 'INVALID_JSON',
        reason:
          item.format === 'ndjson'
            ? 'the line is not a JSON object (malformed JSON or another JSON value)'
            : 'the record is not a JSON object',
      },
    },
    columns,
    async () => {
      await connection.run(`DROP TABLE IF EXISTS ${table}`);
    },
  );
}

/** `$."key"`: a JSON path naming one top-level key exactly. */
function jsonPath(key: string): string {
  return `$."${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The DuckDB type of a key from its JSON structure type (`UBIGINT`, `DOUBLE`, `VARCHAR`, `NULL`, …); nested
 * objects and arrays (a structure, not a type name) are `JSON`. */
function duckType(structure: string): string {
  switch (structure) {
    case 'UBIGINT':
    case 'BIGINT':
      return 'BIGINT';
    case 'DOUBLE':
      return 'DOUBLE';
    case 'BOOLEAN':
      return 'BOOLEAN';
    default:
      // Strings, nulls, and keys whose values disagree in type (`JSON`): text keeps every value.
      return 'VARCHAR';
  }
}
