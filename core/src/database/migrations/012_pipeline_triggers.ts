import type { PluginMigration } from '@assay/sdk';

/**
 * Pipeline triggers (docs/pipelines.md, "Triggers"):
 * - `core_pipelines.paused_at` / `paused_by`: a paused pipeline starts no run by itself (schedule, upstream
 *   success, new files); manual and API runs still start. Operational state, not part of the versioned document,
 *   so applying the files again never resumes a pipeline someone paused.
 * - `core_pipeline_runs.trigger_key`: what fired a triggered run (`schedule:<tick>`, `pipeline:<upstream run>`,
 *   `files:<fingerprint>`), unique per pipeline, so one event starts one run however often it is delivered.
 * - `core_pipeline_trigger_checks`: when each `new_files` trigger last probed its connection.
 */
export const pipelineTriggersMigration: PluginMigration = {
  name: '012_pipeline_triggers',
  async up(knex) {
    await knex.schema.alterTable('core_pipelines', (table) => {
      table.timestamp('paused_at', { useTz: true });
      table.text('paused_by');
    });
    await knex.schema.alterTable('core_pipeline_runs', (table) => {
      table.text('trigger_key');
    });
    await knex.raw(
      'create unique index core_pipeline_runs_trigger_key on core_pipeline_runs (pipeline_id, trigger_key) ' +
        'where trigger_key is not null',
    );
    await knex.schema.createTable('core_pipeline_trigger_checks', (table) => {
      table.uuid('pipeline_id').notNullable().references('id').inTable('core_pipelines').onDelete('CASCADE');
      table.text('trigger').notNullable();
      table.timestamp('checked_at', { useTz: true }).notNullable();
      table.integer('new_items').notNullable().defaultTo(0);
      table.text('error');
      table.primary(['pipeline_id', 'trigger'], { constraintName: 'core_pipeline_trigger_checks_pkey' });
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_pipeline_trigger_checks');
    await knex.raw('drop index core_pipeline_runs_trigger_key');
    await knex.schema.alterTable('core_pipeline_runs', (table) => table.dropColumn('trigger_key'));
    await knex.schema.alterTable('core_pipelines', (table) => {
      table.dropColumn('paused_at');
      table.dropColumn('paused_by');
    });
  },
};
