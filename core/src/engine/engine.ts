import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DatasetView } from './dataset-view.ts';
import { openSession, type EngineSession } from './engine-session.ts';

/** Per-process engine settings; each session may ask for less. */
export interface EngineOptions {
  /** Sessions get a scratch directory below this (spill files, outputs); removed when the session closes. */
  readonly scratchRoot: string;
  /** Default DuckDB memory limit per session, e.g. `2GB`. */
  readonly memoryLimit: string;
  /** Default DuckDB threads per session. */
  readonly threads: number;
}

/** Opens sandboxed sessions with the process's defaults. */
export interface Engine {
  openSession(request: {
    views: readonly DatasetView[];
    timeoutMs?: number;
    signal?: AbortSignal;
    memoryLimit?: string;
    threads?: number;
  }): Promise<EngineSession>;
}

/** Creates the process's engine. */
export function createEngine(options: EngineOptions): Engine {
  return {
    openSession: (request) =>
      openSession({
        views: request.views,
        memoryLimit: request.memoryLimit ?? options.memoryLimit,
        threads: request.threads ?? options.threads,
        scratchDirectory: join(options.scratchRoot, randomUUID()),
        ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      }),
  };
}
