import type { PluginMigration } from '@assay/sdk';

/**
 * Pipeline job state (docs/pipelines.md): `core_job_state` holds, per (pipeline, job), the state an operator
 * keeps between runs (watermarks, positions) with the run sequence that committed it, plus the pending state of a
 * write in flight, promoted on the next run when the output table's Delta txn shows that write landed. Deleting a
 * pipeline deletes its job state with it.
 */
export const jobStateMigration: PluginMigration = {
  name: '010_job_state',
  async up(knex) {
    await knex.schema.createTable('core_job_state', (table) => {
      table.uuid('pipeline_id').notNullable().references('id').inTable('core_pipelines').onDelete('CASCADE');
      table.text('job_id').notNullable();
      table.jsonb('state');
      table.bigInteger('sequence').notNullable();
      table.jsonb('pending_state');
      table.bigInteger('pending_sequence');
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.primary(['pipeline_id', 'job_id'], { constraintName: 'core_job_state_pkey' });
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_job_state');
  },
};
