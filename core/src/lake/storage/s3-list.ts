import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StoredObject } from './lake-storage.ts';
import { s3StorageError } from './s3-errors.ts';

/** What to list: keys under `prefix` in `bucket`, reported relative to the lake's `root` key prefix. */
export interface S3ListTarget {
  readonly bucket: string;
  /** Full key prefix, root included. */
  readonly prefix: string;
  /** The lake's key prefix without a trailing `/`; `''` for a whole bucket. */
  readonly root: string;
  /** `s3://bucket/prefix`, for messages. */
  readonly where: string;
}

/**
 * Lists objects page by page with ListObjectsV2, which S3 returns in ascending key order. Non-recursive listings
 * use the `/` delimiter, so keys in deeper "directories" are folded into common prefixes and skipped.
 * `startAfter` is a full key.
 */
export async function* listS3Objects(
  client: S3Client,
  target: S3ListTarget,
  recursive: boolean,
  startAfter: string | undefined,
): AsyncGenerator<StoredObject> {
  const rootLength = target.root === '' ? 0 : target.root.length + 1;
  let token: string | undefined;
  do {
    const page = await client
      .send(
        new ListObjectsV2Command({
          Bucket: target.bucket,
          Prefix: target.prefix,
          ...(recursive ? {} : { Delimiter: '/' }),
          ...(startAfter === undefined ? {} : { StartAfter: startAfter }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      )
      .catch((error: unknown) => Promise.reject(s3StorageError(error, target.where)));
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      yield {
        path: object.Key.slice(rootLength),
        size: object.Size ?? 0,
        modified: object.LastModified ?? new Date(0),
      };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}
