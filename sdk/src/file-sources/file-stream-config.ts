import type { FileFormat, FileReadOptions } from '../connector.ts';
import { UserError } from '../errors.ts';
import { Type, type Static } from '../schema.ts';

const Format = Type.Union(
  [Type.Literal('csv'), Type.Literal('json'), Type.Literal('ndjson'), Type.Literal('parquet'), Type.Literal('xlsx')],
  {
    description:
      'File format; inferred from the extension (.csv, .tsv, .json, .ndjson/.jsonl, .parquet, .xlsx) when unset',
  },
);

const Csv = Type.Object(
  {
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    quote: Type.Optional(Type.String({ maxLength: 1 })),
    escape: Type.Optional(Type.String({ maxLength: 1 })),
    header: Type.Optional(Type.Boolean()),
    encoding: Type.Optional(Type.Union([Type.Literal('utf-8'), Type.Literal('latin-1'), Type.Literal('utf-16')])),
    skipRows: Type.Optional(Type.Integer({ minimum: 0 })),
    nullString: Type.Optional(Type.String()),
    maxLineSize: Type.Optional(
      Type.Integer({ minimum: 1024, maximum: 536_870_912, description: 'Longest line in bytes (default 16 MiB)' }),
    ),
  },
  { additionalProperties: false, description: 'CSV parsing; unset fields are detected by the sniffer' },
);

const Xlsx = Type.Object(
  {
    sheet: Type.Optional(Type.String({ minLength: 1 })),
    headerRow: Type.Optional(Type.Integer({ minimum: 1 })),
    range: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,3}[0-9]+:[A-Za-z]{1,3}[0-9]+$' })),
  },
  { additionalProperties: false, description: 'Which part of the workbook holds the table' },
);

/**
 * Per-stream settings of a file-based connector (local directories, buckets): which files, as a glob relative to
 * the connection's root or prefix, and how to read them.
 */
export const FileStreamConfig = Type.Object(
  {
    glob: Type.String({
      minLength: 1,
      description: 'Files to read, relative to the root or prefix, e.g. `sales/*.csv.gz` or `**/*.parquet`',
    }),
    format: Type.Optional(Format),
    csv: Type.Optional(Csv),
    xlsx: Type.Optional(Xlsx),
    compression: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('none'), Type.Literal('gzip'), Type.Literal('zstd')], {
        default: 'auto',
        description: '`auto` goes by the file name (.gz, .zst)',
      }),
    ),
  },
  { additionalProperties: false },
);

export type FileStreamSettings = Static<typeof FileStreamConfig>;

const COMPRESSION_SUFFIX = /\.(gz|gzip|zst|zstd)$/i;
const FORMAT_BY_EXTENSION: Readonly<Record<string, FileFormat>> = {
  csv: 'csv',
  tsv: 'csv',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  parquet: 'parquet',
  pq: 'parquet',
  xlsx: 'xlsx',
};

/** The extension a file is grouped by in discovery: `csv`, `csv.gz`, `parquet` ('' when it has none). */
export function fileExtension(name: string): string {
  const compression = COMPRESSION_SUFFIX.exec(name)?.[0] ?? '';
  const base = name.slice(0, name.length - compression.length);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return '';
  return `${base.slice(dot + 1)}${compression}`.toLowerCase();
}

/** The format a file name implies, or undefined for an extension no reader knows. */
export function formatOfName(name: string): FileFormat | undefined {
  const extension = fileExtension(name).replace(COMPRESSION_SUFFIX, '');
  return FORMAT_BY_EXTENSION[extension];
}

/**
 * The format to read `name` with: the configured one, or the one its extension implies.
 *
 * @throws UserError `FILE_FORMAT_UNKNOWN` when neither says.
 */
export function formatFor(name: string, settings: FileStreamSettings, where: string): FileFormat {
  const format = settings.format ?? formatOfName(name);
  if (format === undefined) {
    throw new UserError(
      `Cannot tell the format of ${where} from its extension: set the stream's "format" ` +
        `(csv, json, ndjson, parquet, xlsx) or narrow the glob "${settings.glob}"`,
      { code: 'FILE_FORMAT_UNKNOWN', details: { file: where, glob: settings.glob } },
    );
  }
  return format;
}

/** The reader options of a file item: CSV options for CSV, sheet options for Excel, compression for both. */
export function readOptionsFor(format: FileFormat, settings: FileStreamSettings): FileReadOptions {
  return {
    ...(format === 'csv' && settings.csv !== undefined ? { csv: settings.csv } : {}),
    ...(format === 'xlsx' && settings.xlsx !== undefined ? { xlsx: settings.xlsx } : {}),
    ...(settings.compression !== undefined && settings.compression !== 'auto'
      ? { compression: settings.compression }
      : {}),
  };
}
