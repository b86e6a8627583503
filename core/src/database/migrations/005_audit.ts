import type { PluginMigration } from '@assay/sdk';

/**
 * `core_audit_log`: who did what, where, when and with what outcome (docs/audit.md). Append-only in the database
 * itself: a statement trigger refuses UPDATE, DELETE and TRUNCATE whoever issues them, so neither an API nor a bug
 * can rewrite history. Pruning is a deliberate maintenance step by the table owner (docs/audit.md, Retention).
 *
 * `workspace` has no foreign key on purpose: entries outlive workspaces, and platform-level actions have none.
 */
export const auditMigration: PluginMigration = {
  name: '005_audit',
  async up(knex) {
    await knex.schema.createTable('core_audit_log', (table) => {
      table.bigIncrements('id').primary();
      table.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.text('workspace');
      table.text('principal_id');
      table.text('principal_kind');
      table.text('principal_name');
      table.text('action').notNullable();
      table.text('method');
      table.text('resource').notNullable();
      table.text('outcome').notNullable();
      table.integer('status');
      table.text('request_id');
      table.text('client_address');
      table.jsonb('details');
      table.check(`outcome in ('success', 'denied', 'failed')`, [], 'core_audit_log_outcome_check');
      table.check(
        `principal_kind is null or principal_kind in ('user', 'service-account')`,
        [],
        'core_audit_log_principal_kind_check',
      );
      table.index(['workspace', 'id'], 'core_audit_log_workspace_id_idx');
      table.index(['workspace', 'at'], 'core_audit_log_workspace_at_idx');
    });
    await knex.raw(`
      create function core_audit_log_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'core_audit_log is append-only: % is not allowed', tg_op
          using errcode = 'insufficient_privilege',
                hint = 'Audit entries can only be added. Pruning old entries is a maintenance task for the table '
                    || 'owner, see docs/audit.md (Retention).';
      end;
      $$`);
    await knex.raw(`
      create trigger core_audit_log_append_only
        before update or delete or truncate on core_audit_log
        for each statement execute function core_audit_log_refuse_change()`);
  },
  async down(knex) {
    await knex.schema.dropTable('core_audit_log');
    await knex.raw('drop function core_audit_log_refuse_change()');
  },
};
