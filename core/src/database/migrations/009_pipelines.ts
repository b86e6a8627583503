import type { PluginMigration } from '@assay/sdk';

/**
 * Versioned pipelines (docs/pipelines.md):
 * - `core_pipelines`: one row per pipeline of a workspace, its name (the connection name rule) and the number of
 *   its current version.
 * - `core_pipeline_versions`: every saved document, canonical, with its hash, author and message. Rows are
 *   immutable: a trigger refuses `UPDATE`, so a version once written is what ran and what a rollback restores.
 *   Deleting a pipeline deletes its versions with it (`ON DELETE CASCADE`); tables that reference a version
 *   (runs) must say what happens to theirs.
 */
export const pipelinesMigration: PluginMigration = {
  name: '009_pipelines',
  async up(knex) {
    await knex.schema.createTable('core_pipelines', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.text('workspace').notNullable();
      table.text('name').notNullable();
      table.integer('current_version').notNullable().defaultTo(0);
      table.text('created_by');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.unique(['workspace', 'name'], { indexName: 'core_pipelines_workspace_name_key' });
      table.check(`name ~ '^[a-z][a-z0-9_-]{0,62}$'`, [], 'core_pipelines_name_check');
    });
    await knex.schema.createTable('core_pipeline_versions', (table) => {
      table.uuid('pipeline_id').notNullable().references('id').inTable('core_pipelines').onDelete('CASCADE');
      table.integer('version').notNullable();
      table.jsonb('document').notNullable();
      table.text('hash').notNullable();
      table.text('author');
      table.text('message');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.primary(['pipeline_id', 'version'], { constraintName: 'core_pipeline_versions_pkey' });
      table.check('version >= 1', [], 'core_pipeline_versions_version_check');
    });
    await knex.raw(`
      create function core_pipeline_versions_refuse_update() returns trigger language plpgsql as $$
      begin
        raise exception 'core_pipeline_versions rows are immutable: save a new version instead'
          using errcode = 'insufficient_privilege';
      end;
      $$`);
    await knex.raw(`
      create trigger core_pipeline_versions_immutable
        before update on core_pipeline_versions
        for each row execute function core_pipeline_versions_refuse_update()`);
  },
  async down(knex) {
    await knex.schema.dropTable('core_pipeline_versions');
    await knex.raw('drop function core_pipeline_versions_refuse_update()');
    await knex.schema.dropTable('core_pipelines');
  },
};
