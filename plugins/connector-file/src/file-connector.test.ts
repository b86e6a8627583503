import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConnectorState, FileItem, ReadItem } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { createConnectorContext, itemRows, readAll } from '@assay/sdk/testing';
import { fileConnector } from './file-connector.ts';

let scratch: string;
let allowed: string;
let outside: string;
before(async () => {
  scratch = await realpath(await mkdtemp(join(tmpdir(), 'assay-connector-file-')));
  allowed = join(scratch, 'allowed');
  outside = join(scratch, 'outside');
  await mkdir(allowed);
  await mkdir(outside);
  await writeFile(join(outside, 'secret.csv'), 'secret\n1\n');
});
after(() => rm(scratch, { recursive: true, force: true }));

let counter = 0;
/** A fresh server directory inside the allowed root, with the given files. */
async function serverRoot(files: Record<string, string>): Promise<string> {
  const root = join(allowed, `root-${counter++}`);
  await mkdir(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

const context = (options: { signal?: AbortSignal; uploadsDir?: string } = {}) =>
  createConnectorContext({ ...options, pluginConfig: { allowedRoots: [allowed] } });
const server = (root: string) => ({ source: 'server' as const, root });
const files = (items: readonly ReadItem[]) => items.filter((item): item is FileItem => item.kind === 'file');
const states = (items: readonly ReadItem[]) => items.filter((item) => item.kind === 'state');

async function read(root: string, glob: string, state?: ConnectorState, extra: Record<string, unknown> = {}) {
  const ctx = await context();
  try {
    return await readAll(fileConnector, ctx, server(root), { name: 's', config: { glob, ...extra } }, state);
  } finally {
    await ctx.dispose();
  }
}

describe('file connector read', () => {
  test('hands over the files matching the glob, sorted, where they lie, then one state', async () => {
    const root = await serverRoot({
      'sales/b.csv': 'id\n2\n',
      'sales/a.csv': 'id\n1\n',
      'sales/c.json': '[{"id":3}]',
      'sales/.partial.csv': 'id\n9\n',
      'sales/2024/d.csv': 'id\n4\n',
      'other/x.csv': 'id\n5\n',
    });
    const { items, state } = await read(root, 'sales/*.csv');
    assert.deepEqual(
      files(items).map((item) => [item.path, item.source, item.format]),
      [
        [join(root, 'sales/a.csv'), join(root, 'sales/a.csv'), 'csv'],
        [join(root, 'sales/b.csv'), join(root, 'sales/b.csv'), 'csv'],
      ],
    );
    assert.equal(items.at(-1)?.kind, 'state');
    assert.equal(states(items).length, 1);
    assert.deepEqual(Object.keys((state as { files: object }).files), ['sales/a.csv', 'sales/b.csv']);

    const everything = await read(root, '**/*.{csv,json}');
    assert.deepEqual(
      files(everything.items).map((item) => [item.source.slice(root.length + 1), item.format]),
      [
        ['other/x.csv', 'csv'],
        ['sales/2024/d.csv', 'csv'],
        ['sales/a.csv', 'csv'],
        ['sales/b.csv', 'csv'],
        ['sales/c.json', 'json'],
      ],
    );
  });

  test('a second read hands over only new files and files whose size or mtime changed', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n', 'b.csv': 'id\n2\n', 'c.csv': 'id\n3\n' });
    const first = await read(root, '*.csv');
    assert.equal(files(first.items).length, 3);

    await writeFile(join(root, 'd.csv'), 'id\n4\n');
    await writeFile(join(root, 'b.csv'), 'id\n22\n'); // size changes
    const later = new Date(Date.now() + 60_000);
    await utimes(join(root, 'c.csv'), later, later); // same size, new mtime
    const second = await read(root, '*.csv', first.state);
    assert.deepEqual(
      files(second.items).map((item) => item.source.slice(root.length + 1)),
      ['b.csv', 'c.csv', 'd.csv'],
    );

    const third = await read(root, '*.csv', second.state);
    assert.deepEqual(files(third.items), []);
    assert.deepEqual(third.state, second.state, 'nothing new: the state stays as it was');

    await rm(join(root, 'a.csv'));
    const fourth = await read(root, '*.csv', third.state);
    assert.deepEqual(files(fourth.items), []);
    assert.deepEqual(Object.keys((fourth.state as { files: object }).files), ['b.csv', 'c.csv', 'd.csv']);

    await writeFile(join(root, 'a.csv'), 'id\n1\n');
    const fifth = await read(root, '*.csv', fourth.state);
    assert.deepEqual(
      files(fifth.items).map((item) => item.source.slice(root.length + 1)),
      ['a.csv'],
      'a file that came back after it was forgotten is new again',
    );
  });

  test('probe counts the files a read would load and fingerprints exactly that set', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n', 'b.csv': 'id\n2\n' });
    const probe = async (state?: ConnectorState) => {
      const ctx = await context();
      try {
        return await fileConnector.probe!(ctx, server(root), { name: 's', config: { glob: '*.csv' } }, state);
      } finally {
        await ctx.dispose();
      }
    };
    const before = await probe();
    assert.equal(before.newItems, 2);
    assert.equal((await probe()).fingerprint, before.fingerprint, 'the same files, the same fingerprint');

    const first = await read(root, '*.csv');
    assert.deepEqual(await probe(first.state), { newItems: 0, fingerprint: '' });
    await writeFile(join(root, 'c.csv'), 'id\n3\n');
    const fresh = await probe(first.state);
    assert.equal(fresh.newItems, 1);
    assert.notEqual(fresh.fingerprint, before.fingerprint);
    await writeFile(join(root, 'c.csv'), 'id\n33\n');
    assert.notEqual((await probe(first.state)).fingerprint, fresh.fingerprint, 'a rewritten file is a new event');
  });

  test('checkpoints every 100 files, and a read resumed from a mid-read checkpoint reads the rest', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 250; i++) many[`f${String(i).padStart(3, '0')}.csv`] = `id\n${i}\n`;
    const root = await serverRoot(many);
    const { items } = await read(root, '*.csv');
    assert.deepEqual(
      items.map((item, index) => (item.kind === 'state' ? index : -1)).filter((index) => index >= 0),
      [100, 201, 252],
    );
    const firstCheckpoint = (items[100] as { state: ConnectorState }).state;
    const resumed = await read(root, '*.csv', firstCheckpoint);
    assert.deepEqual(
      files(resumed.items).map((item) => item.source.slice(root.length + 1)),
      Object.keys(many).slice(100),
    );
  });

  test('formats come from the extension or the stream, with the stream options handed along', async () => {
    const root = await serverRoot({
      'a.csv.gz': '',
      'b.ndjson': '{"id":1}\n',
      'c.jsonl': '{"id":1}\n',
      'd.parquet': '',
      'e.xlsx': '',
      'f.tsv': 'id\n1\n',
      'g.json.zst': '',
    });
    const { items } = await read(root, '*', undefined, {
      csv: { delimiter: ';', header: true, nullString: '\\N' },
      xlsx: { sheet: 'Data' },
    });
    assert.deepEqual(
      files(items).map((item) => [item.source.slice(root.length + 1), item.format, item.options]),
      [
        ['a.csv.gz', 'csv', { csv: { delimiter: ';', header: true, nullString: '\\N' } }],
        ['b.ndjson', 'ndjson', undefined],
        ['c.jsonl', 'ndjson', undefined],
        ['d.parquet', 'parquet', undefined],
        ['e.xlsx', 'xlsx', { xlsx: { sheet: 'Data' } }],
        ['f.tsv', 'csv', { csv: { delimiter: ';', header: true, nullString: '\\N' } }],
        ['g.json.zst', 'json', undefined],
      ],
    );

    const forced = await read(root, 'b.*', undefined, { format: 'csv', compression: 'gzip' });
    assert.deepEqual(files(forced.items)[0]?.options, { compression: 'gzip' });
    assert.equal(files(forced.items)[0]?.format, 'csv');
  });

  test("the files handed over load through core's readers: csv, csv.gz, json, ndjson, parquet", async () => {
    const root = await serverRoot({
      'a.csv': 'id,name\n1,x\n2,y\n',
      'b.ndjson': '{"id":3,"name":"z"}\n',
      'c.json': '[{"id":4,"name":"w"}]',
    });
    await writeFile(join(root, 'd.csv.gz'), gzipSync('id,name\n5,v\n'));
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    await connection.run(`COPY (SELECT 6::BIGINT AS id, 'u' AS name) TO '${join(root, 'e.parquet')}' (FORMAT parquet)`);
    connection.closeSync();
    duckdb.closeSync();

    const { items } = await read(root, '*');
    const loaded = [];
    for (const item of files(items)) {
      const { rows, rejects } = await itemRows(item);
      assert.deepEqual(rejects, [], item.source);
      loaded.push(...rows.map((row) => `${String(row.id)}:${String(row.name)}:${item.format}`));
    }
    assert.deepEqual(loaded, ['1:x:csv', '2:y:csv', '3:z:ndjson', '4:w:json', '5:v:csv', '6:u:parquet']);
  });

  test('a file no reader knows fails the read with FILE_FORMAT_UNKNOWN before anything is handed over', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n', 'notes.txt': 'hello' });
    const ctx = await context();
    const seen: ReadItem[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of fileConnector.read(
          ctx,
          server(root) as never,
          { name: 's', config: { glob: '*' } },
          undefined,
        ))
          seen.push(item);
      })(),
      { code: 'FILE_FORMAT_UNKNOWN', message: new RegExp(`${join(root, 'notes.txt')}.*"format"`) },
    );
    assert.deepEqual(seen, []);
    await ctx.dispose();
  });

  test('a glob leaving the root is refused with FILE_GLOB_INVALID', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n' });
    for (const glob of ['../outside/*.csv', '/etc/*', 'a/../../*.csv', './a.csv']) {
      await assert.rejects(read(root, glob), { code: 'FILE_GLOB_INVALID' }, glob);
    }
  });

  test('a state this connector did not write is refused with FILE_STATE_INVALID', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n' });
    await assert.rejects(read(root, '*.csv', { cursor: 5 }), { code: 'FILE_STATE_INVALID' });
  });

  test('an abort mid-read stops the read', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n', 'b.csv': 'id\n2\n', 'c.csv': 'id\n3\n' });
    const controller = new AbortController();
    const ctx = await context({ signal: controller.signal });
    const seen: ReadItem[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of fileConnector.read(
          ctx,
          server(root) as never,
          { name: 's', config: { glob: '*.csv' } },
          undefined,
        )) {
          seen.push(item);
          controller.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.equal(seen.length, 1);
    await ctx.dispose();
  });
});

