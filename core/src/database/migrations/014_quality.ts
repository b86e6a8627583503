import type { PluginMigration } from '@assay/sdk';

/**
 * Data quality (docs/quality.md):
 * - `core_dataset_publications`: a dataset's published version when it differs from "the latest commit" — a row
 *   exists once a job with checks has judged a version; `held_version` is the newest commit a gate or rollback check
 *   kept back (null when nothing is held).
 * - `core_check_results`: every check result of every job run (and partition), the source of history, scores and
 *   the baselines history-based checks compare with.
 * - `core_dq_incidents`: one open incident per dataset and check absorbs repeated failures; notes beside it.
 */
export const qualityMigration: PluginMigration = {
  name: '014_quality',
  async up(knex) {
    // Runs that move fixed rows out of quarantine through their job (docs/quarantine.md).
    await knex.raw('alter table core_pipeline_runs drop constraint core_pipeline_runs_trigger_check');
    await knex.raw(
      `alter table core_pipeline_runs add constraint core_pipeline_runs_trigger_check
         check (trigger in ('manual', 'api', 'schedule', 'pipeline', 'files', 'backfill', 'reprocess'))`,
    );
    await knex.schema.createTable('core_dataset_publications', (table) => {
      table.text('workspace').notNullable();
      table.text('dataset').notNullable();
      table.integer('published_version');
      table.integer('held_version');
      table.jsonb('held_by').notNullable().defaultTo('[]');
      table.text('held_run_id');
      table.text('updated_by');
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.primary(['workspace', 'dataset']);
    });
    await knex.schema.createTable('core_check_results', (table) => {
      table.bigIncrements('id');
      table.text('workspace').notNullable();
      table.text('dataset').notNullable();
      table.text('check_id').notNullable();
      table.text('check_type').notNullable();
      table.text('kind').notNullable();
      table.text('action').notNullable();
      table.double('weight').notNullable().defaultTo(1);
      table.text('status').notNullable();
      table.boolean('passed').notNullable();
      table.bigInteger('checked').notNullable();
      table.bigInteger('failing').notNullable();
      table.double('failing_percent').notNullable();
      table.double('observed');
      table.double('baseline');
      table.text('note');
      table.jsonb('sample').notNullable().defaultTo('[]');
      table.integer('duration_ms').notNullable();
      table.integer('delta_version');
      table.uuid('pipeline_id');
      table.text('pipeline');
      table.text('job_id');
      table.text('run_id');
      table.text('partition_key');
      table.timestamp('observed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.index(['workspace', 'dataset', 'check_id', 'observed_at']);
      table.index(['workspace', 'dataset', 'observed_at']);
      table.index(['run_id']);
    });
    await knex.schema.createTable('core_dq_incidents', (table) => {
      table.uuid('id').primary();
      table.text('workspace').notNullable();
      table.text('dataset').notNullable();
      table.text('check_id').notNullable();
      table.text('check_type').notNullable();
      table.text('action').notNullable();
      table.text('state').notNullable();
      table.integer('count').notNullable();
      table.text('pipeline');
      table.text('job_id');
      table.text('first_run_id');
      table.text('last_run_id');
      table.jsonb('last_result').notNullable();
      table.text('assignee');
      table.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('acknowledged_at', { useTz: true });
      table.text('acknowledged_by');
      table.timestamp('resolved_at', { useTz: true });
      table.text('resolved_by');
      table.index(['workspace', 'state', 'last_seen_at']);
    });
    // One open (or acknowledged) incident per root cause: the insert of a second one fails, so repeats absorb.
    await knex.raw(`
      create unique index core_dq_incidents_open_key
        on core_dq_incidents (workspace, dataset, check_id) where state <> 'resolved'`);
    await knex.schema.createTable('core_dq_incident_notes', (table) => {
      table.bigIncrements('id');
      table.uuid('incident_id').notNullable().references('id').inTable('core_dq_incidents').onDelete('CASCADE');
      table.text('author');
      table.text('text').notNullable();
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.index(['incident_id', 'created_at']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_dq_incident_notes');
    await knex.schema.dropTable('core_dq_incidents');
    await knex.schema.dropTable('core_check_results');
    await knex.schema.dropTable('core_dataset_publications');
    await knex('core_pipeline_runs').where({ trigger: 'reprocess' }).update({ trigger: 'manual' });
    await knex.raw('alter table core_pipeline_runs drop constraint core_pipeline_runs_trigger_check');
    await knex.raw(
      `alter table core_pipeline_runs add constraint core_pipeline_runs_trigger_check
         check (trigger in ('manual', 'api', 'schedule', 'pipeline', 'files', 'backfill'))`,
    );
  },
};
