import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ConflictError, InputError, NotFoundError } from '@assay/sdk';
import { snapshotOrUndefined } from '../lake/existing-snapshot.ts';
import type { Publication } from '../lake/dataset-publications.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { datasetArgument, integerFlag } from './quality-arguments.ts';
import { startQualitySession, type QualitySessionStarter } from './quality-session.ts';
import { cliActor } from './run.command.ts';

export const publishUsage = `assay publish <layer.name> [--version N] [--workspace ws] [--yes] [--json]
      Approves a version checks held back (default: the latest): readers, downstream jobs and the API see it from
      now on; an older version pins them to it. Shows what is held and asks; --yes publishes without asking
      (needed without a terminal).`;

/** Where the publish command writes, and a question for the terminal (undefined without one). */
export interface PublishCommandIo {
  out(line: string): void;
  readonly ask: ((question: string) => Promise<string>) | undefined;
}

const processIo = (): PublishCommandIo => ({ out: (line) => console.log(line), ask: terminalQuestion() });

/**
 * `assay publish`: what `POST …/datasets/:layer/:name/publish` does, after showing what readers see now and what
 * is held, and a confirmation. Refuses a version above the latest (`DATASET_VERSION_NOT_FOUND`).
 */
export async function publishCommand(
  args: string[],
  start: QualitySessionStarter = startQualitySession,
  io: PublishCommandIo = processIo(),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      version: { type: 'string' },
      yes: { type: 'boolean', short: 'y', default: false },
    },
  });
  if (positionals.length !== 1) throw new InputError(`Usage: ${publishUsage}`, { code: 'USAGE' });
  const dataset = datasetArgument(positionals[0]!);
  const asked = values.version === undefined ? undefined : integerFlag('--version', values.version, 0, 2 ** 31 - 1);
  const { workspace } = values;

  const session = await start(configFor(values), { workspace, writes: true });
  try {
    const { lake } = session;
    const latest = await snapshotOrUndefined(lake.table(workspace, dataset));
    if (latest === undefined) {
      throw new NotFoundError(`No dataset ${dataset} in workspace ${workspace}`, { code: 'DATASET_NOT_FOUND' });
    }
    const version = asked ?? latest.version;
    if (version > latest.version) {
      throw new ConflictError(`${dataset} has no version ${version}: its latest is ${latest.version}`, {
        code: 'DATASET_VERSION_NOT_FOUND',
        details: { dataset, version, latest: latest.version },
      });
    }
    const result = { dataset, publishedVersion: version };
    const publication = await lake.publications.get(workspace, dataset);
    const held = publication?.held ?? null;
    if (held === null && version === latest.version) {
      // Nothing held: readers already see the latest commit, and writing a pointer would change nothing.
      io.out(
        values.json
          ? JSON.stringify(result)
          : `${dataset} v${version} is the latest and nothing is held: readers see it already`,
      );
      return 0;
    }
    if (!values.json) io.out(describe(dataset, latest.version, publication));
    if (!values.yes && !(await confirmed(dataset, version, latest.version, io))) {
      if (!values.json) io.out('Nothing was published.');
      return 1;
    }
    await lake.publications.publish(workspace, dataset, version, latest.version, cliActor());
    if (values.json) io.out(JSON.stringify(result));
    else if (version === latest.version) {
      io.out(`${dataset} v${version} published: readers, downstream jobs and the API see it from now on`);
    } else {
      io.out(`${dataset} pinned to v${version}: readers see it; ${newer(version, latest.version)} held`);
    }
    return 0;
  } finally {
    await session.close();
  }
}

/** What readers see now, and what is held back by which checks. */
function describe(dataset: string, latest: number, publication: Publication | undefined): string {
  if (publication === undefined || publication.held === null) {
    return `${dataset}: readers see v${latest}, the latest; nothing is held`;
  }
  const reading = publication.published === null ? 'no version yet' : `v${publication.published}`;
  const by = publication.heldBy.length === 0 ? 'a job still judging it' : publication.heldBy.join(', ');
  const run = publication.heldRunId === null ? '' : ` (run ${publication.heldRunId})`;
  return `${dataset}: readers see ${reading}; v${publication.held} is held by ${by}${run}`;
}

async function confirmed(dataset: string, version: number, latest: number, io: PublishCommandIo): Promise<boolean> {
  if (io.ask === undefined) {
    throw new InputError(
      'Publishing needs a confirmation, but there is no terminal to ask: run with --yes to publish without a prompt',
      { code: 'PUBLISH_CONFIRMATION_REQUIRED', details: { dataset, version } },
    );
  }
  const question =
    version === latest
      ? `Publish v${version} of ${dataset}? Readers, downstream jobs and the API see it from now on. [y/N] `
      : `Pin the readers of ${dataset} to v${version}? ${newer(version, latest)} held. [y/N] `;
  return /^y(es)?$/i.test((await io.ask(question)).trim());
}

/** The versions after a pinned one, which stay held: `v5 stays` or `v4 to v6 stay`. */
function newer(version: number, latest: number): string {
  return version + 1 === latest ? `v${latest} stays` : `v${version + 1} to v${latest} stay`;
}

/** A yes/no question on stderr, answered on stdin; undefined when stdin is not a terminal. */
function terminalQuestion(): PublishCommandIo['ask'] {
  if (process.stdin.isTTY !== true) return undefined;
  return async (question) => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await prompt.question(question);
    } finally {
      prompt.close();
    }
  };
}
