import { S3Client } from '@aws-sdk/client-s3';
import { UserError } from '@assay/sdk';
import type { S3ConnectionSettings } from './s3-connection-config.ts';

/**
 * An S3 client for a connection. `attempts` is how often a request is tried (the SDK retries throttling, 5xx and
 * network errors with backoff); a check tries once so a wrong endpoint answers quickly.
 *
 * @throws UserError `S3_CREDENTIALS_INCOMPLETE` when only one half of a key pair is set.
 */
export function createS3Client(config: S3ConnectionSettings, options: { attempts?: number } = {}): S3Client {
  const { accessKeyId, secretAccessKey, sessionToken } = config;
  const keyed = nonEmpty(accessKeyId) || nonEmpty(secretAccessKey);
  if (keyed && !(nonEmpty(accessKeyId) && nonEmpty(secretAccessKey))) {
    throw new UserError(
      'Set both "accessKeyId" and "secretAccessKey", or neither to use the server\'s AWS credentials',
      {
        code: 'S3_CREDENTIALS_INCOMPLETE',
      },
    );
  }
  return new S3Client({
    region: config.region ?? 'us-east-1',
    ...(nonEmpty(config.endpoint) ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? false,
    ...(keyed
      ? {
          credentials: {
            accessKeyId: accessKeyId!,
            secretAccessKey: secretAccessKey!,
            ...(nonEmpty(sessionToken) ? { sessionToken } : {}),
          },
        }
      : {}),
    maxAttempts: options.attempts ?? 3,
    // Checksums only where S3 requires them: many S3-compatible servers reject the newer checksum trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
