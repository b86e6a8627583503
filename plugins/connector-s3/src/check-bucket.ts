import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AssayError } from '@assay/sdk';
import type { ConnectionCheckResult, ConnectorContext } from '@assay/sdk';
import { createS3Client } from './s3-client.ts';
import { keyPrefixOf, s3Url } from './s3-connection-config.ts';
import type { S3ConnectionSettings } from './s3-connection-config.ts';
import { describeS3Failure } from './s3-failure.ts';

/**
 * Lists one key under the prefix: the request a read starts with, so it proves the endpoint, the credentials, the
 * bucket and the permission to list at once. Tried once, without retries, so a wrong endpoint answers quickly.
 */
export async function checkBucket(ctx: ConnectorContext, config: S3ConnectionSettings): Promise<ConnectionCheckResult> {
  const where = s3Url(config);
  const server = config.endpoint ?? `AWS S3 (${config.region ?? 'us-east-1'})`;
  let client;
  try {
    client = createS3Client(config, { attempts: 1 });
  } catch (error) {
    if (error instanceof AssayError) return { ok: false, code: 'INVALID_CONFIG', message: error.message };
    throw error;
  }
  try {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: config.bucket, Prefix: keyPrefixOf(config), MaxKeys: 1 }),
      { abortSignal: ctx.signal },
    );
    const some = (page.KeyCount ?? 0) > 0 ? 'objects found' : 'no objects yet';
    return { ok: true, message: `Listed ${where} on ${server}: ${some}` };
  } catch (error) {
    ctx.signal.throwIfAborted();
    const { diagnosis, message } = describeS3Failure(error, `${where} on ${server}`);
    return { ok: false, code: diagnosis, message };
  } finally {
    client.destroy();
  }
}
