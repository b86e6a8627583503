import { posix } from 'node:path';
import { fileExtension, formatOfName } from '@assay/sdk';
import type { ConnectorContext, DiscoveredColumn, DiscoveredStream } from '@assay/sdk';
import type { FileConnectionSettings } from './file-connection-config.ts';
import { resolveFileRoot } from './file-root.ts';
import { listFiles } from './list-files.ts';
import type { ListedFile } from './list-files.ts';

/** Discovery looks at this many files at most, so a huge root answers quickly. */
export const DISCOVER_FILE_LIMIT = 20_000;
/** Rows of each stream's first file shown as its sample. */
export const DISCOVER_SAMPLE_ROWS = 5;
/** Discovery proposes this many streams at most. */
export const DISCOVER_STREAM_LIMIT = 100;

/**
 * Proposes one stream per (directory, extension) with files a reader knows, with a suggested glob, the first
 * file's columns as the readers see them, and the number and size of its files.
 */
export async function discoverFiles(
  ctx: ConnectorContext,
  config: FileConnectionSettings,
): Promise<DiscoveredStream[]> {
  const root = await resolveFileRoot(ctx, config);
  const files = await listFiles(root, {
    base: '',
    include: (path) => formatOfName(path) !== undefined,
    onEscape: 'skip',
    signal: ctx.signal,
    limit: DISCOVER_FILE_LIMIT,
  });
  const groups = groupFiles(files);
  const names = new Set<string>();
  const streams: DiscoveredStream[] = [];
  for (const group of groups.slice(0, DISCOVER_STREAM_LIMIT)) {
    ctx.signal.throwIfAborted();
    const format = formatOfName(group.first.relativePath)!;
    const glob =
      group.directory === '' ? `*.${group.extension}` : `${escapeGlob(group.directory)}/*.${group.extension}`;
    let columns: DiscoveredColumn[] = [];
    let sample: Record<string, unknown>[] = [];
    let describeError: string | undefined;
    try {
      columns = await ctx.describeFile({ path: group.first.path, format });
      sample = await ctx.sampleFile({ path: group.first.path, format }, DISCOVER_SAMPLE_ROWS);
    } catch (error) {
      ctx.signal.throwIfAborted();
      // One unreadable file should not hide the other streams: the reason is shown with this one.
      describeError = (error as Error).message;
    }
    streams.push({
      name: uniqueName(names, group.directory, group.extension),
      columns,
      ...(sample.length === 0 ? {} : { sample }),
      details: {
        glob,
        format,
        fileCount: group.count,
        totalBytes: group.bytes,
        firstFile: root.sourceOf(group.first.relativePath),
        streamConfig: { glob, format },
        ...(describeError === undefined ? {} : { describeError }),
        ...(files.length >= DISCOVER_FILE_LIMIT ? { truncated: true } : {}),
      },
    });
  }
  return streams;
}

interface FileGroup {
  readonly directory: string;
  readonly extension: string;
  readonly first: ListedFile;
  count: number;
  bytes: number;
}

function groupFiles(files: readonly ListedFile[]): FileGroup[] {
  const groups = new Map<string, FileGroup>();
  for (const file of files) {
    const directory = posix.dirname(file.relativePath);
    const key = `${directory}\u0000${fileExtension(file.relativePath)}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        directory: directory === '.' ? '' : directory,
        extension: fileExtension(file.relativePath),
        first: file,
        count: 1,
        bytes: file.size,
      });
    } else {
      group.count += 1;
      group.bytes += file.size;
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
