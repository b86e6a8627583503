import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { UserError } from '@assay/sdk';
import type { FileItem } from '@assay/sdk';

/** The compression a file item is read with: its option, else its name. */
export function compressionOf(item: FileItem): 'none' | 'gzip' | 'zstd' {
  const option = item.options?.compression ?? 'auto';
  if (option !== 'auto') return option;
  if (/\.(gz|gzip)$/i.test(item.path)) return 'gzip';
  if (/\.(zst|zstd)$/i.test(item.path)) return 'zstd';
  return 'none';
}

/**
 * Decompresses the whole file to nowhere, so a truncated or damaged archive is an error: DuckDB's readers stop at a
 * truncated gzip stream without complaint, which would load part of a file as if it were all of it. Runs while
 * DuckDB reads the same file, so it costs little wall time.
 */
export async function verifyCompressed(item: FileItem): Promise<void> {
  const compression = compressionOf(item);
  if (compression === 'none') return;
  const decompress = compression === 'gzip' ? createGunzip() : createZstdDecompress();
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline(createReadStream(item.path), decompress, sink);
  } catch (error) {
    throw new UserError(
      `Cannot read ${item.source}: the ${compression} file is damaged or truncated (${(error as Error).message}); ` +
        'nothing of it was loaded',
      { code: 'INGEST_FILE_CORRUPT', details: { source: item.source }, cause: error },
    );
  }
}

/**
 * True when the file holds no bytes once decompressed (a 0-byte drop, an export of an empty table): such a file is
 * read as zero rows, not as an error. A damaged archive is not empty; its error comes from {@link verifyCompressed}.
 */
export async function isEmptyFile(item: FileItem): Promise<boolean> {
  if ((await stat(item.path)).size === 0) return true;
  const compression = compressionOf(item);
  if (compression === 'none') return false;
  const file = createReadStream(item.path);
  const stream = file.pipe(compression === 'gzip' ? createGunzip() : createZstdDecompress());
  try {
    for await (const chunk of stream) if ((chunk as Buffer).length > 0) return false;
    return true;
  } catch {
    return false;
  } finally {
    stream.destroy();
    file.destroy();
  }
}
