import type { PluginMigration } from '@assay/sdk';

/**
 * The installed set: every plugin the platform has loaded, with its current version and what it contributes, and
 * per-workspace enablement (a plugin without a row for a workspace is enabled there).
 */
export const pluginsMigration: PluginMigration = {
  name: '001_plugins',
  async up(knex) {
    await knex.schema.createTable('core_plugins', (table) => {
      table.text('id').primary();
      table.text('version').notNullable();
      table.text('source').notNullable();
      table.text('package_name');
      table.jsonb('contributions').notNullable().defaultTo('{}');
      table.timestamp('installed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.raw(`alter table core_plugins add constraint core_plugins_source_check
      check (source in ('builtin', 'installed', 'inline'))`);
    await knex.schema.createTable('core_plugin_workspaces', (table) => {
      table.text('plugin_id').notNullable().references('id').inTable('core_plugins').onDelete('CASCADE');
      table.text('workspace').notNullable();
      table.boolean('enabled').notNullable();
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.primary(['plugin_id', 'workspace']);
      table.index(['workspace']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_plugin_workspaces');
    await knex.schema.dropTable('core_plugins');
  },
};
