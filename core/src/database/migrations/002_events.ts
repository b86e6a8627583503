import type { PluginMigration } from '@assay/sdk';

/**
 * `core_events`: every published event, so live listeners can load payloads too large for a NOTIFY and a listener
 * that reconnects can catch up. Rows are pruned after the bus's retention period, by `published_at`.
 */
export const eventsMigration: PluginMigration = {
  name: '002_events',
  async up(knex) {
    await knex.schema.createTable('core_events', (table) => {
      table.bigIncrements('id').primary();
      table.text('topic').notNullable();
      table.jsonb('payload').notNullable();
      table.timestamp('published_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.index(['published_at'], 'core_events_published_at_idx');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_events');
  },
};
