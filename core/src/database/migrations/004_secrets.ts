import type { PluginMigration } from '@assay/sdk';

/**
 * `core_secrets`: named secrets of a workspace (connection passwords, API keys), encrypted with AES-256-GCM.
 * A row keeps the id of the key that encrypted it (`key_id`), the random IV, the GCM tag and the ciphertext; the
 * plaintext is never stored. `workspace` is a `core_workspaces` slug, deliberately without a foreign key so that
 * this migration stands on its own.
 */
export const secretsMigration: PluginMigration = {
  name: '004_secrets',
  async up(knex) {
    await knex.schema.createTable('core_secrets', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.text('workspace').notNullable();
      table.text('name').notNullable();
      table.text('key_id').notNullable();
      table.binary('iv').notNullable();
      table.binary('tag').notNullable();
      table.binary('ciphertext').notNullable();
      table.text('description');
      table.text('created_by');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.unique(['workspace', 'name'], { indexName: 'core_secrets_workspace_name_unique' });
      table.check(`name ~ '^[a-z][a-z0-9_.-]*$' and char_length(name) <= 128`, [], 'core_secrets_name_check');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_secrets');
  },
};
