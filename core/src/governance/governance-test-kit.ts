import type { Principal } from '@assay/sdk';
import type { Knex } from 'knex';
import type { Authorizer, ResourceAttributes } from '../auth/authorizer.ts';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createTestDatabase } from '../testing/test-database.ts';

/** A grant of the stand-in authorizer: `role` holds `permission`, on resources matching `when` if given. */
export interface Grant {
  readonly role: string;
  readonly permission: string;
  readonly when?: (resource: ResourceAttributes | undefined) => boolean;
}

/** The stand-in authorizer, with the resources it was asked about so tests can check what ABAC saw. */
export interface TableAuthorizer extends Authorizer {
  readonly checked: Array<{ permission: string; resource: ResourceAttributes | undefined }>;
}

/**
 * An in-memory {@link Authorizer} standing in for Casbin in governance tests: `members` maps `workspace/principal id`
 * to roles, `grants` maps roles to permissions with optional ABAC conditions.
 */
export function createTableAuthorizer(members: Record<string, string[]>, grants: readonly Grant[]): TableAuthorizer {
  const checked: TableAuthorizer['checked'] = [];
  const rolesOf = async (principal: Principal, workspace: string) => members[`${workspace}/${principal.id}`] ?? [];
  return {
    checked,
    rolesOf,
    async can(principal, workspace, permission, resource) {
      checked.push({ permission, resource });
      if (workspace === undefined) return false;
      const roles = await rolesOf(principal, workspace);
      return grants.some((g) => roles.includes(g.role) && g.permission === permission && (g.when?.(resource) ?? true));
    },
  };
}

/** A user principal with the given id and e-mail. */
export function person(id: string, email: string | undefined, name = 'Test person'): Principal {
  return { id, kind: 'user', name, email, platformAdmin: false, via: 'session' };
}

/** A fresh migrated test database with workspace `demo` and its custom role `steward`. */
export async function createGovernanceTestDb(): Promise<{ db: Knex; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const db = createDatabase(database.url);
  await runMigrations(db);
  await db('core_workspaces').insert({ slug: 'demo', name: 'Demo' });
  await db('core_roles').insert({ workspace: 'demo', name: 'steward' });
  return {
    db,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}
