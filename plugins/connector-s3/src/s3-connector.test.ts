import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ConnectorState, FileItem, ReadItem } from '@assay/sdk';
import { startS3TestServer } from '../test/s3-test-server.ts';
import type { S3TestServer } from '../test/s3-test-server.ts';
import { createConnectorContext, itemRows } from '@assay/sdk/testing';
import { listObjects } from './list-objects.ts';
import { s3Connector } from './s3-connector.ts';

const BUCKET = 'connector-s3-test';
let s3: S3TestServer;
let endpoint: string;
let client: S3Client;
before(async () => {
  s3 = await startS3TestServer(BUCKET);
  endpoint = s3.endpoint;
  client = new S3Client({ ...clientOptions(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
});
after(async () => {
  client.destroy();
  await s3.stop();
});

const clientOptions = () => ({ region: 'us-east-1', endpoint, forcePathStyle: true });
let counter = 0;
/** A connection config for a fresh prefix of the test bucket. */
const connection = (overrides: Record<string, unknown> = {}) => ({
  bucket: BUCKET,
  prefix: `run-${process.pid}-${counter++}`,
  region: 'us-east-1',
  endpoint,
  forcePathStyle: true,
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  ...overrides,
});
const put = (config: { prefix: string }, key: string, body: string | Buffer) =>
  client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${config.prefix}/${key}`, Body: body }));
const files = (items: readonly ReadItem[]) => items.filter((item): item is FileItem => item.kind === 'file');

/** Reads a stream, keeping each downloaded file's content as it was when handed over. */
async function read(config: object, glob: string, state?: ConnectorState, signal?: AbortSignal) {
  const ctx = await createConnectorContext(signal === undefined ? {} : { signal });
  const items: ReadItem[] = [];
  const contents: string[] = [];
  let last = state;
  try {
    for await (const item of s3Connector.read(ctx, config as never, { name: 's', config: { glob } }, state)) {
      items.push(item);
      if (item.kind === 'file') contents.push(await readFile(item.path, 'utf8'));
      if (item.kind === 'state') last = item.state;
    }
    return { items, contents, state: last, workDir: ctx.workDir };
  } finally {
    await ctx.dispose();
  }
}

describe('s3 connector read', () => {
  test('downloads the objects matching the glob into the work directory, in key order', async () => {
    const config = connection();
    await put(config, 'sales/b.csv', 'id\n2\n');
    await put(config, 'sales/a.csv', 'id\n1\n');
    await put(config, 'sales/c.json', '[{"id":3}]');
    await put(config, 'sales/2024/d.csv', 'id\n4\n');
    await put(config, 'other/x.csv', 'id\n5\n');
    const { items, contents, workDir } = await read(config, 'sales/*.csv');
    assert.deepEqual(
      files(items).map((item) => [item.source, item.format]),
      [
        [`s3://${BUCKET}/${config.prefix}/sales/a.csv`, 'csv'],
        [`s3://${BUCKET}/${config.prefix}/sales/b.csv`, 'csv'],
      ],
    );
    assert.deepEqual(contents, ['id\n1\n', 'id\n2\n']);
    for (const item of files(items)) {
      assert.ok(item.path.startsWith(join(workDir, 'objects')), item.path);
      assert.match(item.path, /\.csv$/, 'the extension is kept for the readers');
    }
    assert.equal(items.at(-1)?.kind, 'state');

    const all = await read(config, '**/*.{csv,json}');
    assert.deepEqual(
      files(all.items).map((item) => item.source.split(`${config.prefix}/`)[1]),
      ['other/x.csv', 'sales/2024/d.csv', 'sales/a.csv', 'sales/b.csv', 'sales/c.json'],
    );
  });

  test("downloaded objects load through core's readers, compressed ones too", async () => {
    const config = connection();
    await put(config, 'in/a.csv.gz', gzipSync('id,name\n1,x\n2,y\n'));
    await put(config, 'in/b.ndjson', '{"id":3,"name":"z"}\n');
    const ctx = await createConnectorContext();
    const loaded: string[] = [];
    try {
      for await (const item of s3Connector.read(
        ctx,
        config as never,
        { name: 's', config: { glob: 'in/*' } },
        undefined,
      )) {
        if (item.kind !== 'file') continue;
        // Rows are read while the item is current: downloads are deleted once the next checkpoint is committed.
        const { rows, rejects } = await itemRows(item);
        assert.deepEqual(rejects, []);
        loaded.push(...rows.map((row) => `${String(row.id)}:${String(row.name)}:${item.format}`));
      }
    } finally {
      await ctx.dispose();
    }
    assert.deepEqual(loaded, ['1:x:csv', '2:y:csv', '3:z:ndjson']);
  });

  test('a second read downloads only new objects and objects whose size or ETag changed', async () => {
    const config = connection();
    await put(config, 'a.csv', 'id\n1\n');
    await put(config, 'b.csv', 'id\n2\n');
    await put(config, 'c.csv', 'id\n3\n');
    const first = await read(config, '*.csv');
    assert.equal(files(first.items).length, 3);

    await put(config, 'a.csv', 'id\n1\n'); // same bytes again: same size and ETag
    await put(config, 'b.csv', 'id\n9\n'); // same size, new ETag
    await put(config, 'd.csv', 'id\n4\n');
    const second = await read(config, '*.csv', first.state);
    assert.deepEqual(
      files(second.items).map((item) => item.source.split(`${config.prefix}/`)[1]),
      ['b.csv', 'd.csv'],
    );
    assert.deepEqual(second.contents, ['id\n9\n', 'id\n4\n']);

    const third = await read(config, '*.csv', second.state);
    assert.deepEqual(files(third.items), []);
    assert.deepEqual(third.state, second.state);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${config.prefix}/c.csv` }));
    const fourth = await read(config, '*.csv', third.state);
    assert.deepEqual(Object.keys((fourth.state as { files: object }).files), ['a.csv', 'b.csv', 'd.csv']);
  });

  test('probe counts the objects a read would download, without downloading them', async () => {
    const config = connection();
    await put(config, 'a.csv', 'id\n1\n');
    await put(config, 'b.json', '[]');
    const probe = async (state?: ConnectorState) => {
      const ctx = await createConnectorContext();
      try {
        const probed = await s3Connector.probe!(ctx, config as never, { name: 's', config: { glob: '*.csv' } }, state);
        assert.deepEqual(await readdir(ctx.workDir), [], 'nothing downloaded');
        return probed;
      } finally {
        await ctx.dispose();
      }
    };
    const before = await probe();
    assert.equal(before.newItems, 1);
    const first = await read(config, '*.csv');
    assert.deepEqual(await probe(first.state), { newItems: 0, fingerprint: '' });
    await put(config, 'c.csv', 'id\n3\n');
    const fresh = await probe(first.state);
    assert.equal(fresh.newItems, 1);
    assert.notEqual(fresh.fingerprint, before.fingerprint);
  });

  test('checkpoints every 100 objects and deletes the downloads before a checkpoint once it is committed', async () => {
    const config = connection();
    const keys = Array.from({ length: 205 }, (_, i) => `p/${String(i).padStart(4, '0')}.csv`);
    await Promise.all(keys.map((key) => put(config, key, 'id\n1\n')));
    const ctx = await createConnectorContext();
    const stateAt: number[] = [];
    let index = 0;
    let firstPath: string | undefined;
    try {
      for await (const item of s3Connector.read(
        ctx,
        config as never,
        { name: 's', config: { glob: 'p/*.csv' } },
        undefined,
      )) {
        if (item.kind === 'state') stateAt.push(index);
        if (item.kind === 'file') firstPath ??= item.path;
        if (index === 101) {
          assert.deepEqual(await readdir(join(firstPath!, '..')).catch(() => []), [], 'deleted after the checkpoint');
        }
        index++;
      }
      assert.deepEqual(stateAt, [100, 201, 207]);
      assert.equal((await readdir(join(ctx.workDir, 'objects'))).length, 5, "only the last checkpoint's downloads");
    } finally {
      await ctx.dispose();
    }
  });

  test('lists page by page', async () => {
    const config = connection();
    const keys = Array.from({ length: 25 }, (_, i) => `p/${String(i).padStart(2, '0')}.csv`);
    await Promise.all(keys.map((key) => put(config, key, 'id\n1\n')));
    await put(config, 'p/skip.json', '{}');
    const s3Client = new S3Client({
      ...clientOptions(),
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const listed = [];
    for await (const object of listObjects(s3Client, {
      bucket: BUCKET,
      keyPrefix: `${config.prefix}/`,
      base: 'p',
      include: (path) => path.endsWith('.csv'),
      signal: new AbortController().signal,
      pageSize: 10,
    })) {
      listed.push(object);
    }
    s3Client.destroy();
    assert.deepEqual(
      listed.map((object) => object.relativePath),
      keys,
    );
    assert.deepEqual(
      { size: listed[0]!.size, etag: listed[0]!.etag.length, key: listed[0]!.key },
      { size: 5, etag: 32, key: `${config.prefix}/p/00.csv` },
    );
  });

  test('an unknown format, a bad glob and a foreign state are refused with their codes', async () => {
    const config = connection();
    await put(config, 'notes.txt', 'hello');
    await assert.rejects(read(config, '*'), { code: 'FILE_FORMAT_UNKNOWN', message: /notes\.txt/ });
    await assert.rejects(read(config, '../*.csv'), { code: 'FILE_GLOB_INVALID' });
    await assert.rejects(read(config, '*.csv', { cursor: 1 }), { code: 'FILE_STATE_INVALID' });
  });

  test('an abort stops the read and leaves no partial download', async () => {
    const config = connection();
    await put(config, 'a.csv', 'id\n1\n');
    await put(config, 'b.csv', Buffer.alloc(32 * 1024 ** 2, 'x'));
    const controller = new AbortController();
    const ctx = await createConnectorContext({ signal: controller.signal });
    const seen: ReadItem[] = [];
    try {
      await assert.rejects(
        (async () => {
          for await (const item of s3Connector.read(
            ctx,
            config as never,
            { name: 's', config: { glob: '*.csv' } },
            undefined,
          )) {
            seen.push(item);
            setTimeout(() => controller.abort(), 5);
          }
        })(),
        { name: 'AbortError' },
      );
      assert.equal(seen.length, 1);
      const left = await readdir(join(ctx.workDir, 'objects'), { recursive: true });
      assert.ok(!left.some((name) => name.endsWith('b.csv')), `no partial b.csv: ${left.join(', ')}`);
    } finally {
      await ctx.dispose();
    }
  });

  test('wrong credentials fail the read with S3_AUTH_FAILED, a missing bucket with S3_NOT_FOUND', async () => {
    await assert.rejects(read(connection({ accessKeyId: 'WRONG' }), '*.csv'), {
      code: 'S3_AUTH_FAILED',
      errorClass: 'user',
      message: /InvalidAccessKeyId.*access key id and secret/,
    });
    await assert.rejects(read(connection({ bucket: 'no-such-bucket' }), '*.csv'), {
      code: 'S3_NOT_FOUND',
      message: /s3:\/\/no-such-bucket\//,
    });
  });
});

describe('s3 connector check', () => {
  const check = async (config: object) => {
    const ctx = await createConnectorContext();
    try {
      return await s3Connector.check(ctx, config as never);
    } finally {
      await ctx.dispose();
    }
  };

  test('lists the prefix', async () => {
    const config = connection();
    const empty = await check(config);
    assert.deepEqual(empty, {
      ok: true,
      message: `Listed s3://${BUCKET}/${config.prefix}/ on ${endpoint}: no objects yet`,
    });
    await put(config, 'a.csv', 'id\n1\n');
    assert.match((await check(config)).message, /objects found/);
  });

  // s3rver knows one key pair (S3RVER/S3RVER) and does not verify SigV4 signatures, so an unknown key id is the
  // wrong credential it can refuse; SignatureDoesNotMatch is covered by s3-failure.test.ts.
  test('diagnoses AUTH_FAILED for an unknown access key', async () => {
    const unknown = await check(connection({ accessKeyId: 'WRONG-KEY', secretAccessKey: 'WRONG-SECRET' }));
    assert.deepEqual([unknown.ok, unknown.code], [false, 'AUTH_FAILED']);
    assert.match(unknown.message, /InvalidAccessKeyId.*check the access key id and secret access key/);
    assert.doesNotMatch(unknown.message, /WRONG-SECRET/, 'the secret is never echoed');
  });

  test('diagnoses NOT_FOUND for a missing bucket', async () => {
    const result = await check(connection({ bucket: 'no-such-bucket' }));
    assert.deepEqual([result.ok, result.code], [false, 'NOT_FOUND']);
    assert.match(result.message, /s3:\/\/no-such-bucket\/.*does not exist/);
  });

  test('diagnoses CONNECTION_REFUSED for a closed port and HOST_NOT_FOUND for an unknown host', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const refused = await check(connection({ endpoint: `http://127.0.0.1:${port}` }));
    assert.deepEqual([refused.ok, refused.code], [false, 'CONNECTION_REFUSED']);
    assert.match(refused.message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    const unknown = await check(connection({ endpoint: 'http://assay-no-such-host.invalid:9000' }));
    assert.deepEqual([unknown.ok, unknown.code], [false, 'HOST_NOT_FOUND']);
  });

  test('a key id without a secret is INVALID_CONFIG', async () => {
    const result = await check(connection({ secretAccessKey: undefined }));
    assert.deepEqual([result.ok, result.code], [false, 'INVALID_CONFIG']);
  });
});

