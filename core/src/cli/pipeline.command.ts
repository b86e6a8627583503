import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import { documentsYaml, pipelineDocumentOf } from '../pipelines/apply/export-documents.ts';
import { formatDiff } from '../pipelines/document/document-diff.ts';
import { cliAuthor } from './apply.command.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { withPlatform } from './platform-session.ts';
import { printTable } from './print-table.ts';
import { reportDocumentProblems } from './problem-report.ts';

export const pipelineUsage = `assay pipeline list|show|versions|diff|rollback [name] [--workspace ws] [--json]
      list; show <name> [--version N] (the document as YAML and the run order); versions <name>;
      diff <name> [--from N] [--to M] (default: the current version against the one before);
      rollback <name> --to N [--message M] (a new version equal to version N).`;

const ACTIONS = ['list', 'show', 'versions', 'diff', 'rollback'];

/** `assay pipeline …`: the versions of a workspace's pipelines from the shell. */
export async function pipelineCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      version: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      message: { type: 'string', short: 'm' },
    },
  });
  const [action, name] = positionals;
  if (action === undefined || !ACTIONS.includes(action) || (action !== 'list' && name === undefined)) {
    throw new InputError(`Usage: ${pipelineUsage}`, { code: 'USAGE' });
  }
  const version = versionFlag('--version', values.version);
  const from = versionFlag('--from', values.from);
  const to = versionFlag('--to', values.to);
  if (action === 'rollback' && to === undefined) {
    throw new InputError('rollback needs --to N, the version to go back to', { code: 'USAGE' });
  }
  const ws = values.workspace;
  const out = (value: unknown, text: () => string) => console.log(values.json ? JSON.stringify(value) : text());
  return withPlatform(configFor(values), { workspace: ws, writes: action === 'rollback' }, async (platform) => {
    const { store } = platform.pipelines;
    switch (action) {
      case 'list': {
        const items = (await store.list(ws)).map(({ pipeline, current }) => ({
          name: pipeline.name,
          version: pipeline.currentVersion,
          jobs: current.document.spec.jobs.length,
          schedule: current.document.spec.schedule?.cron ?? '',
          updated: pipeline.updatedAt,
        }));
        if (values.json) console.log(JSON.stringify(items));
        else printTable(items, ['name', 'version', 'jobs', 'schedule', 'updated']);
        return 0;
      }
      case 'show': {
        const { pipeline, current } = await store.get(ws, name!, version);
        const graph = platform.pipelines.graph(current.document);
        out({ pipeline, version: current, graph }, () =>
          [
            `# pipeline ${pipeline.name} version ${current.version} of ${pipeline.currentVersion}, ` +
              `by ${current.author ?? 'unknown'} at ${current.createdAt}${current.message === null ? '' : `: ${current.message}`}`,
            `# run order: ${graph.order.join(' → ')}`,
            documentsYaml([pipelineDocumentOf(current.document, ws)]).trimEnd(),
          ].join('\n'),
        );
        return 0;
      }
      case 'versions': {
        const items = [];
        let cursor: string | undefined;
        do {
          const page = await store.versions(ws, name!, { limit: 500, cursor });
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        if (values.json) console.log(JSON.stringify(items));
        else
          printTable(
            items.map(({ version: v, author, message, createdAt }) => ({
              version: v,
              author,
              message,
              created: createdAt,
            })),
          );
        return 0;
      }
      case 'diff': {
        const target = to ?? (await store.get(ws, name!)).pipeline.currentVersion;
        const diff = await store.diff(ws, name!, from ?? Math.max(1, target - 1), target);
        const lines = formatDiff(diff.changes);
        out({ ...diff, lines }, () =>
          [`# ${name} version ${diff.from} → ${diff.to}`, ...(lines.length === 0 ? ['(no changes)'] : lines)].join(
            '\n',
          ),
        );
        return 0;
      }
      default: {
        try {
          const saved = await platform.pipelines.rollback(ws, name!, to!, {
            author: cliAuthor(),
            message: values.message,
          });
          out({ ...saved }, () =>
            saved.changed
              ? [
                  `pipeline ${name}: version ${saved.version.version} = version ${to} (${saved.version.message ?? ''})`,
                  ...saved.diff.map((l) => `    ${l}`),
                ].join('\n')
              : `pipeline ${name}: version ${saved.version.version} already equals version ${to}; nothing saved`,
          );
          return 0;
        } catch (error) {
          const code = reportDocumentProblems(error, (line) => console.error(line), 'nothing was saved');
          if (code !== undefined) return code;
          throw error;
        }
      }
    }
  });
}

function versionFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^[1-9][0-9]{0,8}$/.test(value)) return Number(value);
  throw new InputError(`${flag} must be a version number (1, 2, …), got "${value}"`, { code: 'USAGE' });
}
