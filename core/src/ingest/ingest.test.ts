import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { FIXTURE_TOKEN, fixturePlugin } from './ingest-fixtures.ts';

let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let root: string;
const WS = 'ingest-tests';

before(async () => {
  platform = await startCoreTestPlatform({ plugins: [fixturePlugin] });
  await platform.createWorkspace(WS);
  root = await mkdtemp(join(tmpdir(), 'assay-ingest-'));
});
after(async () => {
  await platform?.close();
  await rm(root, { recursive: true, force: true });
});

/** A connection over a fresh directory holding `files`. */
async function connectionWith(name: string, files: Record<string, string>): Promise<string> {
  const directory = join(root, name);
  await mkdirWith(directory, files);
  const response = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/connections`,
    payload: { name, type: 'fixture-files', config: { directory, token: FIXTURE_TOKEN } },
  });
  assert.equal(response.statusCode, 201, response.body);
  return directory;
}

async function mkdirWith(directory: string, files: Record<string, string>): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(directory, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(directory, name), content);
}

const ingest = (body: Record<string, unknown>) =>
  platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/ingest`, payload: { wait: true, ...body } });

async function rows(dataset: string, orderBy = 'id'): Promise<Array<Record<string, unknown>>> {
  const [layer, name] = dataset.split('.');
  const response = await platform.inject(`/api/v1/workspaces/${WS}/datasets/${layer}/${name}/preview?limit=1000`);
  assert.equal(response.statusCode, 200, response.body);
  return (response.json().rows as Array<Record<string, unknown>>).sort((a, b) =>
    String(a[orderBy]).localeCompare(String(b[orderBy]), undefined, { numeric: true }),
  );
}

