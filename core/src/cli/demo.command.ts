import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import { setUpDemo } from '../demo/demo-setup.ts';
import { DEMO_GOLD_DATASETS } from '../demo/demo-project.ts';
import { createLakeService } from '../lake/lake-service.ts';
import { snapshotOrUndefined } from '../lake/existing-snapshot.ts';
import { cliAuthor } from './apply.command.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { startPlatformSession } from './platform-session.ts';
import { cliActor, watchUntilDone } from './run.command.ts';

export const demoUsage = `assay demo [--workspace demo] [--no-run] [--json]
      Sets up the retail demo: a workspace (demo) with a week of point-of-sale CSV drops and a product catalog
      table in PostgreSQL, their connections and a pipeline from Bronze through Silver (cleansed sales, an SCD2
      product dimension) to Gold (a sales fact, daily sales by category and region); then runs it, working the
      jobs in this process, and prints the Gold tables' row counts. --no-run sets it up only. Safe to repeat.`;

/** `assay demo`: sets up the retail demo and runs it to the end. */
export async function demoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'demo' },
      'no-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new InputError(`Usage: ${demoUsage}`, { code: 'USAGE' });
  const run = !values['no-run'];
  const say = (line: string) => values.json || console.log(line);
  const platform = await startPlatformSession(configFor(values), { works: run });
  try {
    const setup = await setUpDemo(platform, { workspace: values.workspace, author: cliAuthor() });
    say(
      `Retail demo set up in workspace ${setup.workspace}: pipeline ${setup.pipeline}, ` +
        `${setup.salesFiles.length} days of sales drops and the product catalog.`,
    );
    if (!run) {
      if (values.json) console.log(JSON.stringify(setup));
      else say(`Run it with: assay run ${setup.pipeline} --workspace ${setup.workspace} --watch`);
      return 0;
    }
    const started = await platform.runs.startRun({
      workspace: setup.workspace,
      pipeline: setup.pipeline,
      trigger: 'manual',
      actor: cliActor(),
    });
    const code = await watchUntilDone(platform.runs, setup.workspace, started.id, { json: values.json });
    const lake = createLakeService({ config: platform.config, db: platform.db });
    const counts: Record<string, number | null> = {};
    for (const dataset of DEMO_GOLD_DATASETS) {
      const snapshot = await snapshotOrUndefined(lake.table(setup.workspace, dataset));
      counts[dataset] = snapshot?.files.reduce((rows, file) => rows + (file.stats?.numRecords ?? 0), 0) ?? null;
    }
    if (values.json) console.log(JSON.stringify({ ...setup, run: started.id, rows: counts }));
    else for (const [dataset, rows] of Object.entries(counts)) say(`${dataset}: ${rows ?? 'not written'} rows`);
    if (code === 0) say(`Read them with: assay table read <dataset> --workspace ${setup.workspace}`);
    return code;
  } finally {
    await platform.close();
  }
}