describe('s3 connector discover', () => {
  test('proposes one stream per directory and extension and describes its first object', async () => {
    const config = connection();
    await put(config, 'sales/2024-01.csv', 'id,amount\n1,2.5\n');
    await put(config, 'sales/2024-02.csv', 'id,amount\n2,3.5\n');
    await put(config, 'sales/notes.txt', 'not data');
    await put(config, 'events/a.ndjson', '{"id":1}\n');
    const ctx = await createConnectorContext();
    try {
      const streams = await s3Connector.discover(ctx, config as never);
      assert.deepEqual(
        streams.map((stream) => [stream.name, stream.details?.glob, stream.details?.objectCount]),
        [
          ['events_ndjson', 'events/*.ndjson', 1],
          ['sales_csv', 'sales/*.csv', 2],
        ],
      );
      assert.equal(streams[1]?.details?.firstObject, `s3://${BUCKET}/${config.prefix}/sales/2024-01.csv`);
      assert.deepEqual(
        streams.map((stream) => stream.columns.map((column) => `${column.name} ${column.type}`)),
        [['id BIGINT'], ['id BIGINT', 'amount DOUBLE']],
      );
      assert.deepEqual(await readdir(join(ctx.workDir, 'discover')), [], 'previews are deleted once described');
    } finally {
      await ctx.dispose();
    }
  });
});
