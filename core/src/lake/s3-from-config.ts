import type { AssayConfig } from '../config/config.schema.ts';
import type { LakeStorage } from './storage/lake-storage.ts';
import { createCachedStorage, type CachedLakeStorage } from './storage/read-cache.ts';
import { createS3Storage } from './storage/s3-storage.ts';

/** Where S3 settings come from: `assay.yaml` (`s3:`) first, then the standard AWS variables. */
export interface S3Settings {
  readonly s3: AssayConfig['s3'];
  readonly env: NodeJS.ProcessEnv;
  readonly cacheDirectory: string;
  readonly cacheMaxBytes: number;
}

/**
 * S3 storage for `bucket/prefix`, read through the local cache. Credentials come only from the environment or the
 * AWS default chain (profile, instance role): never from a config file.
 */
export function openS3Storage(bucket: string, prefix: string, settings: S3Settings): CachedLakeStorage {
  const { s3, env } = settings;
  const endpoint = s3.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = s3.region ?? env.AWS_REGION;
  const inner: LakeStorage = createS3Storage({
    bucket,
    prefix,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    forcePathStyle: s3.forcePathStyle ?? endpoint !== undefined,
    ...(env.AWS_ACCESS_KEY_ID === undefined
      ? {}
      : { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' } }),
    conditionalWrites: s3.conditionalWrites,
  });
  return createCachedStorage(inner, { directory: settings.cacheDirectory, maxBytes: settings.cacheMaxBytes });
}
