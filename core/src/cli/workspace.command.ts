import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import type { AssayConfig } from '../config/config.schema.ts';
import { openDatabase } from '../database/open-database.ts';
import { WorkspaceStore } from '../workspaces/workspace-store.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { databaseNotMigrated } from './database-not-migrated.ts';
import { cliLogger } from './platform-session.ts';
import { printTable } from './print-table.ts';

export const workspaceUsage = `assay workspace list|create ... [--json]
      Workspaces, straight in the database (to set up a server from a shell): list; create <slug> [--name N]
      [--description D]. A new workspace has no members: platform admins reach it and add members through the
      API; assay user add <email> --workspace <slug> --role R makes a new account a member.`;

/** The process around the command; replaced in tests. */
export interface WorkspaceCommandContext {
  config(file: string | undefined): AssayConfig;
  out(line: string): void;
}

const processContext: WorkspaceCommandContext = {
  config: (file) => configFor({ config: file }),
  out: (line) => console.log(line),
};

/**
 * `assay workspace`: lists and creates workspaces for whoever runs the server (shell access to its configuration is
 * the credential). Creating one is what `POST /api/v1/workspaces` does, except that there is no caller to become
 * its admin.
 */
export async function workspaceCommand(
  args: string[],
  context: WorkspaceCommandContext = processContext,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, name: { type: 'string' }, description: { type: 'string' } },
  });
  const [action, slug, ...extra] = positionals;
  const usage = (): InputError => new InputError(`Usage: ${workspaceUsage}`, { code: 'USAGE' });
  if (extra.length > 0) throw usage();
  if (action === 'list' && slug !== undefined) throw usage();
  if (action !== 'list' && (action !== 'create' || slug === undefined)) throw usage();
  if (action === 'list' && (values.name !== undefined || values.description !== undefined)) throw usage();

  const config = context.config(values.config);
  const database = await openDatabase(config, cliLogger(config));
  try {
    const workspaces = new WorkspaceStore(database.db);
    if (action === 'list') {
      const items = await workspaces.list();
      if (values.json) context.out(JSON.stringify(items));
      else if (items.length === 0) context.out('No workspaces yet. Create one with "assay workspace create <slug>".');
      else {
        printTable(
          items.map((w) => ({ slug: w.slug, name: w.name, status: w.status, created: w.createdAt })),
          undefined,
          context.out,
        );
      }
      return 0;
    }
    const workspace = await workspaces.create({
      slug: slug!,
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values.description === undefined ? {} : { description: values.description }),
    });
    context.out(values.json ? JSON.stringify(workspace) : `workspace ${workspace.slug} created`);
    return 0;
  } catch (error) {
    throw databaseNotMigrated(error, 'workspace') ?? error;
  } finally {
    await database.close();
  }
}
