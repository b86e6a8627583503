import type { PluginMigration } from '@assay/sdk';

/**
 * `core_oidc_logins`: OIDC logins between the redirect to the identity provider and its callback. A row holds what
 * the callback must check (nonce, PKCE verifier) and where to go afterwards; it is keyed by the SHA-256 of the
 * `state` parameter so that the table never holds a value that could complete a login. The callback deletes the
 * row as it reads it, so each login completes at most once; rows expire after ten minutes.
 */
export const oidcLoginsMigration: PluginMigration = {
  name: '006_oidc_logins',
  async up(knex) {
    await knex.schema.createTable('core_oidc_logins', (table) => {
      table.text('state_hash').primary();
      table.text('nonce').notNullable();
      table.text('code_verifier').notNullable();
      table.text('return_to').notNullable();
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('expires_at', { useTz: true }).notNullable();
      table.index(['expires_at'], 'core_oidc_logins_expires_at_idx');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_oidc_logins');
  },
};
