import { open } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import { s3StorageError } from './s3-errors.ts';

/** Where and how a multipart upload goes. */
export interface MultipartTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** `s3://bucket/key`, for messages. */
  readonly where: string;
  /** Bytes per part; raised when needed to stay within S3's 10,000 parts. */
  readonly partSize: number;
}

const MAX_PARTS = 10_000;
const PARALLEL_PARTS = 4;

/**
 * Uploads `size` bytes of `localFile` as one S3 multipart upload: the object appears only when the upload completes,
 * so readers never see part of it. A failed upload is aborted so its parts do not linger (and cost) in the bucket.
 */
export async function uploadMultipart(target: MultipartTarget, localFile: string, size: number): Promise<void> {
  const { client, bucket, key, where } = target;
  const partSize = Math.max(target.partSize, Math.ceil(size / MAX_PARTS));
  const created = await client
    .send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))
    .catch((error: unknown) => Promise.reject(s3StorageError(error, where)));
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw s3StorageError(new Error('CreateMultipartUpload returned no UploadId'), where);
  const file = await open(localFile, 'r');
  try {
    const parts = await uploadParts(target, uploadId, file, size, partSize);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    const abortFailure = await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .then(
        () => undefined,
        (abortError: unknown) => (abortError instanceof Error ? abortError.message : String(abortError)),
      );
    // The upload error is what the caller must act on; a failed abort is reported alongside it, never dropped.
    throw s3StorageError(error, where, abortFailure === undefined ? undefined : { uploadId, abortFailure });
  } finally {
    await file.close();
  }
}

async function uploadParts(
  target: MultipartTarget,
  uploadId: string,
  file: Awaited<ReturnType<typeof open>>,
  size: number,
  partSize: number,
): Promise<CompletedPart[]> {
  const count = Math.max(1, Math.ceil(size / partSize));
  const parts: CompletedPart[] = new Array<CompletedPart>(count);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      const index = next++;
      const offset = index * partSize;
      const length = Math.min(partSize, size - offset);
      const body = Buffer.alloc(length);
      const { bytesRead } = await file.read(body, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${target.where}: local file changed size during upload`);
      const answer = await target.client.send(
        new UploadPartCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: uploadId,
          PartNumber: index + 1,
          Body: body,
          ContentLength: length,
        }),
      );
      parts[index] = { PartNumber: index + 1, ETag: answer.ETag };
    }
  };
  // Settle every worker before the caller aborts, so no part is uploaded after the abort.
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(PARALLEL_PARTS, count) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return parts;
}
