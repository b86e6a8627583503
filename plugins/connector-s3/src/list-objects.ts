import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Error } from './s3-failure.ts';

/** An object below the connection prefix. */
export interface ListedObject {
  /** Full key. */
  readonly key: string;
  /** Key relative to the connection prefix, which globs match and state remembers. */
  readonly relativePath: string;
  readonly size: number;
  /** Without the quotes S3 puts around it. */
  readonly etag: string;
  /** Epoch milliseconds. */
  readonly modified: number;
}

/**
 * Lists the objects under `keyPrefix + base` page by page (ListObjectsV2, ascending key order), keeping those
 * `include` accepts. "Folder" marker keys ending in `/` are skipped.
 */
export async function* listObjects(
  client: S3Client,
  options: {
    bucket: string;
    /** The connection prefix: '' or ending in `/`. */
    keyPrefix: string;
    /** Fixed leading directories of the glob below the prefix, '' for none. */
    base: string;
    include: (relativePath: string) => boolean;
    signal: AbortSignal;
    /** Keys per ListObjectsV2 page; S3's maximum (1000) when unset. */
    pageSize?: number;
  },
): AsyncGenerator<ListedObject> {
  const { bucket, keyPrefix, base, include, signal } = options;
  const prefix = `${keyPrefix}${base === '' ? '' : `${base}/`}`;
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const page = await client
      .send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(options.pageSize === undefined ? {} : { MaxKeys: options.pageSize }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
        { abortSignal: signal },
      )
      .catch((error: unknown) => {
        signal.throwIfAborted();
        throw s3Error(error, `s3://${bucket}/${prefix}`);
      });
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || key.endsWith('/')) continue;
      const relativePath = key.slice(keyPrefix.length);
      if (!include(relativePath)) continue;
      yield {
        key,
        relativePath,
        size: object.Size ?? 0,
        etag: unquote(object.ETag),
        modified: object.LastModified?.getTime() ?? 0,
      };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

export function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}
