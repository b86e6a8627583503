import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3TestServer } from './conditional-write-shim.ts';

const s3 = await startS3TestServer();
after(() => s3.stop());
const clientFor = (endpoint: string) =>
  new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
  });
const conditionalPut = (client: S3Client, key: string, body: string) =>
  client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, IfNoneMatch: '*' })).then(
    () => 200,
    (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode ?? 0,
  );

describe('conditional-write shim', () => {
  test('s3rver alone ignores If-None-Match: *, which is why the shim exists', async () => {
    const direct = clientFor(s3.directEndpoint);
    assert.equal(await conditionalPut(direct, 'direct/a', '1'), 200);
    assert.equal(await conditionalPut(direct, 'direct/a', '2'), 200);
    direct.destroy();
  });

  test('the shim answers 412 when the key exists, and lets exactly one of 20 concurrent writers win', async () => {
    const client = clientFor(s3.endpoint);
    assert.equal(await conditionalPut(client, 'shim/a', '1'), 200);
    assert.equal(await conditionalPut(client, 'shim/a', '2'), 412);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => conditionalPut(client, 'shim/b', `${index}`)),
    );
    assert.equal(statuses.filter((status) => status === 200).length, 1);
    assert.equal(statuses.filter((status) => status === 412).length, 19);
    client.destroy();
  });

  test('unconditional requests pass through unchanged', async () => {
    const client = clientFor(s3.endpoint);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'plain/a', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'plain/a', Body: 'two' }));
    const answer = await fetch(`${s3.endpoint}/${s3.bucket}/plain/a`);
    assert.equal(await answer.text(), 'two');
    client.destroy();
  });
});
