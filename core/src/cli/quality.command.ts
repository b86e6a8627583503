import { parseArgs } from 'node:util';
import { InputError, NotFoundError } from '@assay/sdk';
import { snapshotOrUndefined } from '../lake/existing-snapshot.ts';
import {
  checkHistory,
  latestResults,
  scoreHistory,
  type ScorePoint,
  type StoredResult,
} from '../quality/quality-history.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { printTable } from './print-table.ts';
import { datasetArgument, integerFlag } from './quality-arguments.ts';
import { startQualitySession, type QualitySession, type QualitySessionStarter } from './quality-session.ts';

export const qualityUsage = `assay quality <layer.name> [--workspace ws] [--runs N] [--json]
      A dataset's quality: its published, latest and held versions, its score (of the last --runs runs, default
      30) and the latest result of each check. --check <id> [--limit N]: that check's results, newest first
      (default 20). Failing rows: assay incidents show <id>; approving a held version: assay publish.`;

/** What `GET …/datasets/:layer/:name/quality` answers, samples as stored (the CLI runs with the server's rights). */
interface DatasetQuality {
  readonly dataset: string;
  readonly publishedVersion: number | null;
  readonly latestVersion: number | null;
  readonly held: { version: number; checks: string[]; runId: string | null } | null;
  readonly score: number | null;
  readonly scores: ScorePoint[];
  readonly checks: StoredResult[];
  readonly openIncidents: number;
}

/** `assay quality`: a dataset's quality, or one check's history, from the shell. */
export async function qualityCommand(
  args: string[],
  start: QualitySessionStarter = startQualitySession,
  print: (line: string) => void = (line) => console.log(line),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      check: { type: 'string' },
      limit: { type: 'string' },
      runs: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new InputError(`Usage: ${qualityUsage}`, { code: 'USAGE' });
  const dataset = datasetArgument(positionals[0]!);
  const { check, workspace } = values;
  if (check === undefined && values.limit !== undefined) {
    throw new InputError('--limit goes with --check <id>: it limits that check’s history', { code: 'USAGE' });
  }
  if (check !== undefined && values.runs !== undefined) {
    throw new InputError('--runs is for the dataset’s score: leave out --check to see it', { code: 'USAGE' });
  }
  if (check === '') throw new InputError('--check needs a check id, e.g. not_null.order_id', { code: 'USAGE' });
  const limit = integerFlag('--limit', values.limit ?? '20', 1, 1000);
  const runs = integerFlag('--runs', values.runs ?? '30', 1, 1000);

  const session = await start(configFor(values), { workspace, writes: false });
  try {
    if (check !== undefined) {
      const items = await checkHistory(session.db, workspace, dataset, check, limit);
      if (items.length === 0) {
        throw new NotFoundError(
          `Check "${check}" has no results on ${dataset} in workspace ${workspace}: "assay quality ${dataset}" ` +
            'lists the checks that have',
          { code: 'CHECK_RESULTS_NOT_FOUND', details: { dataset, check } },
        );
      }
      if (values.json) print(JSON.stringify({ items }));
      else printHistory(dataset, items, print);
      return 0;
    }
    const quality = await datasetQuality(session, workspace, dataset, runs);
    if (values.json) print(JSON.stringify(quality));
    else printQuality(workspace, quality, print);
    return 0;
  } finally {
    await session.close();
  }
}

/** The dataset's quality as the API computes it; `DATASET_NOT_FOUND` when it has neither a table nor results. */
async function datasetQuality(
  session: QualitySession,
  workspace: string,
  dataset: string,
  runs: number,
): Promise<DatasetQuality> {
  const { db, lake } = session;
  const latest = await snapshotOrUndefined(lake.table(workspace, dataset));
  const [publication, checks, scores, open] = await Promise.all([
    lake.publications.get(workspace, dataset),
    latestResults(db, workspace, dataset),
    scoreHistory(db, workspace, dataset, runs),
    db('core_dq_incidents').where({ workspace, dataset }).whereNot('state', 'resolved').count('* as n').first(),
  ]);
  if (latest === undefined && checks.length === 0) {
    throw new NotFoundError(`No dataset ${dataset} in workspace ${workspace}`, { code: 'DATASET_NOT_FOUND' });
  }
  const held = publication === undefined || publication.held === null ? null : publication;
  return {
    dataset,
    publishedVersion: held === null ? (latest?.version ?? null) : held.published,
    latestVersion: latest?.version ?? null,
    held: held === null ? null : { version: held.held!, checks: [...held.heldBy], runId: held.heldRunId },
    score: scores[0]?.score ?? null,
    scores,
    checks,
    openIncidents: Number(open?.n ?? 0),
  };
}

function printQuality(workspace: string, quality: DatasetQuality, print: (line: string) => void): void {
  const { dataset, held } = quality;
  const [last, ...earlier] = quality.scores;
  const field = (name: string, value: string) => print(`  ${name.padEnd(11)} ${value}`);
  print(`${dataset} in workspace ${workspace}`);
  field(
    'published',
    quality.publishedVersion === null
      ? 'none yet: its first version is held'
      : `v${quality.publishedVersion} (what readers, downstream jobs and the API see)`,
  );
  field('latest', quality.latestVersion === null ? 'none: the table has no commit' : `v${quality.latestVersion}`);
  field(
    'held',
    held === null
      ? 'nothing'
      : `v${held.version} by ${held.checks.join(', ') || 'a job still judging it'}` +
          `${held.runId === null ? '' : ` (run ${held.runId})`}; "assay publish ${dataset}" approves it`,
  );
  field(
    'score',
    last === undefined
      ? 'none yet: no check ran'
      : `${last.score} (latest run${last.runId === null ? '' : ` ${last.runId}`}: ${last.passed} passed, ` +
          `${last.failed} failed)${
            earlier.length === 0
              ? ''
              : `; before: ${earlier
                  .slice(0, 5)
                  .map((p) => p.score)
                  .join(', ')}`
          }`,
  );
  field(
    'incidents',
    quality.openIncidents === 0
      ? 'none open'
      : `${quality.openIncidents} open: assay incidents --dataset ${dataset} --workspace ${workspace}`,
  );
  if (quality.checks.length === 0) return;
  print('');
  printTable(
    quality.checks.map((result) => ({
      check: result.checkId,
      type: result.checkType,
      action: result.action,
      status: result.status,
      failing: failingOf(result),
      observed: result.observed ?? '',
      note: result.note ?? '',
      version: result.version ?? '',
      at: result.observedAt,
    })),
    undefined,
    print,
  );
}

function printHistory(dataset: string, items: readonly StoredResult[], print: (line: string) => void): void {
  const [newest] = items;
  print(`${newest!.checkId} (${newest!.checkType}, action ${newest!.action}) on ${dataset}, newest first:`);
  printTable(
    items.map((result) => ({
      at: result.observedAt,
      run: result.runId ?? '',
      partition: result.partition ?? '',
      version: result.version ?? '',
      status: result.status,
      failing: failingOf(result),
      observed: result.observed ?? '',
      baseline: result.baseline ?? '',
      note: result.note ?? '',
    })),
    undefined,
    print,
  );
}

/** `2/10 (20%)`: failing of checked rows, or for an aggregate check failing of one. */
function failingOf(result: StoredResult): string {
  return `${result.failing}/${result.checked} (${Number(result.failingPercent.toFixed(2))}%)`;
}
