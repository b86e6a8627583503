import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LakeLocation } from '../config/config.schema.ts';
import { createLocalStorage } from './storage/local-storage.ts';
import type { LakeStorage } from './storage/lake-storage.ts';
import { openS3Storage, type S3Settings } from './s3-from-config.ts';

/** A table's storage and its path inside it. */
export interface TableLocation {
  readonly storage: LakeStorage;
  readonly tablePath: string;
  /** Set when the argument named a dataset (`layer.name`) of this workspace. */
  readonly workspace?: string;
}

/** What `layer.name` and `s3://` locations are resolved against. */
export interface TableLocationContext extends S3Settings {
  readonly lake: LakeLocation;
  readonly workspace: string;
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
    return { storage: openS3Storage(bucket, key.join('/').replace(/\/+$/, ''), context), tablePath: '' };
  }
  const dataset = DATASET_NAME.exec(argument);
  if (dataset !== null && !existsSync(argument)) {
    const [, layer, name] = dataset;
    if (context.lake.kind === 's3') {
      const prefix = [context.lake.prefix, context.workspace, layer, name].filter((p) => p !== '').join('/');
      return {
        storage: openS3Storage(context.lake.bucket, prefix, context),
        tablePath: '',
        workspace: context.workspace,
      };
    }
    const path = join(context.lake.path, context.workspace, layer!, name!);
    return { storage: createLocalStorage(path), tablePath: '', workspace: context.workspace };
  }
  return { storage: createLocalStorage(resolve(argument)), tablePath: '' };
}