describe('file connector allowed roots', () => {
  test('without allowed roots every server directory is refused with FILE_ROOT_NOT_ALLOWED', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n' });
    const ctx = await createConnectorContext();
    try {
      const result = await fileConnector.check(ctx, { source: 'server', root });
      assert.equal(result.ok, false);
      assert.equal(result.code, 'FILE_ROOT_NOT_ALLOWED');
      assert.match(result.message, /pluginConfig\.connector-file\.allowedRoots/);
      await assert.rejects(readAll(fileConnector, ctx, server(root), { name: 's', config: { glob: '*' } }), {
        code: 'FILE_ROOT_NOT_ALLOWED',
      });
    } finally {
      await ctx.dispose();
    }
  });

  test('".." and symlinks out of the allowed root are refused', async () => {
    // Written with literal `..` segments: path.join would normalise them away before the connector saw them.
    const escapes = [`${allowed}/../outside`, `${allowed}/root-x/../../outside`];
    const link = join(allowed, `link-out-${counter++}`);
    await symlink(outside, link);
    escapes.push(link);
    const ctx = await context();
    try {
      for (const root of escapes) {
        const result = await fileConnector.check(ctx, { source: 'server', root });
        assert.deepEqual([result.ok, result.code], [false, 'FILE_ROOT_NOT_ALLOWED'], root);
        await assert.rejects(readAll(fileConnector, ctx, server(root), { name: 's', config: { glob: '*.csv' } }), {
          code: 'FILE_ROOT_NOT_ALLOWED',
        });
      }
      const refused = await fileConnector.check(ctx, { source: 'server', root: link });
      assert.match(refused.message, /once symlinks are resolved/);
    } finally {
      await ctx.dispose();
    }
  });

  test('a symlink inside the root is followed only when it points inside the root', async () => {
    const root = await serverRoot({ 'data/a.csv': 'id\n1\n' });
    await symlink(join(root, 'data/a.csv'), join(root, 'data/b.csv'));
    const inside = await read(root, 'data/*.csv');
    assert.deepEqual(
      files(inside.items).map((item) => [item.source, item.path]),
      [
        [join(root, 'data/a.csv'), join(root, 'data/a.csv')],
        [join(root, 'data/b.csv'), join(root, 'data/a.csv')],
      ],
    );

    await symlink(join(outside, 'secret.csv'), join(root, 'data/c.csv'));
    await assert.rejects(read(root, 'data/*.csv'), {
      code: 'FILE_SYMLINK_OUTSIDE_ROOT',
      message: new RegExp(`data/c\\.csv is a symlink to ${join(outside, 'secret.csv')}`),
    });

    await symlink(outside, join(root, 'linked-dir'));
    await assert.rejects(read(root, 'linked-dir/*.csv'), { code: 'FILE_SYMLINK_OUTSIDE_ROOT' });
    const walked = await read(root, '**/*.csv', undefined).catch((error: unknown) => error);
    assert.equal((walked as { code?: string }).code, 'FILE_SYMLINK_OUTSIDE_ROOT', 'data/c.csv still refused');
    await rm(join(root, 'data/c.csv'));
    const noFollow = await read(root, '**/*.csv');
    assert.ok(
      files(noFollow.items).every((item) => !item.path.startsWith(outside)),
      'symlinked directories are not followed',
    );
  });
});

