import { AssayError, UserError } from '@assay/sdk';
import type { DataItem } from './item-relation.ts';

/** What a reader error means to a user, by the message DuckDB or zlib gave. */
const KNOWN: ReadonlyArray<{ pattern: RegExp; code: string; explain: (match: RegExpExecArray) => string }> = [
  {
    pattern: /Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+)/,
    code: 'INGEST_LINE_TOO_LONG',
    explain: (m) =>
      `a line is ${m[2]} bytes long, more than the limit of ${m[1]} bytes: check its delimiter and newline, or ` +
      "raise the stream's csv.maxLineSize for a CSV file that really has such rows",
  },
  {
    pattern: /not possible to automatically detect the CSV parsing dialect/,
    code: 'INGEST_CSV_DIALECT_UNKNOWN',
    explain: () =>
      "DuckDB could not make out its delimiter, quote and header: set the stream's csv.delimiter, csv.quote and " +
      'csv.header (and csv.encoding if it is not UTF-8)',
  },
  {
    pattern: /Invalid unicode|not utf-8 encoded/i,
    code: 'INGEST_ENCODING_INVALID',
    explain: () => "the file is not valid UTF-8: set the stream's csv.encoding (latin-1, utf-16)",
  },
  {
    pattern: /gzip|zlib|zstd|unexpected end of file|incorrect header check|invalid (block|stored) |compressed data/i,
    code: 'INGEST_FILE_CORRUPT',
    explain: (m) => `the compressed file is damaged or truncated (${m.input.split('\n')[0]})`,
  },
  {
    pattern: /Malformed JSON|JSON (parse|transform)|unexpected character|Expected (object|array)/i,
    code: 'INGEST_JSON_INVALID',
    explain: (m) => `it is not valid JSON (${m.input.split('\n')[0]})`,
  },
  {
    pattern: /No files found|No such file|cannot open file/i,
    code: 'INGEST_FILE_MISSING',
    explain: () => 'the file disappeared before it could be read',
  },
  {
    pattern: /No magic bytes|not a parquet file|Invalid Parquet|parquet/i,
    code: 'INGEST_FILE_CORRUPT',
    explain: (m) => `it is not a readable Parquet file (${m.input.split('\n')[0]})`,
  },
];

/** A reader failure as a UserError naming the source; AssayErrors pass through unchanged. */
export function readFailure(item: DataItem, error: unknown): AssayError {
  if (error instanceof AssayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // DuckDB's messages continue with hints and settings that would match the wrong patterns.
  const headline = message.split('\n').slice(0, 3).join('\n');
  const source = item.kind === 'file' ? item.source : (item.source ?? 'a record batch');
  for (const known of KNOWN) {
    const match = known.pattern.exec(headline);
    if (match !== null) {
      return new UserError(`Cannot read ${source}: ${known.explain(match)}`, {
        code: known.code,
        details: { source },
        cause: error,
      });
    }
  }
  return new UserError(`Cannot read ${source}: ${message.split('\n')[0]}`, {
    code: 'INGEST_READ_FAILED',
    details: { source },
    cause: error,
  });
}
