import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { publishCommand, type PublishCommandIo } from './publish.command.ts';
import { startQualityCliKit, type QualityCliKit } from './quality-cli-test-kit.ts';

let kit: QualityCliKit;

before(async () => {
  kit = await startQualityCliKit('pub');
});
after(() => kit?.close());

function capture(answer?: string) {
  const lines: string[] = [];
  const questions: string[] = [];
  const io: PublishCommandIo = {
    out: (line) => void lines.push(line),
    ask:
      answer === undefined
        ? undefined
        : async (question) => {
            questions.push(question);
            return answer;
          },
  };
  return { io, lines, questions };
}

/** A dataset with versions 0..latest whose newest commit a gate held back (readers on `published`). */
async function heldDataset(dataset: string, versions: number, published: number | null) {
  await kit.commit(dataset, versions);
  await kit.platform.lake.publications.hold('pub', dataset, {
    published,
    held: versions - 1,
    checks: ['row_count', 'revenue_sane'],
    runId: 'run-9',
  });
}

const publication = (dataset: string) =>
  kit.platform.db('core_dataset_publications').where({ workspace: 'pub', dataset }).first();
const readerVersion = async (dataset: string) => (await kit.platform.lake.table('pub', dataset).published()).version;

describe('assay publish', () => {
  test('shows what is held, asks, and publishes the latest version once confirmed', async () => {
    await heldDataset('gold.revenue', 3, 1);
    const no = capture('n');
    assert.equal(await publishCommand(['gold.revenue', '--workspace', 'pub'], kit.starter(), no.io), 1);
    assert.deepEqual(no.lines, [
      'gold.revenue: readers see v1; v2 is held by row_count, revenue_sane (run run-9)',
      'Nothing was published.',
    ]);
    assert.deepEqual(no.questions, [
      'Publish v2 of gold.revenue? Readers, downstream jobs and the API see it from now on. [y/N] ',
    ]);
    assert.equal(await readerVersion('gold.revenue'), 1, 'a refusal changes nothing');

    const yes = capture('y');
    assert.equal(await publishCommand(['gold.revenue', '--workspace', 'pub'], kit.starter(), yes.io), 0);
    assert.deepEqual(kit.starts.at(-1), { workspace: 'pub', writes: true });
    assert.equal(
      yes.lines.at(-1),
      'gold.revenue v2 published: readers, downstream jobs and the API see it from now on',
    );
    assert.equal(await readerVersion('gold.revenue'), 2);
    const row = await publication('gold.revenue');
    assert.deepEqual([row.published_version, row.held_version], [2, null]);
    assert.match(row.updated_by, /^cli:/, 'the CLI user approved it');
  });

  test('without a terminal it needs --yes; --version pins readers to an older version', async () => {
    await heldDataset('gold.orders', 4, 2);
    await assert.rejects(publishCommand(['gold.orders', '--workspace', 'pub'], kit.starter(), capture().io), {
      code: 'PUBLISH_CONFIRMATION_REQUIRED',
      message: /no terminal to ask: run with --yes/,
    });
    assert.equal(await readerVersion('gold.orders'), 2);

    const out = capture();
    const args = ['gold.orders', '--workspace', 'pub', '--version', '1', '--yes'];
    assert.equal(await publishCommand(args, kit.starter(), out.io), 0);
    assert.equal(out.lines.at(-1), 'gold.orders pinned to v1: readers see it; v2 to v3 stay held');
    assert.equal(await readerVersion('gold.orders'), 1);
    const row = await publication('gold.orders');
    assert.deepEqual([row.published_version, row.held_version, row.held_by], [1, 3, ['approved']]);

    const json = capture();
    assert.equal(await publishCommand([...args.slice(0, 3), '--yes', '--json'], kit.starter(), json.io), 0);
    assert.deepEqual(JSON.parse(json.lines.join('')), { dataset: 'gold.orders', publishedVersion: 3 });
    assert.equal(await readerVersion('gold.orders'), 3);
  });

  test('a dataset whose first version is held gets its first published version', async () => {
    await heldDataset('silver.first', 1, null);
    await assert.rejects(kit.platform.lake.table('pub', 'silver.first').published(), { code: 'DATASET_NOT_PUBLISHED' });
    const out = capture('yes');
    assert.equal(await publishCommand(['silver.first', '--workspace', 'pub'], kit.starter(), out.io), 0);
    assert.equal(
      out.lines[0],
      'silver.first: readers see no version yet; v0 is held by row_count, revenue_sane (run run-9)',
    );
    assert.equal(await readerVersion('silver.first'), 0);
  });

  test('nothing held and the latest asked for: nothing to do, nothing asked or written', async () => {
    await kit.commit('silver.plain', 2);
    const out = capture('y');
    assert.equal(await publishCommand(['silver.plain', '--workspace', 'pub'], kit.starter(), out.io), 0);
    assert.deepEqual(out.lines, ['silver.plain v1 is the latest and nothing is held: readers see it already']);
    assert.deepEqual(out.questions, []);
    assert.equal(await publication('silver.plain'), undefined);
  });

  test('a version above the latest, a missing dataset and bad flags are refused; nothing is written', async () => {
    await kit.commit('silver.small', 2);
    const refused = (args: string[]) => publishCommand(args, kit.starter(), capture('y').io);
    await assert.rejects(refused(['silver.small', '--workspace', 'pub', '--version', '5', '--yes']), {
      code: 'DATASET_VERSION_NOT_FOUND',
      message: 'silver.small has no version 5: its latest is 1',
    });
    await assert.rejects(refused(['gold.nothing', '--workspace', 'pub', '--yes']), {
      code: 'DATASET_NOT_FOUND',
      message: 'No dataset gold.nothing in workspace pub',
    });
    assert.equal(await publication('silver.small'), undefined);
    const before = kit.starts.length;
    await assert.rejects(refused(['silver.small', '--version=-1']), { code: 'USAGE' });
    await assert.rejects(refused(['silver.small', '--version', 'latest']), { code: 'USAGE', message: /--version/ });
    await assert.rejects(refused(['silver-small']), { code: 'DATASET_NAME_INVALID' });
    await assert.rejects(refused([]), { code: 'USAGE', message: /Usage: assay publish/ });
    assert.equal(kit.starts.length, before, 'no session was started for bad arguments');
  });

  test('the real session refuses an archived workspace, since publishing changes it', async () => {
    await kit.platform.identity.workspaces.create({ slug: 'old' });
    await kit.platform.identity.workspaces.setArchived('old', true);
    await assert.rejects(
      publishCommand(['gold.revenue', '--workspace', 'old', '--yes'], kit.bootingStarter, capture().io),
      {
        code: 'WORKSPACE_ARCHIVED',
      },
    );
  });
});
