import { ConflictError, InputError, NotFoundError } from '@assay/sdk';
import type { Knex } from 'knex';
import { canonicalDocument, diffDocuments, documentHash } from '../document/document-diff.ts';
import type { PipelineDocument } from '../document/pipeline-document.ts';
import type {
  PipelineRecord,
  PipelineSaveResult,
  PipelineVersionRecord,
  PipelineVersionSummary,
  PipelineWithVersion,
} from './pipeline-records.ts';
import { decodeVersionCursor, encodeVersionCursor } from './version-cursor.ts';

/** What {@link PipelineStore.save} needs besides the document. */
export interface SaveOptions {
  readonly author: string | undefined;
  readonly message?: string | undefined;
  /** `create`: the pipeline must not exist (409 `PIPELINE_EXISTS`); `update`: it must (404); default: either. */
  readonly mode?: 'create' | 'update' | 'upsert';
  /** Write inside this transaction (apply writes many documents all-or-nothing). */
  readonly trx?: Knex.Transaction | undefined;
}

/** A diff between two versions of one pipeline. */
export interface PipelineVersionDiff {
  readonly from: number;
  readonly to: number;
  readonly changes: ReturnType<typeof diffDocuments>;
}

/** Pipelines and their immutable versions, in `core_pipelines` and `core_pipeline_versions`. */
export interface PipelineStore {
  /** Every pipeline of the workspace with its current version, by name. */
  list(workspace: string, trx?: Knex.Transaction): Promise<PipelineWithVersion[]>;
  /** The current version, or `version`; 404 `PIPELINE_NOT_FOUND` / `PIPELINE_VERSION_NOT_FOUND`. */
  get(workspace: string, name: string, version?: number): Promise<PipelineWithVersion>;
  /**
   * Saves the document as version N+1, unless its canonical form equals the current version's: then nothing is
   * written and the current version comes back with `changed: false`. Saves of one pipeline are serialized by a
   * row lock, so two concurrent saves never both become version N+1.
   */
  save(workspace: string, document: PipelineDocument, options: SaveOptions): Promise<PipelineSaveResult>;
  /** Versions newest first, `limit` per page; `nextCursor` fetches the next (older) page. */
  versions(
    workspace: string,
    name: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ items: PipelineVersionSummary[]; nextCursor: string | null }>;
  /** What changed from version `from` to version `to` (default: the current one). */
  diff(workspace: string, name: string, from: number, to?: number): Promise<PipelineVersionDiff>;
  /** A new version equal to version `version`; message `Rollback to version N` unless given. */
  rollback(
    workspace: string,
    name: string,
    version: number,
    options: { author: string | undefined; message?: string | undefined },
  ): Promise<PipelineSaveResult>;
  /** Deletes the pipeline and all its versions. */
  remove(workspace: string, name: string, trx?: Knex.Transaction): Promise<void>;
}

interface PipelineRow {
  id: string;
  workspace: string;
  name: string;
  current_version: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  paused_at: Date | null;
}

interface VersionRow {
  pipeline_id: string;
  version: number;
  document: PipelineDocument;
  hash: string;
  author: string | null;
  message: string | null;
  created_at: Date;
}

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const MESSAGE_MAX = 2000;

