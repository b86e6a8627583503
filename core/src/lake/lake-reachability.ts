import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { OperationalError } from '@assay/sdk';
import type { LakeLocation } from '../config/config.schema.ts';

/**
 * Creates a check that the lake can be reached: a local directory that exists and is writable, or an S3 bucket
 * that answers HeadBucket with the credentials of the standard AWS chain (env, profile, instance role).
 * An S3-compatible server is reached through `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, with path-style URLs.
 */
export function createLakeReachabilityCheck(
  lake: LakeLocation,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<void> {
  if (lake.kind === 'local') {
    return async () => {
      try {
        await mkdir(lake.path, { recursive: true });
        await access(lake.path, constants.W_OK);
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new OperationalError(`Lake directory ${lake.path} is not writable (${reason})`, {
          code: 'LAKE_UNREACHABLE',
          cause: error,
        });
      }
    };
  }
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const client = new S3Client({
    region: env.AWS_REGION ?? 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: endpoint !== undefined,
    maxAttempts: 1,
    // Without explicit keys the SDK's default chain applies (environment, profile, instance role).
    ...(env.AWS_ACCESS_KEY_ID === undefined
      ? {}
      : { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' } }),
  });
  return async () => {
    try {
      await client.send(new HeadBucketCommand({ Bucket: lake.bucket }), { abortSignal: AbortSignal.timeout(5000) });
    } catch (error) {
      const reason = error instanceof Error ? error.name + (error.message ? `: ${error.message}` : '') : String(error);
      throw new OperationalError(`Lake bucket s3://${lake.bucket} is not reachable (${reason})`, {
        code: 'LAKE_UNREACHABLE',
        cause: error,
      });
    }
  };
}

/** Creates the local lake directory at boot, so a first start needs no setup. */
export async function prepareLake(lake: LakeLocation): Promise<void> {
  if (lake.kind === 'local') await mkdir(lake.path, { recursive: true });
}
