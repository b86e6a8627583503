import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AssayError } from '@assay/sdk';
import { openDatabase } from '../database/open-database.ts';
import { createLogger } from '../platform/logger.ts';
import { resolveAppRoot } from '../platform/app-root.ts';
import { platformVersion } from '../version.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { migrateCommand, migrateUsage } from './migrate.command.ts';
import { runPluginCommand } from './plugin.command.ts';
import { secretsCommand, secretsUsage } from './secrets.command.ts';
import { serveCommand, serveUsage, workerCommand, workerUsage } from './serve.command.ts';
import { tableCommand, tableUsage } from './table.command.ts';
import { connectionCommand, connectionUsage } from './connection.command.ts';
import { ingestCommand, ingestUsage } from './ingest.command.ts';
import { userCommand, userUsage } from './user.command.ts';
import { runCommand, runUsage } from './run.command.ts';
import { runsCommand, runsUsage } from './runs.command.ts';
import { backfillCommand, backfillUsage } from './backfill.command.ts';
import { applyCommand, applyUsage } from './apply.command.ts';
import { exportCommand, exportUsage } from './export.command.ts';
import { pipelineCommand, pipelineUsage } from './pipeline.command.ts';
import { workspaceCommand, workspaceUsage } from './workspace.command.ts';
import { demoCommand, demoUsage } from './demo.command.ts';
import { qualityCommand, qualityUsage } from './quality.command.ts';
import { publishCommand, publishUsage } from './publish.command.ts';
import { incidentsCommand, incidentsUsage } from './incidents.command.ts';

const USAGE = `Assay ${platformVersion}: the self-hosted lakehouse platform

Usage: assay <command> [options]

Commands:
  ${serveUsage.replace(/\n/g, '\n  ')}
  ${workerUsage.replace(/\n/g, '\n  ')}
  ${migrateUsage.replace(/\n/g, '\n  ')}
  assay plugin list|add|remove|enable|disable ...
      Manages plugins: list [--json], add <npm-spec|./plugin.tgz>, remove <name>,
      enable|disable <id> --workspace <ws>. Added plugins load at the next start.
  ${tableUsage}
  ${connectionUsage}
  ${ingestUsage}
  ${applyUsage}
  ${exportUsage}
  ${pipelineUsage}
  ${runUsage.replace(/\n/g, '\n  ')}
  ${runsUsage.replace(/\n/g, '\n  ')}
  ${backfillUsage.replace(/\n/g, '\n  ')}
  ${qualityUsage.replace(/\n/g, '\n  ')}
  ${publishUsage.replace(/\n/g, '\n  ')}
  ${incidentsUsage.replace(/\n/g, '\n  ')}
  ${secretsUsage.replace(/\n/g, '\n  ')}
  ${userUsage.replace(/\n/g, '\n  ')}
  ${workspaceUsage.replace(/\n/g, '\n  ')}
  ${demoUsage.replace(/\n/g, '\n  ')}
  assay version [--json]

--workspace defaults to "default", the workspace a server creates with the first admin at its first start; a
workspace that does not exist is refused (WORKSPACE_NOT_FOUND) before anything is written.

Configuration comes from assay.yaml (or --config FILE) and the environment:
  PORT, HOST, ASSAY_HOME, DATABASE_URL, ASSAY_LAKE, ASSAY_PLUGINS, LOG_LEVEL, ASSAY_SECRET_KEY,
  ASSAY_ADMIN_EMAIL and ASSAY_ADMIN_PASSWORD (first start), OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
  OIDC_REDIRECT_URI.`;

async function pluginCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: COMMON_OPTIONS, strict: false });
  const config = configFor({ config: typeof values.config === 'string' ? values.config : undefined });
  await runPluginCommand(
    args.filter((arg, i) => !['--config', '-c'].includes(arg) && !['--config', '-c'].includes(args[i - 1] ?? '')),
    {
      appRoot: resolveAppRoot(),
      installDir: join(config.home, 'plugins'),
      specs: config.plugins,
      platformVersion,
      openDatabase: () => openDatabase(config, createLogger(config, 'cli', 2)),
      json: values.json === true,
      out: (line) => console.log(line),
    },
  );
  return 0;
}

async function versionCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: COMMON_OPTIONS });
  if (values.json) console.log(JSON.stringify({ version: platformVersion, node: process.version }));
  else console.log(`assay ${platformVersion} (node ${process.version})`);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  worker: workerCommand,
  demo: demoCommand,
  migrate: migrateCommand,
  plugin: pluginCommand,
  version: versionCommand,
  table: tableCommand,
  secrets: secretsCommand,
  user: userCommand,
  workspace: workspaceCommand,
  connection: connectionCommand,
  ingest: ingestCommand,
  apply: applyCommand,
  export: exportCommand,
  pipeline: pipelineCommand,
  run: runCommand,
  runs: runsCommand,
  backfill: backfillCommand,
  quality: qualityCommand,
  publish: publishCommand,
  incidents: incidentsCommand,
};

/** Runs one CLI invocation and returns the exit code. Errors become one line on stderr with their code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`assay: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  try {
    return await command(args);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof AssayError) {
    console.error(`assay: ${error.message} [${error.code}]`);
    return 1;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    console.error(`assay: ${(error as Error).message}\nRun "assay help" for usage.`);
    return 2;
  }
  console.error(`assay: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}
