import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { openSession } from '../../engine/engine-session.ts';
import { profileDataset, type ProfileOptions } from './profile-dataset.ts';
import type { DatasetProfile } from './profile.schemas.ts';

/**
 * Profiles of fixture datasets (`layer.name` → a plain DuckDB SELECT of their rows), each written to Parquet and
 * read through a sandboxed session as a job's input would be. Everything is removed afterwards.
 */
export async function profileFixtures(
  fixtures: Readonly<Record<string, string>>,
  options: ProfileOptions = {},
): Promise<Record<string, DatasetProfile>> {
  const dir = await mkdtemp(join(tmpdir(), 'assay-profile-fixtures-'));
  try {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const views = [];
    try {
      for (const [name, select] of Object.entries(fixtures)) {
        const file = join(dir, `${name}.parquet`);
        await connection.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
        views.push({ name, source: `SELECT * FROM read_parquet(${literal(file)})`, files: [file] });
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const session = await openSession({ views, memoryLimit: '256MB', threads: 1, scratchDirectory: join(dir, 's') });
    try {
      const profiles: Record<string, DatasetProfile> = {};
      for (const name of Object.keys(fixtures)) {
        const columns = await session.describe(`SELECT * FROM ${name}`);
        profiles[name] = await profileDataset(session, name, columns, options);
      }
      return profiles;
    } finally {
      await session.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
