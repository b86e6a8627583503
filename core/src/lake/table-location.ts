import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LakeLocation } from '../config/config.schema.ts';
import { createLocalStorage } from './storage/local-storage.ts';
import type { LakeStorage } from './storage/lake-storage.ts';
import { createCachedStorage } from './storage/read-cache.ts';
import { createS3Storage } from './storage/s3-storage.ts';

/** A table's storage and its path inside it. */
export interface TableLocation {
  readonly storage: LakeStorage;
  readonly tablePath: string;
}

/** What `layer.name` and `s3://` locations are resolved against. */
export interface TableLocationContext {
  readonly lake: LakeLocation;
  readonly workspace: string;
  /** Local cache for S3 data and checkpoint files. */
  readonly cacheDirectory: string;
  readonly cacheMaxBytes: number;
  readonly env: NodeJS.ProcessEnv;
}

const DATASET_NAME = /^(bronze|silver|gold|[a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;

/**
 * Resolves what a user types to name a table: `s3://bucket/path/to/table`, a local directory (any Delta table, also
 * one Spark or Databricks wrote), or `layer.name` in the configured lake (`<lake>/<workspace>/<layer>/<name>`). A local
 * path wins over a dataset name when such a directory exists.
 */
export function resolveTableLocation(argument: string, context: TableLocationContext): TableLocation {
  if (argument.startsWith('s3://')) {
    const [bucket = '', ...key] = argument.slice('s3://'.length).split('/');
    return { storage: s3Storage(bucket, key.join('/').replace(/\/+$/, ''), context), tablePath: '' };
  }
  const dataset = DATASET_NAME.exec(argument);
  if (dataset !== null && !existsSync(argument)) {
    const [, layer, name] = dataset;
    if (context.lake.kind === 's3') {
      const prefix = [context.lake.prefix, context.workspace, layer, name].filter((p) => p !== '').join('/');
      return { storage: s3Storage(context.lake.bucket, prefix, context), tablePath: '' };
    }
    return { storage: createLocalStorage(join(context.lake.path, context.workspace, layer!, name!)), tablePath: '' };
  }
  return { storage: createLocalStorage(resolve(argument)), tablePath: '' };
}

/** S3 storage configured from the standard AWS variables, read through the local cache. */
function s3Storage(bucket: string, prefix: string, context: TableLocationContext): LakeStorage {
  const { env } = context;
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const inner = createS3Storage({
    bucket,
    prefix,
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    ...(env.AWS_REGION === undefined ? {} : { region: env.AWS_REGION }),
    ...(env.AWS_ACCESS_KEY_ID === undefined
      ? {}
      : { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' } }),
    conditionalWrites: env.ASSAY_S3_CONDITIONAL_WRITES === 'true',
  });
  return createCachedStorage(inner, { directory: context.cacheDirectory, maxBytes: context.cacheMaxBytes });
}
