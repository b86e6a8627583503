import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssayError, InputError, OperationalError } from '@assay/sdk';
import type { ByteRange, LakeStorage } from './lake-storage.ts';
import { s3Failure, s3StorageError } from './s3-errors.ts';
import { listS3Objects } from './s3-list.ts';
import { uploadMultipart } from './s3-multipart.ts';

/** Where an S3 lake lives and how to reach it. */
export interface S3StorageOptions {
  bucket: string;
  /** Key prefix of the lake inside the bucket, e.g. `lake` (no leading or trailing `/` needed). */
  prefix: string;
  /** An S3-compatible server, e.g. `http://minio:9000`; AWS when omitted. */
  endpoint?: string;
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Explicit keys; the AWS default chain (environment, profile, instance role) applies when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Whether the server honours `If-None-Match: *` on PUT (AWS S3 does since 2024; many compatible servers do not). */
  conditionalWrites: boolean;
  /** Files larger than this are uploaded in parts by `writeFromFile`. Default 64 MiB. */
  multipartThreshold?: number;
  /** Bytes per multipart part (S3 requires at least 5 MiB except for the last). Default 16 MiB. */
  partSize?: number;
}

const MiB = 1024 * 1024;
const DELETE_BATCH = 1000;

/**
 * Lake storage in an S3 bucket under a prefix. Every write is a single PUT or a multipart upload, which S3 makes
 * visible all at once. `putIfAbsent` uses `If-None-Match: *` when the server supports conditional writes; otherwise
 * it throws `STORAGE_PUT_IF_ABSENT_UNSUPPORTED` and commits must go through the Postgres commit lock.
 *
 * @example
 * ```ts
 * const storage = createS3Storage({ bucket: 'assay', prefix: 'lake', conditionalWrites: true });
 * await storage.write('demo/bronze/orders/_delta_log/00000000000000000000.json', '{}');
 * ```
 */
export function createS3Storage(options: S3StorageOptions): LakeStorage {
  const { bucket, conditionalWrites } = options;
  const root = options.prefix.replace(/^\/+|\/+$/g, '');
  const threshold = options.multipartThreshold ?? 64 * MiB;
  const client = new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // Checksums only where S3 requires them: many S3-compatible servers reject the newer flexible-checksum trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
  const key = (path: string) => {
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.')) {
      throw new InputError(`Path "${path}" leaves the storage root s3://${bucket}/${root}`, {
        code: 'STORAGE_PATH_INVALID',
      });
    }
    return root === '' ? path : `${root}/${path}`;
  };
  const describe = (path: string) => `s3://${bucket}/${key(path)}`;
  const fail = (path: string) => (error: unknown) => Promise.reject(s3StorageError(error, describe(path)));
  const put = (path: string, body: Buffer | Readable, length: number, ifNoneMatch?: '*') =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key(path),
        Body: body,
        ContentLength: length,
        ...(ifNoneMatch === undefined ? {} : { IfNoneMatch: ifNoneMatch }),
      }),
    );
  const head = async (path: string) => {
    try {
      const answer = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key(path) }));
      return { path, size: answer.ContentLength ?? 0, modified: answer.LastModified ?? new Date(0) };
    } catch (error) {
      if (s3Failure(error).status === 404) return undefined;
      throw s3StorageError(error, describe(path));
    }
  };

  return {
    url: `s3://${bucket}${root === '' ? '' : `/${root}`}`,
    describe,
    list: (prefix, listOptions = {}) =>
      listS3Objects(
        client,
        { bucket, prefix: key(prefix), root, where: describe(prefix) },
        listOptions.recursive ?? true,
        listOptions.startAfter === undefined ? undefined : key(listOptions.startAfter),
      ),
    head,
    async read(path, range?: ByteRange) {
      // `bytes=n-(n-1)` is not a valid range, and S3 would answer with the whole object.
      if (range !== undefined && range.length <= 0) {
        if ((await head(path)) === undefined) throw s3StorageError({ name: 'NoSuchKey' }, describe(path));
        return Buffer.alloc(0);
      }
      const rangeHeader =
        range === undefined ? {} : { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` };
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(path), ...rangeHeader }));
        const bytes = Buffer.from(await answer.Body!.transformToByteArray());
        // Some S3-compatible servers ignore a range they find odd (s3rver: `bytes=0-0`) and send everything.
        if (range !== undefined && bytes.length > range.length) {
          const start = answer.ContentRange?.startsWith(`bytes ${range.offset}-`) === true ? 0 : range.offset;
          return bytes.subarray(start, start + range.length);
        }
        return bytes;
      } catch (error) {
        // Like a local file, a range past the end reads as empty.
        if (s3Failure(error).name === 'InvalidRange') return Buffer.alloc(0);
        throw s3StorageError(error, describe(path));
      }
    },
    async readStream(path) {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(path) })).catch(fail(path));
      return answer.Body as Readable;
    },
    async write(path, body) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      await put(path, bytes, bytes.length).catch(fail(path));
    },
    async writeFromFile(path, localFile) {
      const target = describe(path);
      const { size } = await stat(localFile).catch((error: unknown) => {
        throw new InputError(`Local file ${localFile} to upload to ${target} cannot be read`, {
          code: 'STORAGE_LOCAL_FILE_UNREADABLE',
          cause: error,
        });
      });
      if (size > threshold) {
        const partSize = options.partSize ?? 16 * MiB;
        return uploadMultipart({ client, bucket, key: key(path), where: target, partSize }, localFile, size);
      }
      await put(path, createReadStream(localFile), size).catch(fail(path));
    },
    async putIfAbsent(path, body) {
      if (!conditionalWrites) {
        throw new AssayError(
          `${describe(path)}: this S3 server is configured without conditional writes, so put-if-absent is not ` +
            'atomic here; commit through the Postgres commit lock (createPgCommitLock) instead',
          { code: 'STORAGE_PUT_IF_ABSENT_UNSUPPORTED' },
        );
      }
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      try {
        await put(path, bytes, bytes.length, '*');
        return true;
      } catch (error) {
        const { name, status } = s3Failure(error);
        if (status === 412 || name === 'PreconditionFailed') return false;
        if (status === 409 || name === 'ConditionalRequestConflict') {
          throw new OperationalError(`A concurrent conditional write to ${describe(path)} is in progress: retry`, {
            code: 'STORAGE_CONFLICT',
            cause: error,
          });
        }
        throw s3StorageError(error, describe(path));
      }
    },
    async delete(paths) {
      for (let start = 0; start < paths.length; start += DELETE_BATCH) {
        const batch = paths.slice(start, start + DELETE_BATCH);
        const answer = await client
          .send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: batch.map((path) => ({ Key: key(path) })), Quiet: true },
            }),
          )
          .catch(fail(batch[0]!));
        const failed = answer.Errors?.[0];
        if (failed !== undefined) {
          const where = `s3://${bucket}/${failed.Key ?? ''}`;
          throw s3StorageError({ name: failed.Code ?? 'DeleteFailed', message: failed.Message }, where, {
            failedKeys: answer.Errors!.map((error) => error.Key),
          });
        }
      }
    },
    localPath: () => undefined,
  };
}
