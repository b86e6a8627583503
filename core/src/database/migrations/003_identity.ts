import type { PluginMigration } from '@assay/sdk';

/**
 * Tenants, identities and authorization state:
 * - `core_workspaces`: tenants, addressed by slug everywhere (API paths, lake prefixes, Casbin domains).
 * - `core_users`: people and service accounts (kind), with local password or OIDC identity, lockout counters.
 * - `core_groups` / `core_group_members`: groups, local or synced from the IdP's groups claim at login.
 * - `core_roles`: custom roles of a workspace (built-in roles are code); their permissions are Casbin policies.
 * - `core_casbin_rules`: Casbin policies (`p`) and role links (`g`), read and written by the knex adapter.
 * - `core_api_tokens` / `core_sessions`: bearer tokens and browser sessions, stored as SHA-256 hashes only.
 * - `core_setup_tokens`: the one-time token that creates the first admin when no password was configured.
 */
export const identityMigration: PluginMigration = {
  name: '003_identity',
  async up(knex) {
    await knex.schema.createTable('core_workspaces', (table) => {
      table.text('slug').primary();
      table.text('name').notNullable();
      table.text('description').notNullable().defaultTo('');
      table.text('status').notNullable().defaultTo('active');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('archived_at', { useTz: true });
      table.check(`status in ('active', 'archived')`, [], 'core_workspaces_status_check');
    });
    await knex.schema.createTable('core_users', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.text('kind').notNullable().defaultTo('user');
      table.text('email');
      table.text('name').notNullable();
      table.text('password_hash');
      table.text('oidc_issuer');
      table.text('oidc_subject');
      table.text('workspace').references('slug').inTable('core_workspaces');
      table.boolean('disabled').notNullable().defaultTo(false);
      table.integer('failed_logins').notNullable().defaultTo(0);
      table.timestamp('locked_until', { useTz: true });
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('last_login_at', { useTz: true });
      table.timestamp('password_changed_at', { useTz: true });
      table.unique(['oidc_issuer', 'oidc_subject']);
      table.check(`kind in ('user', 'service-account')`, [], 'core_users_kind_check');
      table.check(`kind = 'user' or workspace is not null`, [], 'core_users_service_account_workspace');
    });
    await knex.raw('create unique index core_users_email_unique on core_users (lower(email))');
    await knex.schema.createTable('core_groups', (table) => {
      table.text('name').primary();
      table.text('description').notNullable().defaultTo('');
      table.text('source').notNullable().defaultTo('local');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.schema.createTable('core_group_members', (table) => {
      table.text('group_name').notNullable().references('name').inTable('core_groups').onDelete('CASCADE');
      table.uuid('user_id').notNullable().references('id').inTable('core_users').onDelete('CASCADE');
      table.text('source').notNullable().defaultTo('local');
      table.primary(['group_name', 'user_id']);
    });
    await knex.schema.createTable('core_roles', (table) => {
      table.text('workspace').notNullable().references('slug').inTable('core_workspaces');
      table.text('name').notNullable();
      table.text('description').notNullable().defaultTo('');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.primary(['workspace', 'name']);
    });
    await knex.schema.createTable('core_casbin_rules', (table) => {
      table.increments('id').primary();
      table.text('ptype');
      for (const column of ['v0', 'v1', 'v2', 'v3', 'v4', 'v5']) table.text(column);
      table.index(['ptype', 'v2'], 'core_casbin_rules_domain_idx');
    });
    await knex.schema.createTable('core_api_tokens', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.uuid('user_id').notNullable().references('id').inTable('core_users').onDelete('CASCADE');
      table.text('workspace').references('slug').inTable('core_workspaces');
      table.text('role').notNullable();
      table.text('name').notNullable();
      table.text('token_hash').notNullable().unique();
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('expires_at', { useTz: true });
      table.timestamp('last_used_at', { useTz: true });
      table.timestamp('revoked_at', { useTz: true });
      table.uuid('created_by');
    });
    await knex.schema.createTable('core_sessions', (table) => {
      table.text('id_hash').primary();
      table.uuid('user_id').notNullable().references('id').inTable('core_users').onDelete('CASCADE');
      table.text('csrf_token').notNullable();
      table.text('method').notNullable();
      table.text('oidc_id_token');
      table.text('oidc_refresh_token');
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('expires_at', { useTz: true }).notNullable();
      table.index(['user_id'], 'core_sessions_user_idx');
    });
    await knex.schema.createTable('core_setup_tokens', (table) => {
      table.text('token_hash').primary();
      table.timestamp('expires_at', { useTz: true }).notNullable();
    });
  },
  async down(knex) {
    for (const table of [
      'core_setup_tokens',
      'core_sessions',
      'core_api_tokens',
      'core_casbin_rules',
      'core_roles',
      'core_group_members',
      'core_groups',
      'core_users',
      'core_workspaces',
    ]) {
      await knex.schema.dropTable(table);
    }
  },
};
