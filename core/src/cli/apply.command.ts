import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import type { PlanEntry } from '../pipelines/apply/apply-plan.ts';
import { readDocumentFiles } from '../pipelines/document/parse-documents.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { withPlatform } from './platform-session.ts';
import { planLines, planSummary } from './print-plan.ts';
import { reportDocumentProblems } from './problem-report.ts';

export const applyUsage = `assay apply -f <file|dir> [-f …] [--workspace ws] [--yes] [--prune] [--dry-run] [--message M] [--json]
      Applies pipeline and connection documents: prints the plan, asks, writes it all or nothing. --yes applies
      without asking (needed without a terminal), --prune deletes what no document names, \${env:NAME} references
      are filled in from this shell's environment.`;

/** Who the CLI saves as: `cli:<os user name>`. */
export function cliAuthor(): string {
  return `cli:${userInfo().username}`;
}

/** `assay apply`: pipelines as code from files, with a plan and a confirmation. */
export async function applyCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      file: { type: 'string', short: 'f', multiple: true },
      workspace: { type: 'string', default: 'default' },
      yes: { type: 'boolean', short: 'y', default: false },
      prune: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      message: { type: 'string', short: 'm' },
    },
  });
  const targets = values.file ?? [];
  if (targets.length === 0) throw new InputError(`Usage: ${applyUsage}`, { code: 'USAGE' });
  const files = (await Promise.all(targets.map((target) => readDocumentFiles(target)))).flat();
  const print = (line: string) => {
    if (!values.json) console.log(line);
  };
  let shown = false;
  const show = (plan: readonly PlanEntry[]) => {
    if (shown) return;
    shown = true;
    for (const line of planLines(plan)) print(line);
  };
  const confirm = async (plan: readonly PlanEntry[]): Promise<boolean> => {
    show(plan);
    if (values.yes) return true;
    if (process.stdin.isTTY !== true) {
      throw new InputError(
        'This apply needs a confirmation and there is no terminal to ask: run with --yes to apply without a prompt',
        {
          code: 'APPLY_CONFIRMATION_REQUIRED',
        },
      );
    }
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await prompt.question(`${planSummary(plan)}. Apply these changes? [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      prompt.close();
    }
  };
  try {
    return await withPlatform(
      configFor(values),
      { workspace: values.workspace, writes: values['dry-run'] !== true },
      async (platform) => {
        const result = await platform.pipelines.apply({
          workspace: values.workspace,
          files,
          prune: values.prune,
          dryRun: values['dry-run'],
          message: values.message,
          author: cliAuthor(),
          env: process.env,
          confirm,
        });
        if (values.json) {
          console.log(JSON.stringify(result));
          return 0;
        }
        show(result.plan);
        const summary = planSummary(result.plan) || 'no documents';
        if (result.applied) print(`Applied to workspace ${values.workspace}: ${summary}.`);
        else if (values['dry-run']) print(`Dry run, nothing applied: ${summary}.`);
        else if (result.plan.every((entry) => entry.action === 'unchanged')) print(`Nothing to change: ${summary}.`);
        else {
          print('Apply cancelled: nothing was written.');
          return 1;
        }
        return 0;
      },
    );
  } catch (error) {
    const code = reportDocumentProblems(error, (line) => console.error(line));
    if (code !== undefined) return code;
    throw error;
  }
}
