import type { Permission } from '@assay/sdk';

/** Roles every workspace has. Their permissions are Casbin policies in the `*` domain, seeded at start. */
export const BUILTIN_ROLES = ['admin', 'engineer', 'analyst', 'viewer'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

/** The platform-wide role: every platform permission, and every permission in every workspace. */
export const PLATFORM_ADMIN_ROLE = 'platform-admin';

const VIEWER: readonly Permission[] = [
  'workspace:read',
  'member:read',
  'role:read',
  'dataset:read',
  'pipeline:read',
  'quality:read',
  'plugin:read',
  'token:create',
];
const ANALYST: readonly Permission[] = [...VIEWER, 'query:run'];
const ENGINEER: readonly Permission[] = [
  ...ANALYST,
  'policy:read',
  'dataset:write',
  'dataset:manage',
  'dataset:classify',
  'connection:read',
  'connection:edit',
  'secret:read',
  'secret:manage',
  'pipeline:edit',
  'pipeline:run',
  'quality:edit',
];

/**
 * What each built-in role may do (docs/access.md renders this table). `admin` holds `*`: every permission,
 * including `dataset:read-pii`, member, role and policy management and the audit log.
 */
export const BUILTIN_ROLE_PERMISSIONS: Readonly<Record<BuiltinRole, readonly string[]>> = {
  viewer: VIEWER,
  analyst: ANALYST,
  engineer: ENGINEER,
  admin: ['*'],
};

/** Whether `name` is one of the built-in workspace roles. */
export function isBuiltinRole(name: string): name is BuiltinRole {
  return (BUILTIN_ROLES as readonly string[]).includes(name);
}
