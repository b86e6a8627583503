import { compileGlob, formatFor, probeOfNewFiles, readOptionsFor, SeenFiles, UserError } from '@assay/sdk';
import type {
  ConnectorContext,
  ConnectorState,
  FileItem,
  FileStreamSettings,
  ReadItem,
  SeenEntry,
  StreamProbe,
  StreamRequest,
} from '@assay/sdk';
import type { FileConnectionSettings } from './file-connection-config.ts';
import { resolveFileRoot } from './file-root.ts';
import { listFiles } from './list-files.ts';

/** A checkpoint follows every this many files, so a huge set commits (and resumes) in steps. */
export const CHECKPOINT_EVERY_FILES = 100;

/** A new or changed file, ready to hand over. */
interface PendingFile {
  readonly item: FileItem;
  readonly key: string;
  readonly entry: SeenEntry;
}

/**
 * Lists the files matching the stream's glob that `state` has not seen (new or changed), in path order. Every new
 * file's format is settled here, so a file no reader knows fails the load before anything of it is committed.
 */
async function newFiles(
  ctx: ConnectorContext,
  config: FileConnectionSettings,
  stream: StreamRequest<FileStreamSettings>,
  state: ConnectorState | undefined,
): Promise<{ pending: PendingFile[]; listed: number; seen: SeenFiles }> {
  const settings = stream.config;
  if (typeof settings?.glob !== 'string') {
    throw new UserError(`Stream "${stream.name}" needs a "glob" naming its files, e.g. "sales/*.csv"`, {
      code: 'FILE_GLOB_REQUIRED',
      details: { stream: stream.name },
    });
  }
  const glob = compileGlob(settings.glob);
  const root = await resolveFileRoot(ctx, config);
  const seen = new SeenFiles(state);
  const listed = await listFiles(root, {
    base: glob.base,
    include: glob.matches,
    onEscape: 'throw',
    signal: ctx.signal,
  });
  listed.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
  const pending: PendingFile[] = [];
  for (const file of listed) {
    const entry: SeenEntry = [file.size, file.modified];
    if (!seen.isNew(file.relativePath, entry)) continue;
    const source = root.sourceOf(file.relativePath);
    const format = formatFor(file.relativePath, settings, source);
    const options = readOptionsFor(format, settings);
    const item: FileItem = {
      kind: 'file',
      path: file.path,
      format,
      source,
      ...(Object.keys(options).length === 0 ? {} : { options }),
    };
    pending.push({ item, key: file.relativePath, entry });
  }
  return { pending, listed: listed.length, seen };
}

/**
 * Hands every new or changed file matching the stream's glob to the readers, in path order, where it lies (no
 * copy), with a checkpoint every {@link CHECKPOINT_EVERY_FILES} files and one at the end.
 */
export async function* readFiles(
  ctx: ConnectorContext,
  config: FileConnectionSettings,
  stream: StreamRequest<FileStreamSettings>,
  state: ConnectorState | undefined,
): AsyncGenerator<ReadItem> {
  const { pending, listed, seen } = await newFiles(ctx, config, stream, state);
  ctx.log.info({ stream: stream.name, listed, new: pending.length }, 'files listed');
  let sinceCheckpoint = 0;
  for (const { item, key, entry } of pending) {
    ctx.signal.throwIfAborted();
    yield item;
    seen.read(key, entry);
    if (++sinceCheckpoint >= CHECKPOINT_EVERY_FILES) {
      sinceCheckpoint = 0;
      yield { kind: 'state', state: seen.checkpoint() };
    }
  }
  ctx.signal.throwIfAborted();
  yield { kind: 'state', state: seen.final() };
}

/** The files a read from `state` would load now, without reading them. */
export async function probeFiles(
  ctx: ConnectorContext,
  config: FileConnectionSettings,
  stream: StreamRequest<FileStreamSettings>,
  state: ConnectorState | undefined,
): Promise<StreamProbe> {
  const { pending } = await newFiles(ctx, config, stream, state);
  return probeOfNewFiles(pending.map(({ key, entry }) => [key, entry] as const));
}
