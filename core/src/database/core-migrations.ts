import type { PluginMigration } from '@assay/sdk';
import { pluginsMigration } from './migrations/001_plugins.ts';
import { eventsMigration } from './migrations/002_events.ts';
import { identityMigration } from './migrations/003_identity.ts';

/** Core's own migrations, in order. Names are unique and sortable; never rename or edit a released one. */
export const coreMigrations: readonly PluginMigration[] = [pluginsMigration, eventsMigration, identityMigration];
