import type { PluginMigration } from '@assay/sdk';

/**
 * Data governance (docs/data-policies.md):
 * - `core_dataset_governance`: per dataset (`layer.name`) its owner, classification, tags and per-column
 *   attributes (`columns`: column → `{ classification?, tags?, mask? }`). Feeds ABAC checks and column masks.
 * - `core_data_policies`: explicit column masks and row filters for the principals holding any of `roles`.
 *
 * `workspace` is a `core_workspaces` slug, deliberately without a foreign key so that this migration stands on
 * its own; both tables are indexed by it.
 */
export const governanceMigration: PluginMigration = {
  name: '007_governance',
  async up(knex) {
    await knex.schema.createTable('core_dataset_governance', (table) => {
      table.text('workspace').notNullable();
      table.text('dataset').notNullable();
      table.text('owner');
      table.text('classification');
      table.specificType('tags', 'text[]').notNullable().defaultTo('{}');
      table.jsonb('columns').notNullable().defaultTo('{}');
      table.text('updated_by');
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.primary(['workspace', 'dataset'], { constraintName: 'core_dataset_governance_pkey' });
      table.check(`dataset ~ '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$'`, [], 'core_dataset_governance_dataset_check');
    });
    await knex.schema.createTable('core_data_policies', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.text('workspace').notNullable();
      table.text('kind').notNullable();
      table.text('dataset_pattern').notNullable();
      table.text('column');
      table.text('mask');
      table.text('predicate');
      table.specificType('roles', 'text[]').notNullable();
      table.text('description');
      table.text('created_by');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.index(['workspace'], 'core_data_policies_workspace_idx');
      table.check(`kind in ('mask', 'row_filter')`, [], 'core_data_policies_kind_check');
      table.check(
        `(kind = 'mask' and "column" is not null and mask is not null and predicate is null)
          or (kind = 'row_filter' and predicate is not null and "column" is null and mask is null)`,
        [],
        'core_data_policies_shape_check',
      );
      table.check(`cardinality(roles) > 0`, [], 'core_data_policies_roles_check');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_data_policies');
    await knex.schema.dropTable('core_dataset_governance');
  },
};
