import { randomBytes } from 'node:crypto';
import { InputError } from '@assay/sdk';
import { quote } from '../../engine/dataset-view.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import { candidateKeys } from './candidate-keys.ts';
import { columnStatistics, type ProfileColumn } from './column-statistics.ts';
import type { DatasetProfile } from './profile.schemas.ts';
import { queryOne } from './query-one.ts';
import { valueDetails } from './value-details.ts';

/** Rows profiled at most unless the caller asks otherwise; more are sampled down to this. */
export const DEFAULT_SAMPLE_ROWS = 1_000_000;
/** Up to this many profiled rows distinct counts are exact; above, `approx_count_distinct` estimates them. */
export const EXACT_DISTINCT_ROWS = 100_000;
/** The reservoir sample's seed, so the same data gives the same sample where DuckDB can promise it. */
const SAMPLE_SEED = 42;

/** How much of the relation a profile reads. */
export interface ProfileOptions {
  /** At most this many rows are profiled (a reservoir sample of them when the relation has more). */
  readonly sample?: number;
  /** When the profile is taken; the clock by default. */
  readonly now?: Date;
}

/**
 * Profiles `relation` (a `layer.name` view of `session`) column by column with DuckDB doing the work: row and null
 * counts, distinct counts, min/max (text: also lengths), top values of low-cardinality columns, the share of text
 * values that look like e-mails, dates, UUIDs, codes, numbers or phone numbers, and candidate keys. At most four
 * aggregate queries run, whatever the number of columns; only their single result rows come to JavaScript. A
 * relation with more rows than `sample` is first reduced to a reservoir sample, written once to the session's scratch
 * directory so every query reads the same rows; the profile then says `sampled: true`.
 */
export async function profileDataset(
  session: EngineSession,
  relation: string,
  columns: readonly ProfileColumn[],
  options: ProfileOptions = {},
): Promise<DatasetProfile> {
  const limit = options.sample ?? DEFAULT_SAMPLE_ROWS;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InputError(`sample must be a positive whole number of rows (got ${limit})`, {
      code: 'PROFILE_SAMPLE_INVALID',
      details: { sample: limit },
    });
  }
  const profiledAt = (options.now ?? new Date()).toISOString();
  const source = relation.split('.').map(quote).join('.');
  const rows = Number((await queryOne(session, `SELECT count(*) AS n FROM ${source}`)).n);
  const sampled = rows > limit;
  const from = sampled ? await sampleOf(session, source, limit) : source;

  const statistics = await columnStatistics(session, from, columns, {
    exactDistinct: Math.min(rows, limit) <= EXACT_DISTINCT_ROWS,
  });
  const profiledRows = statistics.rows;
  const detailed = await valueDetails(session, from, statistics.columns, profiledRows);
  return {
    relation,
    rows,
    profiledRows,
    sampled,
    profiledAt,
    columns: detailed,
    candidateKeys: await candidateKeys(session, from, detailed, profiledRows),
  };
}

/** A view over a reservoir sample of `source` of `limit` rows, materialized so every query sees the same rows. */
async function sampleOf(session: EngineSession, source: string, limit: number): Promise<string> {
  const suffix = randomBytes(4).toString('hex');
  const { path } = await session.copyToParquet(
    `SELECT * FROM ${source} USING SAMPLE reservoir(${limit} ROWS) REPEATABLE (${SAMPLE_SEED})`,
    `profile-sample-${suffix}.parquet`,
  );
  const name = `assay_profile.sample_${suffix}`;
  await session.createFileView(name, path);
  return name.split('.').map(quote).join('.');
}
