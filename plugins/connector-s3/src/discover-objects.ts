import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { fileExtension, formatOfName } from '@assay/sdk';
import type { ConnectorContext, DiscoveredColumn, DiscoveredStream, FileFormat } from '@assay/sdk';
import { downloadObject } from './download-object.ts';
import { listObjects } from './list-objects.ts';
import type { ListedObject } from './list-objects.ts';
import { createS3Client } from './s3-client.ts';
import { keyPrefixOf, s3Url } from './s3-connection-config.ts';
import type { S3ConnectionSettings } from './s3-connection-config.ts';

/** Discovery looks at this many objects at most, so a huge bucket answers quickly. */
export const DISCOVER_OBJECT_LIMIT = 20_000;
/** Discovery proposes this many streams at most (each costs one download). */
export const DISCOVER_STREAM_LIMIT = 50;
/** A first object larger than this is not downloaded to describe its columns. */
export const DESCRIBE_MAX_BYTES = 256 * 1024 ** 2;

/**
 * Proposes one stream per (directory, extension) with objects a reader knows, with a suggested glob, the columns of
 * its first object (downloaded into the work directory and described by core's readers), and its object count.
 */
export async function discoverObjects(
  ctx: ConnectorContext,
  config: S3ConnectionSettings,
): Promise<DiscoveredStream[]> {
  const client = createS3Client(config);
  try {
    const objects: ListedObject[] = [];
    const listing = listObjects(client, {
      bucket: config.bucket,
      keyPrefix: keyPrefixOf(config),
      base: '',
      include: (path) => formatOfName(path) !== undefined && !posix.basename(path).startsWith('.'),
      signal: ctx.signal,
    });
    for await (const object of listing) {
      objects.push(object);
      if (objects.length >= DISCOVER_OBJECT_LIMIT) break;
    }
    const names = new Set<string>();
    const streams: DiscoveredStream[] = [];
    for (const group of groupObjects(objects).slice(0, DISCOVER_STREAM_LIMIT)) {
      const format = formatOfName(group.first.relativePath)!;
      const glob =
        group.directory === '' ? `*.${group.extension}` : `${escapeGlob(group.directory)}/*.${group.extension}`;
      const { columns, describeError } = await describeFirst(ctx, client, config, group.first, format);
      streams.push({
        name: uniqueName(names, group.directory, group.extension),
        columns,
        details: {
          glob,
          format,
          objectCount: group.count,
          totalBytes: group.bytes,
          firstObject: s3Url(config, group.first.key),
          streamConfig: { glob, format },
          ...(describeError === undefined ? {} : { describeError }),
          ...(objects.length >= DISCOVER_OBJECT_LIMIT ? { truncated: true } : {}),
        },
      });
    }
    return streams;
  } finally {
    client.destroy();
  }
}

async function describeFirst(
  ctx: ConnectorContext,
  client: ReturnType<typeof createS3Client>,
  config: S3ConnectionSettings,
  object: ListedObject,
  format: FileFormat,
): Promise<{ columns: DiscoveredColumn[]; describeError?: string }> {
  if (object.size > DESCRIBE_MAX_BYTES) {
    return { columns: [], describeError: `${s3Url(config, object.key)} is too large to download for a preview` };
  }
  const directory = join(ctx.workDir, 'discover');
  const file = await downloadObject(client, { bucket: config.bucket, key: object.key, directory, signal: ctx.signal });
  if (file === undefined) return { columns: [], describeError: `${s3Url(config, object.key)} was deleted` };
  try {
    return { columns: await ctx.describeFile({ path: file.path, format }) };
  } catch (error) {
    ctx.signal.throwIfAborted();
    // One unreadable object should not hide the other streams: the reason is shown with this one.
    return { columns: [], describeError: (error as Error).message };
  } finally {
    await rm(join(file.path, '..'), { recursive: true, force: true });
  }
}

interface ObjectGroup {
  readonly directory: string;
  readonly extension: string;
  readonly first: ListedObject;
  count: number;
  bytes: number;
}

function groupObjects(objects: readonly ListedObject[]): ObjectGroup[] {
  const groups = new Map<string, ObjectGroup>();
  for (const object of objects) {
    const directory = posix.dirname(object.relativePath);
    const extension = fileExtension(object.relativePath);
    const key = `${directory}\u0000${extension}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        directory: directory === '.' ? '' : directory,
        extension,
        first: object,
        count: 1,
        bytes: object.size,
      });
    } else {
      group.count += 1;
      group.bytes += object.size;
    }
  }
  return [...groups.values()];
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]{}()!+@\\]/g, '\\$&');
}

function uniqueName(names: Set<string>, directory: string, extension: string): string {
  const base = `${directory === '' ? 'root' : directory}_${extension}`.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  let name = base;
  for (let n = 2; names.has(name); n++) name = `${base}_${n}`;
  names.add(name);
  return name;
}
