import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectorContext, Logger } from '@assay/sdk';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createItemReader } from '../ingest/formats/item-reader.ts';
import { sampleItem } from '../ingest/formats/sample-item.ts';

/** Where connector calls of a platform keep their files. */
export interface ConnectorDirectories {
  /** Per-call work directories are created below it and removed afterwards. */
  readonly workRoot: string;
  /** `<uploadsRoot>/<workspace>/<connection id>` holds a connection's uploaded files. */
  readonly uploadsRoot: string;
}

/** The directory a connection's uploads are kept in. */
export function uploadsDirOf(dirs: ConnectorDirectories, workspace: string, connectionId: string): string {
  return join(dirs.uploadsRoot, workspace, connectionId);
}

/**
 * A context for one connector call with its own work directory; `dispose()` removes the directory. `describeFile`
 * uses core's real readers on a private in-memory DuckDB, so discovery sees files as a load would.
 */
export async function openConnectorContext(options: {
  dirs: ConnectorDirectories;
  workspace: string;
  connectionId: string;
  log: Logger;
  signal: AbortSignal;
  pluginConfig: unknown;
}): Promise<ConnectorContext & { dispose(): Promise<void> }> {
  const workDir = join(options.dirs.workRoot, randomUUID());
  const uploadsDir = uploadsDirOf(options.dirs, options.workspace, options.connectionId);
  await mkdir(workDir, { recursive: true });
  await mkdir(uploadsDir, { recursive: true });
  return {
    log: options.log,
    signal: options.signal,
    workDir,
    uploadsDir,
    pluginConfig: options.pluginConfig,
    describeFile: (file) =>
      withPrivateDuckDB((connection) =>
        createItemReader().describe(connection, { kind: 'file', source: file.path, ...file }),
      ),
    sampleFile: (file, rows = 5) =>
      withPrivateDuckDB((connection) =>
        sampleItem(createItemReader(), connection, { kind: 'file', source: file.path, ...file }, rows),
      ),
    dispose: () => rm(workDir, { recursive: true, force: true }),
  };
}

async function withPrivateDuckDB<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
