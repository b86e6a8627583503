import type { PluginMigration } from '@assay/sdk';
import type { Knex } from 'knex';
import { coreMigrations } from './core-migrations.ts';

/** Migrations owned by one namespace: `core` or a plugin id. */
export interface MigrationSet {
  readonly owner: string;
  readonly migrations: readonly PluginMigration[];
}

/**
 * Runs every pending migration: core's first, then each plugin's in load order. Names are stored as
 * `<owner>/<name>` in one `knex_migrations` table. The list check is off because an uninstalled plugin's
 * migrations legitimately disappear from the source.
 */
export async function runMigrations(db: Knex, pluginSets: readonly MigrationSet[] = []): Promise<string[]> {
  const sets: MigrationSet[] = [{ owner: 'core', migrations: coreMigrations }, ...pluginSets];
  const byName = new Map<string, PluginMigration>();
  for (const set of sets) {
    for (const migration of set.migrations) byName.set(`${set.owner}/${migration.name}`, migration);
  }
  const source: Knex.MigrationSource<string> = {
    getMigrations: async () => [...byName.keys()],
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const migration = byName.get(name)!;
      return { up: (k: Knex) => migration.up(k), down: (k: Knex) => (migration.down ?? noDown(name))(k) };
    },
  };
  const [, applied] = (await db.migrate.latest({ migrationSource: source, disableMigrationsListValidation: true })) as [
    number,
    string[],
  ];
  return applied;
}

function noDown(name: string): (knex: Knex) => Promise<void> {
  return async () => {
    throw new Error(`Migration ${name} cannot be rolled back`);
  };
}
