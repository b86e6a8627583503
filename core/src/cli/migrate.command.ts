import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../database/open-database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createContributionRegistry } from '../plugins/contribution-registry.ts';
import { loadPlugins } from '../plugins/plugin-loader.ts';
import { createLogger } from '../platform/logger.ts';
import { resolveAppRoot } from '../platform/app-root.ts';
import { platformVersion } from '../version.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';

export const migrateUsage = `assay migrate [--config assay.yaml] [--json]
  Applies pending database migrations of core and every loaded plugin, then exits.`;

/** `assay migrate`: the same migrations `serve` runs at start, without starting anything else. */
export async function migrateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: COMMON_OPTIONS });
  const config = configFor(values);
  const logger = createLogger(config, 'migrate', 2);
  const plugins = await loadPlugins({
    appRoot: resolveAppRoot(),
    installDir: join(config.home, 'plugins'),
    specs: config.plugins,
    includeBuiltins: true,
    platformVersion,
  });
  const database = await openDatabase(config, logger);
  try {
    const applied = await runMigrations(database.db, createContributionRegistry(plugins).migrations);
    if (values.json) console.log(JSON.stringify({ applied }));
    else console.log(applied.length === 0 ? 'Database is up to date.' : `Applied:\n  ${applied.join('\n  ')}`);
    return 0;
  } finally {
    await database.close();
  }
}