/** The pipeline store over `db`. */
export function createPipelineStore(options: { db: Knex }): PipelineStore {
  const { db } = options;

  const pipelineRow = async (executor: Knex, workspace: string, name: string, lock = false): Promise<PipelineRow> => {
    const query = executor<PipelineRow>('core_pipelines').where({ workspace, name });
    const row = await (lock ? query.forUpdate() : query).first();
    if (row === undefined) throw pipelineNotFound(workspace, name);
    return row;
  };

  const versionRow = async (executor: Knex, pipeline: PipelineRow, version: number): Promise<VersionRow> => {
    const row = await executor<VersionRow>('core_pipeline_versions')
      .where({ pipeline_id: pipeline.id, version })
      .first();
    if (row === undefined) {
      throw new NotFoundError(`Pipeline "${pipeline.name}" has no version ${version}`, {
        code: 'PIPELINE_VERSION_NOT_FOUND',
        details: { pipeline: pipeline.name, version, currentVersion: pipeline.current_version },
      });
    }
    return row;
  };

  const inTransaction = <T>(trx: Knex.Transaction | undefined, work: (trx: Knex.Transaction) => Promise<T>) =>
    trx === undefined ? db.transaction(work) : work(trx);

  const store: PipelineStore = {
    async list(workspace, trx) {
      const rows = await (trx ?? db)('core_pipelines as p')
        .join('core_pipeline_versions as v', function joinCurrent() {
          this.on('v.pipeline_id', '=', 'p.id').andOn('v.version', '=', 'p.current_version');
        })
        .where('p.workspace', workspace)
        .orderBy('p.name')
        .select<Array<PipelineRow & { v: VersionRow }>>('p.*', db.raw('to_jsonb(v) as v'));
      return rows.map(({ v, ...row }) => ({
        pipeline: pipelineOf(row),
        current: versionOf(row.name, { ...v, created_at: new Date(v.created_at) }),
      }));
    },

    async get(workspace, name, version) {
      const pipeline = await pipelineRow(db, workspace, name);
      const row = await versionRow(db, pipeline, version ?? pipeline.current_version);
      return { pipeline: pipelineOf(pipeline), current: versionOf(pipeline.name, row) };
    },

    async save(workspace, document, { author, message, mode = 'upsert', trx }) {
      const name = document.metadata.name;
      assertName(name);
      if (message !== undefined && message.length > MESSAGE_MAX) {
        throw new InputError(`The message is longer than ${MESSAGE_MAX} characters`, {
          code: 'PIPELINE_MESSAGE_TOO_LONG',
          details: { path: 'message' },
        });
      }
      const stored = storedForm(document);
      const hash = documentHash(stored);
      return inTransaction(trx, async (tx) => {
        let created = false;
        if (mode !== 'update') {
          // Claims the name; a concurrent creator's insert waits here for the first one to commit.
          const inserted = await tx('core_pipelines')
            .insert({ workspace, name, created_by: author ?? null })
            .onConflict(['workspace', 'name'])
            .ignore()
            .returning<PipelineRow[]>('id');
          created = inserted.length > 0;
          if (!created && mode === 'create') {
            throw new ConflictError(`A pipeline named "${name}" already exists in workspace "${workspace}"`, {
              code: 'PIPELINE_EXISTS',
              details: { pipeline: name },
            });
          }
        }
        // The row lock serializes saves of one pipeline: the version number below cannot be taken twice.
        const pipeline = await pipelineRow(tx, workspace, name, true);
        if (pipeline.current_version > 0) {
          const current = await versionRow(tx, pipeline, pipeline.current_version);
          if (current.hash === hash) {
            return { pipeline: pipelineOf(pipeline), version: versionOf(name, current), changed: false, created };
          }
        }
        const next = pipeline.current_version + 1;
        const [version] = await tx<VersionRow>('core_pipeline_versions')
          .insert({
            pipeline_id: pipeline.id,
            version: next,
            document: JSON.stringify(stored) as never,
            hash,
            author: author ?? null,
            message: message ?? null,
          })
          .returning('*');
        const [updated] = await tx<PipelineRow>('core_pipelines')
          .where({ id: pipeline.id })
          .update({ current_version: next, updated_at: tx.fn.now() as never })
          .returning('*');
        return { pipeline: pipelineOf(updated!), version: versionOf(name, version!), changed: true, created };
      });
    },

    async versions(workspace, name, page) {
      const pipeline = await pipelineRow(db, workspace, name);
      const below = page.cursor === undefined ? undefined : decodeVersionCursor(page.cursor);
      const query = db<VersionRow>('core_pipeline_versions')
        .where({ pipeline_id: pipeline.id })
        .orderBy('version', 'desc')
        .limit(page.limit + 1)
        .select('pipeline_id', 'version', 'hash', 'author', 'message', 'created_at');
      if (below !== undefined) query.andWhere('version', '<', below);
      const rows = await query;
      const items = rows.slice(0, page.limit).map((row) => {
        const { document: _document, ...summary } = versionOf(name, { ...row, document: {} as PipelineDocument });
        return summary;
      });
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > page.limit && last !== undefined ? encodeVersionCursor(last.version) : null,
      };
    },

    async diff(workspace, name, from, to) {
      const pipeline = await pipelineRow(db, workspace, name);
      const target = to ?? pipeline.current_version;
      const [before, after] = await Promise.all([versionRow(db, pipeline, from), versionRow(db, pipeline, target)]);
      return { from, to: target, changes: diffDocuments(before.document, after.document) };
    },

    async rollback(workspace, name, version, { author, message }) {
      const { current } = await store.get(workspace, name, version);
      return store.save(workspace, current.document, {
        author,
        message: message ?? `Rollback to version ${version}`,
        mode: 'update',
      });
    },

    async remove(workspace, name, trx) {
      const deleted = await (trx ?? db)('core_pipelines').where({ workspace, name }).delete();
      if (deleted === 0) throw pipelineNotFound(workspace, name);
    },
  };
  return store;
}

/** The form a document is stored in: canonical, without `metadata.workspace` (the row says where it belongs). */
export function storedForm(document: PipelineDocument): PipelineDocument {
  const { workspace: _workspace, ...metadata } = document.metadata;
  return canonicalDocument({ ...document, metadata }) as PipelineDocument;
}

/** 404 `PIPELINE_NOT_FOUND`. */
export function pipelineNotFound(workspace: string, name: string): NotFoundError {
  return new NotFoundError(`Pipeline "${name}" does not exist in workspace "${workspace}"`, {
    code: 'PIPELINE_NOT_FOUND',
    details: { pipeline: name },
  });
}

function assertName(name: string): void {
  if (NAME.test(name)) return;
  throw new InputError(
    `Pipeline name "${name}" must start with a lower-case letter and contain only lower-case letters, digits, ` +
      '"_" and "-" (at most 63 characters)',
    { code: 'PIPELINE_NAME_INVALID', details: { path: 'metadata.name' } },
  );
}

function pipelineOf(row: PipelineRow): PipelineRecord {
  return {
    id: row.id,
    workspace: row.workspace,
    name: row.name,
    currentVersion: row.current_version,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    pausedAt: row.paused_at === null || row.paused_at === undefined ? null : new Date(row.paused_at).toISOString(),
  };
}

function versionOf(pipeline: string, row: VersionRow): PipelineVersionRecord {
  return {
    pipeline,
    version: row.version,
    // jsonb keeps its own key order; the canonical one is what exports and diffs show.
    document: canonicalDocument(row.document),
    hash: row.hash,
    author: row.author,
    message: row.message,
    createdAt: row.created_at.toISOString(),
  };
}