describe('file connector uploads', () => {
  test('reads the files uploaded to the connection, named upload://<name>', async () => {
    const uploadsDir = join(scratch, `uploads-${counter++}`);
    await mkdir(uploadsDir);
    await writeFile(join(uploadsDir, 'orders.csv'), 'id\n1\n');
    await writeFile(join(uploadsDir, '.0b7e.partial'), 'id\n');
    const ctx = await createConnectorContext({ uploadsDir });
    try {
      const config = { source: 'upload' };
      const check = await fileConnector.check(ctx, config as never);
      assert.deepEqual([check.ok, check.message], [true, 'Listed the uploads directory: 1 entry']);
      const { items, state } = await readAll(fileConnector, ctx, config, { name: 's', config: { glob: '*.csv' } });
      assert.deepEqual(
        files(items).map((item) => [item.path, item.source]),
        [[join(uploadsDir, 'orders.csv'), 'upload://orders.csv']],
      );
      await writeFile(join(uploadsDir, 'orders.csv'), 'id\n1\n2\n'); // replaced by a new upload
      const again = await readAll(fileConnector, ctx, config, { name: 's', config: { glob: '*.csv' } }, state);
      assert.deepEqual(
        files(again.items).map((item) => item.source),
        ['upload://orders.csv'],
      );
    } finally {
      await ctx.dispose();
    }
  });

  test('a connection nothing was uploaded to yet checks fine and reads nothing', async () => {
    const ctx = await createConnectorContext({ uploadsDir: join(scratch, 'never-created') });
    try {
      const check = await fileConnector.check(ctx, { source: 'upload' });
      assert.equal(check.ok, true);
      const { items } = await readAll(fileConnector, ctx, { source: 'upload' }, { name: 's', config: { glob: '*' } });
      assert.deepEqual(items, [{ kind: 'state', state: { v: 1, files: {} } }]);
    } finally {
      await ctx.dispose();
    }
  });
});

