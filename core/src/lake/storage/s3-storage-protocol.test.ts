import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { createS3Storage } from './s3-storage.ts';
import { listPaths } from './storage-conformance.ts';

/** A scripted S3 endpoint: each test sets `answer`, and every request is recorded as `METHOD url`. */
type Answer = (request: IncomingMessage) => { status: number; body?: string };
let answer: Answer = () => ({ status: 500 });
const seen: string[] = [];
const server = createServer((request, response) => {
  seen.push(`${request.method ?? ''} ${request.url ?? ''}`);
  request.resume();
  request.on('end', () => {
    const { status, body } = answer(request);
    response.writeHead(status, { 'content-type': 'application/xml' }).end(body);
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const scratch = await mkdtemp(join(tmpdir(), 'assay-s3-protocol-'));
after(async () => {
  server.close();
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  seen.length = 0;
});

const storage = createS3Storage({
  bucket: 'b',
  prefix: 'lake',
  endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  forcePathStyle: true,
  credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
  conditionalWrites: true,
  multipartThreshold: 10,
  partSize: 10,
});
const error = (status: number, code: string) => ({
  status,
  body: `<Error><Code>${code}</Code><Message>m</Message></Error>`,
});
const object = (key: string) =>
  `<Contents><Key>${key}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><Size>3</Size></Contents>`;

describe('S3 storage against scripted answers', () => {
  test('list follows continuation tokens across pages and strips the lake prefix', async () => {
    answer = (request) => {
      const second = request.url?.includes('continuation-token=page2') === true;
      const contents = second ? object('lake/t/c') : object('lake/t/a') + object('lake/t/b');
      const more = second
        ? '<IsTruncated>false</IsTruncated>'
        : '<IsTruncated>true</IsTruncated><NextContinuationToken>page2</NextContinuationToken>';
      return { status: 200, body: `<ListBucketResult>${more}${contents}</ListBucketResult>` };
    };
    assert.deepEqual(await listPaths(storage, 't/', { recursive: false }), ['t/a', 't/b', 't/c']);
    assert.equal(seen.length, 2);
    assert.match(seen[0]!, /delimiter=%2F/);
    assert.match(seen[0]!, /prefix=lake%2Ft%2F/);
  });

  test('403 SignatureDoesNotMatch and AccessDenied are STORAGE_ACCESS_DENIED', async () => {
    for (const code of ['SignatureDoesNotMatch', 'AccessDenied']) {
      answer = () => error(403, code);
      await assert.rejects(storage.read('t/a.json'), {
        code: 'STORAGE_ACCESS_DENIED',
        message: new RegExp(`s3://b/lake/t/a\\.json \\(${code}\\): check the lake's S3 credentials`),
      });
    }
    answer = () => ({ status: 403 });
    await assert.rejects(storage.head('t/a.json'), { code: 'STORAGE_ACCESS_DENIED' });
  });

  test('5xx answers are STORAGE_UNAVAILABLE; other refusals are STORAGE_REQUEST_FAILED', async () => {
    answer = () => error(503, 'SlowDown');
    await assert.rejects(storage.write('t/a.json', 'x'), { code: 'STORAGE_UNAVAILABLE', errorClass: 'operational' });
    answer = () => error(400, 'InvalidRequest');
    await assert.rejects(storage.write('t/a.json', 'x'), {
      code: 'STORAGE_REQUEST_FAILED',
      errorClass: 'unexpected',
      message: /s3:\/\/b\/lake\/t\/a\.json failed \(InvalidRequest 400\)/,
    });
  });

  test('putIfAbsent sends If-None-Match: *, answers false on 412 and STORAGE_CONFLICT on 409', async () => {
    let header: string | string[] | undefined;
    answer = (request) => {
      header = request.headers['if-none-match'];
      return error(412, 'PreconditionFailed');
    };
    assert.equal(await storage.putIfAbsent('t/_delta_log/1.json', '{}'), false);
    assert.equal(header, '*');
    answer = () => error(409, 'ConditionalRequestConflict');
    await assert.rejects(storage.putIfAbsent('t/_delta_log/1.json', '{}'), {
      code: 'STORAGE_CONFLICT',
      errorClass: 'operational',
      message: /s3:\/\/b\/lake\/t\/_delta_log\/1\.json/,
    });
  });

  test('a failed multipart upload is aborted and reported', async () => {
    const local = join(scratch, 'part.parquet');
    await writeFile(local, 'x'.repeat(25));
    let abortStatus = 204;
    answer = (request) => {
      if (request.method === 'POST')
        return {
          status: 200,
          body: '<InitiateMultipartUploadResult><UploadId>up1</UploadId></InitiateMultipartUploadResult>',
        };
      if (request.method === 'DELETE') return { status: abortStatus };
      return request.url?.includes('partNumber=2') === true ? error(403, 'AccessDenied') : { status: 200 };
    };
    await assert.rejects(storage.writeFromFile('t/p.parquet', local), {
      code: 'STORAGE_ACCESS_DENIED',
      details: undefined,
    });
    assert.ok(seen.some((request) => request.startsWith('DELETE /b/lake/t/p.parquet?uploadId=up1')));
    assert.ok(
      !seen.some(
        (request) =>
          request.includes('CompleteMultipartUpload') || request.startsWith('POST /b/lake/t/p.parquet?uploadId'),
      ),
    );

    abortStatus = 500;
    await assert.rejects(
      storage.writeFromFile('t/p.parquet', local),
      (failure: { code: string; details: Record<string, unknown> }) => {
        assert.equal(failure.code, 'STORAGE_ACCESS_DENIED');
        assert.equal(failure.details.uploadId, 'up1');
        assert.equal(typeof failure.details.abortFailure, 'string');
        return true;
      },
    );
  });

  test('objects DeleteObjects could not delete are reported with their keys', async () => {
    answer = () => ({
      status: 200,
      body: '<DeleteResult><Error><Key>lake/t/a</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>',
    });
    await assert.rejects(storage.delete(['t/a', 't/b']), {
      code: 'STORAGE_ACCESS_DENIED',
      message: /s3:\/\/b\/lake\/t\/a/,
      details: { failedKeys: ['lake/t/a'] },
    });
  });
});
