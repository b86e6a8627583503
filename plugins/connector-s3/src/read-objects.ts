import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compileGlob, formatFor, probeOfNewFiles, readOptionsFor, SeenFiles, UserError } from '@assay/sdk';
import type {
  ConnectorContext,
  ConnectorState,
  FileFormat,
  FileGlob,
  FileStreamSettings,
  ReadItem,
  SeenEntry,
  StreamProbe,
  StreamRequest,
} from '@assay/sdk';
import { downloadObject } from './download-object.ts';
import { listObjects } from './list-objects.ts';
import type { ListedObject } from './list-objects.ts';
import { createS3Client } from './s3-client.ts';
import { keyPrefixOf, s3Url } from './s3-connection-config.ts';
import type { S3ConnectionSettings } from './s3-connection-config.ts';

/** A checkpoint follows every this many objects... */
export const CHECKPOINT_EVERY_OBJECTS = 100;
/** ...or this many downloaded bytes, whichever comes first. */
export const CHECKPOINT_EVERY_BYTES = 1024 ** 3;

/**
 * Downloads every new or changed object matching the stream's glob into the work directory, in key order, and
 * hands each over as a file. A checkpoint follows every {@link CHECKPOINT_EVERY_OBJECTS} objects or
 * {@link CHECKPOINT_EVERY_BYTES} bytes; once it is committed the downloads before it are deleted, so the work
 * directory holds at most one checkpoint's worth of objects.
 */
export async function* readObjects(
  ctx: ConnectorContext,
  config: S3ConnectionSettings,
  stream: StreamRequest<FileStreamSettings>,
  state: ConnectorState | undefined,
): AsyncGenerator<ReadItem> {
  const settings = stream.config;
  const glob = streamGlob(stream);
  const client = createS3Client(config);
  const seen = new SeenFiles(state);
  const directory = join(ctx.workDir, 'objects');
  const listing = listObjects(client, {
    bucket: config.bucket,
    keyPrefix: keyPrefixOf(config),
    base: glob.base,
    include: glob.matches,
    signal: ctx.signal,
  });
  let downloaded: string[] = [];
  let bytes = 0;
  try {
    for await (const object of listing) {
      if (!seen.isNew(object.relativePath, entryOf(object))) continue;
      const source = s3Url(config, object.key);
      const format: FileFormat = formatFor(object.relativePath, settings, source);
      const file = await downloadObject(client, {
        bucket: config.bucket,
        key: object.key,
        directory,
        signal: ctx.signal,
      });
      if (file === undefined) continue; // deleted since it was listed
      const options = readOptionsFor(format, settings);
      yield {
        kind: 'file',
        path: file.path,
        format,
        source,
        ...(Object.keys(options).length === 0 ? {} : { options }),
      };
      seen.read(object.relativePath, [file.size, object.modified, file.etag]);
      downloaded.push(file.path);
      bytes += file.size;
      if (downloaded.length >= CHECKPOINT_EVERY_OBJECTS || bytes >= CHECKPOINT_EVERY_BYTES) {
        yield { kind: 'state', state: seen.checkpoint() };
        // Committed: core has staged the rows and kept the raw files in landing.
        await removeAll(downloaded);
        downloaded = [];
        bytes = 0;
      }
    }
    ctx.signal.throwIfAborted();
    yield { kind: 'state', state: seen.final() };
  } finally {
    client.destroy();
  }
}

/** The objects a read from `state` would download now, without downloading them. */
export async function probeObjects(
  ctx: ConnectorContext,
  config: S3ConnectionSettings,
  stream: StreamRequest<FileStreamSettings>,
  state: ConnectorState | undefined,
): Promise<StreamProbe> {
  const glob = streamGlob(stream);
  const client = createS3Client(config);
  const seen = new SeenFiles(state);
  const fresh: Array<readonly [string, SeenEntry]> = [];
  try {
    const listing = listObjects(client, {
      bucket: config.bucket,
      keyPrefix: keyPrefixOf(config),
      base: glob.base,
      include: glob.matches,
      signal: ctx.signal,
    });
    for await (const object of listing) {
      const entry = entryOf(object);
      if (seen.isNew(object.relativePath, entry)) fresh.push([object.relativePath, entry]);
    }
  } finally {
    client.destroy();
  }
  return probeOfNewFiles(fresh);
}

function streamGlob(stream: StreamRequest<FileStreamSettings>): FileGlob {
  if (typeof stream.config?.glob !== 'string') {
    throw new UserError(`Stream "${stream.name}" needs a "glob" naming its objects, e.g. "sales/*.csv"`, {
      code: 'FILE_GLOB_REQUIRED',
      details: { stream: stream.name },
    });
  }
  return compileGlob(stream.config.glob);
}

function entryOf(object: ListedObject): readonly [number, number, string] {
  return [object.size, object.modified, object.etag];
}

async function removeAll(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => rm(join(path, '..'), { recursive: true, force: true })));
}
