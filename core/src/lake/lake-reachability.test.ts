import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import S3rver from 's3rver';
import { createLakeReachabilityCheck } from './lake-reachability.ts';

let dir: string;
let server: S3rver;
let endpoint: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-lake-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(dir, 's3'),
    configureBuckets: [{ name: 'assay-lake', configs: [] }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const s3Env = (overrides: Record<string, string> = {}) => ({
  AWS_ENDPOINT_URL_S3: endpoint,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  ...overrides,
});

describe('lake reachability', () => {
  test('a local lake directory is created and passes', async () => {
    const path = join(dir, 'local', 'lake');
    await createLakeReachabilityCheck({ kind: 'local', path })();
  });

  test('a local lake below a file fails with LAKE_UNREACHABLE and the reason', async () => {
    const file = join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    await assert.rejects(createLakeReachabilityCheck({ kind: 'local', path: join(file, 'lake') })(), {
      code: 'LAKE_UNREACHABLE',
      message: /Lake directory .*not-a-directory\/lake is not writable \(ENOTDIR\)/,
    });
  });

  test('an existing S3 bucket passes', async () => {
    await createLakeReachabilityCheck({ kind: 's3', bucket: 'assay-lake', prefix: 'lake' }, s3Env())();
  });

  test('a missing S3 bucket fails naming it', async () => {
    await assert.rejects(createLakeReachabilityCheck({ kind: 's3', bucket: 'no-such-bucket', prefix: '' }, s3Env())(), {
      code: 'LAKE_UNREACHABLE',
      message: /s3:\/\/no-such-bucket is not reachable \(NotFound/,
    });
  });

  test('an S3 endpoint that does not answer fails instead of hanging', async () => {
    const check = createLakeReachabilityCheck(
      { kind: 's3', bucket: 'assay-lake', prefix: '' },
      s3Env({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' }),
    );
    await assert.rejects(check(), { code: 'LAKE_UNREACHABLE', message: /ECONNREFUSED/ });
  });
});