describe('file connector check', () => {
  test('diagnoses a readable root, a missing one and a file given as root', async () => {
    const root = await serverRoot({ 'a.csv': 'id\n1\n', 'b.csv': 'id\n1\n' });
    const ctx = await context();
    try {
      assert.deepEqual(await fileConnector.check(ctx, { source: 'server', root }), {
        ok: true,
        message: `Listed ${root}: 2 entries`,
      });
      const missing = await fileConnector.check(ctx, { source: 'server', root: join(allowed, 'nope') });
      assert.deepEqual([missing.ok, missing.code], [false, 'NOT_FOUND']);
      assert.match(missing.message, /nope does not exist/);
      const file = await fileConnector.check(ctx, { source: 'server', root: join(root, 'a.csv') });
      assert.deepEqual([file.ok, file.code], [false, 'NOT_FOUND']);
      assert.match(file.message, /is a file, not a directory/);
      const relative = await fileConnector.check(ctx, { source: 'server', root: 'data' });
      assert.deepEqual([relative.ok, relative.code], [false, 'INVALID_CONFIG']);
    } finally {
      await ctx.dispose();
    }
  });

  test(
    'an unreadable root is PERMISSION_DENIED',
    { skip: process.getuid?.() === 0 ? 'root reads every directory, so there is nothing to deny' : false },
    async () => {
      const root = await serverRoot({ 'a.csv': 'id\n1\n' });
      await chmod(root, 0o000);
      const ctx = await context();
      try {
        const result = await fileConnector.check(ctx, { source: 'server', root });
        assert.deepEqual([result.ok, result.code], [false, 'PERMISSION_DENIED']);
      } finally {
        await ctx.dispose();
        await chmod(root, 0o755);
      }
    },
  );
});