describe('ingest', () => {
  test('loads CSV into Bronze with audit columns, quarantines the bad row, keeps the raw file, records the load', async () => {
    await connectionWith('shop', { 'orders-1.csv': 'id,amount,city\n1,10.5,Oslo\n2,oops,Rome\n3,7.25,Lima\n' });
    // The first file fixes the types: amount is sniffed as DOUBLE only when every sampled value parses, so the
    // test declares it to make the bad value a cast failure rather than a VARCHAR column.
    const response = await ingest({
      connection: 'shop',
      stream: 'csv',
      dataset: 'bronze.orders',
      options: {
        schema: {
          mode: 'declared',
          columns: [
            { name: 'id', type: 'BIGINT' },
            { name: 'amount', type: 'DOUBLE' },
            { name: 'city', type: 'VARCHAR' },
          ],
        },
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const load = response.json();
    assert.equal(load.status, 'succeeded');
    assert.equal(load.rowsRead, 3);
    assert.equal(load.rowsWritten, 2);
    assert.equal(load.rowsQuarantined, 1);
    assert.equal(load.files, 1);
    assert.ok(load.bytes > 0);
    assert.deepEqual(load.stateAfter, { seen: ['orders-1.csv'] });
    const stored = await rows('bronze.orders');
    assert.deepEqual(
      stored.map((r) => [Number(r.id), r.amount, r.city]),
      [
        [1, 10.5, 'Oslo'],
        [3, 7.25, 'Lima'],
      ],
    );
    assert.equal(stored[0]!._load_id, load.id);
    assert.match(String(stored[0]!._source), /orders-1\.csv$/);

    const quarantine = await platform.inject(`/api/v1/workspaces/${WS}/datasets/bronze/orders/quarantine`);
    assert.equal(quarantine.statusCode, 200, quarantine.body);
    const [rejected] = quarantine.json().rows;
    assert.equal(rejected._load_id, load.id);
    assert.equal(Number(rejected.line), 3);
    assert.equal(rejected.column_name, 'amount');
    assert.equal(rejected.raw_row, '2,oops,Rome');
    assert.match(rejected.reason, /oops/);
    const landing = join(platform.platform.config.home, 'lake', load.landingPath);
    assert.deepEqual(await readdir(landing), ['000001-orders-1.csv']);

    const listed = await platform.inject(`/api/v1/workspaces/${WS}/loads?dataset=bronze.orders`);
    assert.equal(listed.json().items[0].id, load.id);
  });

  test('a second load reads only new files; a new column is added and recorded, or refused under "fail"', async () => {
    const directory = await connectionWith('drift', { 'a.csv': 'id,name\n1,ann\n' });
    const first = (await ingest({ connection: 'drift', stream: 'csv', dataset: 'bronze.people' })).json();
    assert.equal(first.rowsWritten, 1);
    const again = (await ingest({ connection: 'drift', stream: 'csv', dataset: 'bronze.people' })).json();
    assert.equal(again.status, 'succeeded');
    assert.equal(again.rowsRead, 0);
    assert.equal(again.commits, 0, 'nothing new: no commit');

    await writeFile(join(directory, 'b.csv'), 'id,name,email\n2,bob,bob@example.com\n');
    const refused = await ingest({
      connection: 'drift',
      stream: 'csv',
      dataset: 'bronze.people',
      options: { schemaDrift: 'fail' },
    });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().error.code, 'INGEST_SCHEMA_DRIFT');
    assert.match(refused.json().error.message, /"email"/);
    assert.equal((await rows('bronze.people')).length, 1, 'nothing of the refused load was committed');

    const added = (await ingest({ connection: 'drift', stream: 'csv', dataset: 'bronze.people' })).json();
    assert.equal(added.rowsWritten, 1);
    assert.deepEqual(
      added.schemaChanges.filter((c: { change: string }) => c.change === 'added'),
      [{ column: 'email', change: 'added', type: 'VARCHAR', source: join(directory, 'b.csv') }],
    );
    assert.equal(added.schemaVersion, 2);
    assert.deepEqual(
      (await rows('bronze.people')).map((r) => [Number(r.id), r.name, r.email]),
      [
        [1, 'ann', null],
        [2, 'bob', 'bob@example.com'],
      ],
    );
  });

  test('probe tells from the committed state what the next load would pick up', async () => {
    const directory = await connectionWith('probed', { 'a.csv': 'id\n1\n' });
    const request = { workspace: WS, connection: 'probed', stream: 'csv', dataset: 'bronze.probed' };
    assert.deepEqual(await platform.platform.ingest.probe(request), { newItems: 1, fingerprint: 'a.csv' });
    assert.equal((await ingest({ connection: 'probed', stream: 'csv', dataset: 'bronze.probed' })).statusCode, 200);
    assert.deepEqual(await platform.platform.ingest.probe(request), { newItems: 0, fingerprint: '' });
    await writeFile(join(directory, 'b.csv'), 'id\n2\n');
    assert.deepEqual(await platform.platform.ingest.probe(request), { newItems: 1, fingerprint: 'b.csv' });
  });

  test('dedupe keys keep the latest row per key within a load and update stored rows in later loads', async () => {
    const directory = await connectionWith('dedupe', {
      '1.csv': 'id,status\n1,new\n2,new\n1,paid\n',
    });
    const options = { dedupeKeys: ['id'] };
    const first = (await ingest({ connection: 'dedupe', stream: 'csv', dataset: 'bronze.orders_d', options })).json();
    assert.equal(first.rowsRead, 3);
    assert.equal(first.rowsWritten, 2);
    await writeFile(join(directory, '2.csv'), 'id,status\n2,shipped\n3,new\n');
    const second = (await ingest({ connection: 'dedupe', stream: 'csv', dataset: 'bronze.orders_d', options })).json();
    assert.equal(second.status, 'succeeded', JSON.stringify(second));
    assert.equal(second.rowsUpdated, 1);
    assert.deepEqual(
      (await rows('bronze.orders_d')).map((r) => [Number(r.id), r.status]),
      [
        [1, 'paid'],
        [2, 'shipped'],
        [3, 'new'],
      ],
    );
  });

  test('more bad rows than badRows allows fails the load and commits nothing', async () => {
    await connectionWith('bad', { 'x.csv': 'id,qty\n1,1\n2,x\n3,y\n4,4\n' });
    const response = await ingest({
      connection: 'bad',
      stream: 'csv',
      dataset: 'bronze.bad',
      options: {
        schema: {
          mode: 'declared',
          columns: [
            { name: 'id', type: 'INTEGER' },
            { name: 'qty', type: 'INTEGER' },
          ],
        },
        badRows: { maxPercent: 25 },
      },
    });
    assert.equal(response.statusCode, 422, response.body);
    assert.equal(response.json().error.code, 'INGEST_TOO_MANY_BAD_ROWS');
    assert.match(response.json().error.message, /2 of 4 rows \(50\.00 %\)/);
    const listed = await platform.inject(`/api/v1/workspaces/${WS}/loads?dataset=bronze.bad`);
    assert.equal(listed.statusCode, 200, listed.body);
    const [load] = listed.json().items;
    assert.equal(load.status, 'failed');
    assert.equal(load.error.code, 'INGEST_TOO_MANY_BAD_ROWS');
    assert.equal(load.stateAfter, null, 'the state did not move: the next load reads the file again');
    const info = await platform.inject(`/api/v1/workspaces/${WS}/datasets/bronze/bad`);
    assert.equal(info.statusCode, 404);
  });

  test('a read that fails part-way keeps what was checkpointed and resumes after it', async () => {
    await connectionWith('flaky', { '1.csv': 'id\n1\n', '2.csv': 'id\n2\n', '3.csv': 'id\n3\n' });
    const failing = await ingest({
      connection: 'flaky',
      stream: 'csv',
      dataset: 'bronze.flaky',
      streamConfig: { failAfterFiles: 2, checkpointEvery: 1 },
    });
    assert.equal(failing.statusCode, 503, failing.body);
    assert.equal(failing.json().error.code, 'SOURCE_UNREACHABLE');
    assert.deepEqual(
      (await rows('bronze.flaky')).map((r) => Number(r.id)),
      [1, 2],
    );
    const resumed = (await ingest({ connection: 'flaky', stream: 'csv', dataset: 'bronze.flaky' })).json();
    assert.equal(resumed.rowsWritten, 1);
    assert.deepEqual(
      (await rows('bronze.flaky')).map((r) => Number(r.id)),
      [1, 2, 3],
    );
  });

  test('a queued load runs on the worker and its record can be polled', async () => {
    await connectionWith('queued', { 'q.csv': 'id\n1\n2\n' });
    const response = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/ingest`,
      payload: { connection: 'queued', stream: 'csv', dataset: 'bronze.queued' },
    });
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().status, 'queued');
    let load = response.json();
    for (let i = 0; i < 100 && ['queued', 'running'].includes(load.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      load = (await platform.inject(`/api/v1/workspaces/${WS}/loads/${load.id}`)).json();
    }
    assert.equal(load.status, 'succeeded', JSON.stringify(load));
    assert.equal(load.rowsWritten, 2);
  });

  test('bad requests are refused before anything runs', async () => {
    const noConnection = await ingest({ connection: 'nope', stream: 'csv', dataset: 'bronze.x' });
    assert.equal(noConnection.statusCode, 404);
    assert.equal(noConnection.json().error.code, 'CONNECTION_NOT_FOUND');
    const badOption = await ingest({
      connection: 'shop',
      stream: 'csv',
      dataset: 'bronze.x',
      options: { schemaDrift: 'maybe' },
    });
    assert.equal(badOption.statusCode, 400);
    const badStream = await ingest({
      connection: 'shop',
      stream: 'csv',
      dataset: 'bronze.x',
      streamConfig: { failAfterFiles: 'x' },
    });
    assert.equal(badStream.json().error.code, 'INGEST_STREAM_CONFIG_INVALID');
    assert.equal(badStream.json().error.details.path, 'streamConfig.failAfterFiles');
  });
});
