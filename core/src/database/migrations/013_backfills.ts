import type { PluginMigration } from '@assay/sdk';

/**
 * Backfills (docs/backfills.md):
 * - `core_job_runs.partition_key`: the partition a job run computes (`2026-03-01`, `2026-03`); null for a job run
 *   over the whole job. A backfill has one job run per partition of each partition-aware job, so a job run is
 *   unique per run, job and partition, and `upstream` lists task keys (`job` or `job[partition]`).
 * - `core_pipeline_runs.backfill`: what a backfill run covers (`{from, to, partitions}`); null for other runs.
 */
export const backfillsMigration: PluginMigration = {
  name: '013_backfills',
  async up(knex) {
    await knex.schema.alterTable('core_job_runs', (table) => {
      table.text('partition_key');
    });
    await knex.schema.alterTable('core_job_runs', (table) => {
      table.dropUnique(['run_id', 'job_id'], 'core_job_runs_run_job_key');
    });
    await knex.raw(`
      create unique index core_job_runs_run_job_partition_key
        on core_job_runs (run_id, job_id, coalesce(partition_key, ''))`);
    await knex.schema.alterTable('core_pipeline_runs', (table) => {
      table.jsonb('backfill');
    });
  },
  async down(knex) {
    await knex.schema.alterTable('core_pipeline_runs', (table) => {
      table.dropColumn('backfill');
    });
    await knex.raw('drop index core_job_runs_run_job_partition_key');
    await knex('core_job_runs').whereNotNull('partition_key').delete();
    await knex.schema.alterTable('core_job_runs', (table) => {
      table.dropColumn('partition_key');
      table.unique(['run_id', 'job_id'], { indexName: 'core_job_runs_run_job_key' });
    });
  },
};
