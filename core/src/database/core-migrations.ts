import type { PluginMigration } from '@assay/sdk';

/** Core's own migrations, in order. Names are unique and sortable; never rename or edit a released one. */
export const coreMigrations: readonly PluginMigration[] = [];
