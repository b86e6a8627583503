import { link, mkdir, readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from '@assay/sdk';
import type { LakeStorage } from '../lake/storage/lake-storage.ts';

/** `<workspace>/landing/<connection>/<stream>/<load id>/`: where a load's raw files are kept. */
export function landingPrefix(workspace: string, connection: string, stream: string, loadId: string): string {
  return `${workspace}/landing/${connection}/${stream.replace(/[^A-Za-z0-9._-]+/g, '_')}/${loadId}/`;
}

/** The directory in a connector's work directory whose files are kept in landing too (raw API pages). */
export const RAW_DIRECTORY = 'raw';

/**
 * Copies a load's raw files into landing exactly as received, in the background while the load goes on; `flush()`
 * waits for them (before a commit, so committed rows always have their raw files kept).
 */
export class LandingKeeper {
  readonly #storage: LakeStorage;
  readonly #prefix: string;
  readonly #pending: Array<Promise<void>> = [];
  readonly #kept = new Set<string>();
  #count = 0;

  constructor(storage: LakeStorage, prefix: string) {
    this.#storage = storage;
    this.#prefix = prefix;
  }

  get prefix(): string {
    return this.#prefix;
  }

  get count(): number {
    return this.#count;
  }

  /**
   * Keeps a local file under a numbered name (two sources may share a base name). A file the load owns (a download
   * or export in its work directory) is hard-linked into a local lake instead of copied when the file system allows:
   * nobody else writes to it, so the link stays exactly what was received.
   */
  keep(localPath: string, options: { owned: boolean }): void {
    if (this.#kept.has(localPath)) return;
    this.#kept.add(localPath);
    const name = `${String(++this.#count).padStart(6, '0')}-${basename(localPath)}`;
    this.#put(`${this.#prefix}${name}`, localPath, options.owned);
  }

  #put(target: string, localPath: string, owned: boolean): void {
    const local = owned ? this.#storage.localPath(target) : undefined;
    this.#pending.push(
      local === undefined
        ? this.#storage.writeFromFile(target, localPath)
        : mkdir(dirname(local), { recursive: true })
            .then(() => link(localPath, local))
            .catch(() => this.#storage.writeFromFile(target, localPath)),
    );
  }

  /** Keeps every file below `<workDir>/raw/` not kept yet, under its relative path. */
  async keepRawFiles(workDir: string): Promise<void> {
    const root = join(workDir, RAW_DIRECTORY);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(entry.parentPath, entry.name);
      if (!entry.isFile() || this.#kept.has(path)) continue;
      this.#kept.add(path);
      this.#count++;
      this.#put(`${this.#prefix}${RAW_DIRECTORY}/${relative(root, path)}`, path, true);
    }
  }

  async flush(): Promise<void> {
    const pending = this.#pending.splice(0);
    await Promise.all(pending);
  }
}

/**
 * Deletes the landing files of a workspace's loads that finished more than `retentionDays` ago (0 keeps them) and
 * clears their `landing_path`. Best effort: a failure is logged and retried by the next load.
 */
export async function expireLanding(options: {
  db: Knex;
  storage: LakeStorage;
  workspace: string;
  retentionDays: number;
  logger: Logger;
}): Promise<void> {
  if (options.retentionDays <= 0) return;
  const { db, storage, workspace } = options;
  try {
    const expired = await db('core_ingest_loads')
      .where({ workspace })
      .whereNotNull('landing_path')
      .andWhere('finished_at', '<', db.raw(`now() - make_interval(secs => ?)`, [options.retentionDays * 86_400]))
      .limit(100)
      .select<Array<{ id: string; landing_path: string }>>('id', 'landing_path');
    for (const load of expired) {
      const paths: string[] = [];
      for await (const object of storage.list(load.landing_path, { recursive: true })) paths.push(object.path);
      if (paths.length > 0) await storage.delete(paths);
      await db('core_ingest_loads').where({ id: load.id }).update({ landing_path: null });
    }
  } catch (error) {
    options.logger.warn({ err: error, workspace }, 'expiring landing files failed; the next load retries');
  }
}
