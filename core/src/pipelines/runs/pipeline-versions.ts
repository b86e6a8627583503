import type { PipelineDocument } from '../document/pipeline-document.ts';
import type { PipelineStore } from '../store/pipeline-store.ts';

/** A pipeline version as a run needs it. */
export interface PipelineVersion {
  readonly pipelineId: string;
  readonly name: string;
  readonly version: number;
  readonly document: PipelineDocument;
}

/** Where runs find pipeline versions. */
export interface PipelineVersionSource {
  /** The current version, or `version`; 404 `PIPELINE_NOT_FOUND` / `PIPELINE_VERSION_NOT_FOUND`. */
  get(workspace: string, name: string, version?: number): Promise<PipelineVersion>;
}

/** The pipeline store as a {@link PipelineVersionSource}. */
export function pipelineVersionsOf(store: Pick<PipelineStore, 'get'>): PipelineVersionSource {
  return {
    async get(workspace, name, version) {
      const { pipeline, current } = await store.get(workspace, name, version);
      return { pipelineId: pipeline.id, name: pipeline.name, version: current.version, document: current.document };
    },
  };
}

const CACHED_VERSIONS = 200;

/**
 * Versions are immutable, so workers keep the ones they use: every job of a run needs its version, often many
 * times a second. Keyed by pipeline id, which a re-created pipeline of the same name does not share.
 */
export function cachedVersions(source: PipelineVersionSource) {
  const cache = new Map<string, Promise<PipelineVersion>>();
  return {
    get(run: { workspace: string; pipelineId: string; pipeline: string; version: number }): Promise<PipelineVersion> {
      const key = `${run.pipelineId}:${run.version}`;
      let found = cache.get(key);
      if (found === undefined) {
        found = source.get(run.workspace, run.pipeline, run.version);
        cache.set(key, found);
        found.catch(() => cache.delete(key));
        if (cache.size > CACHED_VERSIONS) cache.delete(cache.keys().next().value!);
      }
      return found;
    },
  };
}

/** The cache {@link cachedVersions} returns. */
export type VersionCache = ReturnType<typeof cachedVersions>;