describe('file connector discover', () => {
  test('proposes one stream per directory and extension with a glob that reads it', async () => {
    const root = await serverRoot({
      'sales/2024-01.csv': 'id,amount\n1,2.5\n',
      'sales/2024-02.csv': 'id,amount\n2,3.5\n',
      'sales/2024-01.csv.gz': '',
      'sales/readme.txt': 'not data',
      'events/a.ndjson': '{"id":1}\n',
      'top.parquet': '',
      '.hidden/x.csv': 'id\n1\n',
    });
    const ctx = await context();
    try {
      const streams = await fileConnector.discover(ctx, server(root));
      assert.deepEqual(
        streams.map((stream) => [stream.name, stream.details?.glob, stream.details?.format, stream.details?.fileCount]),
        [
          ['events_ndjson', 'events/*.ndjson', 'ndjson', 1],
          ['sales_csv', 'sales/*.csv', 'csv', 2],
          ['sales_csv_gz', 'sales/*.csv.gz', 'csv', 1],
          ['root_parquet', '*.parquet', 'parquet', 1],
        ],
      );
      assert.equal(streams[1]?.details?.firstFile, join(root, 'sales/2024-01.csv'));
      assert.deepEqual(
        streams[1]?.columns.map((column) => `${column.name} ${column.type}`),
        ['id BIGINT', 'amount DOUBLE'],
        "columns as core's readers see the first file",
      );
      assert.deepEqual(
        streams[0]?.columns.map((column) => column.name),
        ['id'],
      );
      // JSON-safe: a BIGINT comes as text (JSON numbers cannot hold every int64), a DOUBLE as a number.
      assert.deepEqual(streams[1]?.sample, [{ id: '1', amount: 2.5 }], 'sample rows of the first file, typed');
      assert.deepEqual(streams[0]?.sample, [{ id: '1' }]);
      assert.equal(streams[3]?.sample, undefined, 'no sample of a file that cannot be read');
      assert.equal(typeof streams[3]?.details?.describeError, 'string', 'an empty .parquet cannot be described');
      assert.deepEqual(streams[3]?.columns, []);
      for (const stream of streams) {
        const { items } = await readAll(fileConnector, ctx, server(root), {
          name: stream.name,
          config: stream.details?.streamConfig,
        });
        assert.equal(files(items).length, stream.details?.fileCount, `the suggested glob of ${stream.name} reads it`);
      }
    } finally {
      await ctx.dispose();
    }
  });
});
