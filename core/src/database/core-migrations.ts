import type { PluginMigration } from '@assay/sdk';
import { pluginsMigration } from './migrations/001_plugins.ts';
import { eventsMigration } from './migrations/002_events.ts';
import { identityMigration } from './migrations/003_identity.ts';
import { secretsMigration } from './migrations/004_secrets.ts';
import { auditMigration } from './migrations/005_audit.ts';
import { oidcLoginsMigration } from './migrations/006_oidc_logins.ts';
import { governanceMigration } from './migrations/007_governance.ts';
import { ingestMigration } from './migrations/008_ingest.ts';
import { pipelinesMigration } from './migrations/009_pipelines.ts';
import { jobStateMigration } from './migrations/010_job_state.ts';
import { pipelineRunsMigration } from './migrations/011_pipeline_runs.ts';
import { pipelineTriggersMigration } from './migrations/012_pipeline_triggers.ts';
import { backfillsMigration } from './migrations/013_backfills.ts';
import { qualityMigration } from './migrations/014_quality.ts';

/** Core's own migrations, in order. Names are unique and sortable; never rename or edit a released one. */
export const coreMigrations: readonly PluginMigration[] = [
  pluginsMigration,
  eventsMigration,
  identityMigration,
  secretsMigration,
  auditMigration,
  oidcLoginsMigration,
  governanceMigration,
  ingestMigration,
  pipelinesMigration,
  jobStateMigration,
  pipelineRunsMigration,
  pipelineTriggersMigration,
  backfillsMigration,
  qualityMigration,
];
