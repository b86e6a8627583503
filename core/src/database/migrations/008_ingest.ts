import type { PluginMigration } from '@assay/sdk';

/**
 * Connections and Bronze ingest (docs/ingest.md):
 * - `core_connections`: a workspace's configured sources. `config` holds the non-secret fields; secret fields are
 *   references (`{"$secret": "<name>"}`) to encrypted entries of `core_secrets`.
 * - `core_ingest_state`: per (connection, stream, dataset) the connector state of the last commit and its sequence
 *   (the Delta `txn` version of that commit), plus the pending state of a commit in flight, promoted on the next
 *   load when the table shows that commit landed.
 * - `core_ingest_loads`: one load record per ingest run with its counts, bytes, watermarks and outcome.
 */
export const ingestMigration: PluginMigration = {
  name: '008_ingest',
  async up(knex) {
    await knex.schema.createTable('core_connections', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.text('workspace').notNullable();
      table.text('name').notNullable();
      table.text('type').notNullable();
      table.integer('version').notNullable();
      table.jsonb('config').notNullable();
      table.text('description');
      table.text('created_by');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.unique(['workspace', 'name'], { indexName: 'core_connections_workspace_name_key' });
      table.check(`name ~ '^[a-z][a-z0-9_-]*$'`, [], 'core_connections_name_check');
    });
    await knex.schema.createTable('core_ingest_state', (table) => {
      table.uuid('connection_id').notNullable().references('id').inTable('core_connections').onDelete('CASCADE');
      table.text('stream').notNullable();
      table.text('dataset').notNullable();
      table.bigInteger('sequence').notNullable();
      table.jsonb('state');
      table.bigInteger('pending_sequence');
      table.jsonb('pending_state');
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.primary(['connection_id', 'stream', 'dataset'], { constraintName: 'core_ingest_state_pkey' });
    });
    await knex.schema.createTable('core_ingest_loads', (table) => {
      table.uuid('id').primary();
      table.text('workspace').notNullable();
      table.uuid('connection_id').references('id').inTable('core_connections').onDelete('SET NULL');
      table.text('connection_name').notNullable();
      table.text('stream').notNullable();
      table.text('dataset').notNullable();
      table.text('status').notNullable();
      table.text('run_id');
      table.text('started_by');
      table.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('finished_at', { useTz: true });
      table.bigInteger('rows_read').notNullable().defaultTo(0);
      table.bigInteger('rows_written').notNullable().defaultTo(0);
      table.bigInteger('rows_quarantined').notNullable().defaultTo(0);
      table.bigInteger('rows_updated').notNullable().defaultTo(0);
      table.bigInteger('rows_deleted').notNullable().defaultTo(0);
      table.bigInteger('bytes').notNullable().defaultTo(0);
      table.integer('files').notNullable().defaultTo(0);
      table.integer('commits').notNullable().defaultTo(0);
      table.jsonb('state_before');
      table.jsonb('state_after');
      table.integer('schema_version');
      table.jsonb('schema_changes').notNullable().defaultTo('[]');
      table.bigInteger('delta_version');
      table.text('landing_path');
      table.text('error_code');
      table.text('error_message');
      table.index(['workspace', 'started_at'], 'core_ingest_loads_workspace_idx');
      table.index(['workspace', 'dataset', 'started_at'], 'core_ingest_loads_dataset_idx');
      table.check(`status in ('queued', 'running', 'succeeded', 'failed')`, [], 'core_ingest_loads_status_check');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_ingest_loads');
    await knex.schema.dropTable('core_ingest_state');
    await knex.schema.dropTable('core_connections');
  },
};
