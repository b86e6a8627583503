import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { unquote } from './list-objects.ts';
import { s3Error } from './s3-failure.ts';

/** An object written to a local file. */
export interface DownloadedObject {
  readonly path: string;
  /** Size and ETag of the bytes actually downloaded (the object may have changed since it was listed). */
  readonly size: number;
  readonly etag: string;
}

let sequence = 0;

/**
 * Streams an object into `directory` under its own base name (readers go by the extension), in a numbered folder
 * so two keys with one base name do not collide. Memory stays bounded; an abort stops the transfer and removes the
 * partial file. Returns undefined when the object was deleted since it was listed.
 */
export async function downloadObject(
  client: S3Client,
  options: { bucket: string; key: string; directory: string; signal: AbortSignal },
): Promise<DownloadedObject | undefined> {
  const { bucket, key, signal } = options;
  const where = `s3://${bucket}/${key}`;
  const folder = join(options.directory, String(++sequence));
  await mkdir(folder, { recursive: true });
  const path = join(folder, localName(key));
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    await pipeline(answer.Body as Readable, createWriteStream(path, { flags: 'wx' }), { signal });
    return { path, size: answer.ContentLength ?? 0, etag: unquote(answer.ETag) };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    signal.throwIfAborted();
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw s3Error(error, where);
  }
}

/** The key's base name with characters a file system might refuse replaced; the extension is kept. */
function localName(key: string): string {
  const name = posix.basename(key).replace(/[^A-Za-z0-9._-]/g, '_');
  return name === '' || name === '.' || name === '..' ? 'object' : name;
}
