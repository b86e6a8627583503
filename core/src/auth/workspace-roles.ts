import { InputError } from '@assay/sdk';
import type { Knex } from 'knex';
import { isBuiltinRole } from './builtin-roles.ts';

const ROLE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Refuses a role name that is neither built-in nor a custom role of the workspace (400 ROLE_NOT_FOUND). */
export async function assertRoleExists(db: Knex, workspace: string, role: string): Promise<void> {
  if (isBuiltinRole(role)) return;
  const row = await db('core_roles').where({ workspace, name: role }).first();
  if (row === undefined) {
    throw new InputError(`No role "${role}" in workspace "${workspace}"`, { code: 'ROLE_NOT_FOUND' });
  }
}

export function assertRoleName(name: string): void {
  if (!ROLE_NAME.test(name)) {
    throw new InputError(`Role name "${name}" must be lower-case letters, digits and dashes, starting with a letter`, {
      code: 'ROLE_NAME_INVALID',
    });
  }
}
