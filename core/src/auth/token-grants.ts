import { InputError, NotAllowedError, PERMISSIONS, type Principal } from '@assay/sdk';
import type { AccessControl } from './access-control.ts';
import { subjectOfRole } from './casbin-model.ts';

/** Days a token lives when the request names no expiry. */
export const DEFAULT_TOKEN_DAYS = 90;

/**
 * The permissions a workspace role grants: the allow policies of `role:<name>` in the `*` domain (built-in roles)
 * or in the workspace (custom roles). A role granting `*` grants every workspace permission core knows, plus any
 * plugin permission. A role without any allow policy is unknown: 400 ROLE_NOT_FOUND.
 */
export function permissionsOfRole(access: AccessControl, workspace: string, role: string): string[] {
  const subject = subjectOfRole(role);
  const granted = new Set(
    access
      .policies(workspace, true)
      .filter((rule) => rule.subject === subject && rule.effect === 'allow')
      .map((rule) => rule.permission),
  );
  if (granted.size === 0) {
    throw new InputError(`Workspace "${workspace}" has no role "${role}"`, {
      code: 'ROLE_NOT_FOUND',
      details: { role, workspace },
    });
  }
  if (granted.has('*')) {
    for (const permission of PERMISSIONS) if (!permission.startsWith('platform:')) granted.add(permission);
  }
  return [...granted];
}

/**
 * Refuses to hand out a role (to a token or a service account) that grants anything the caller does not hold in the
 * workspace themselves: 403 TOKEN_ROLE_NOT_HELD naming what is missing. `*` is checked literally too, so only a
 * caller holding `*` (a workspace admin) can hand out a role holding `*`, which also covers plugin permissions.
 * Unconditional checks are used, so a caller whose permission only holds under an ABAC condition is refused.
 */
export async function assertRoleGrantable(
  access: AccessControl,
  principal: Principal,
  workspace: string,
  role: string,
): Promise<void> {
  const missing: string[] = [];
  for (const permission of permissionsOfRole(access, workspace, role)) {
    if (!(await access.can(principal, workspace, permission))) missing.push(permission);
  }
  if (missing.length > 0) {
    throw new NotAllowedError(
      `Role "${role}" grants permissions you do not hold in workspace "${workspace}": ${missing.join(', ')}`,
      { code: 'TOKEN_ROLE_NOT_HELD', details: { role, workspace, missing } },
    );
  }
}

/**
 * When a workspace token expires: `expiresInDays` from now, 90 days when unset; `null` (never) only for callers who
 * manage the workspace's members, otherwise 403 TOKEN_EXPIRY_REQUIRED.
 */
export async function workspaceTokenExpiry(
  access: AccessControl,
  principal: Principal,
  workspace: string,
  expiresInDays: number | null | undefined,
): Promise<Date | null> {
  if (expiresInDays === null) {
    if (!(await access.can(principal, workspace, 'member:manage'))) {
      throw new NotAllowedError(
        `Only members who hold "member:manage" in workspace "${workspace}" may create tokens that never expire; ` +
          'set expiresInDays',
        { code: 'TOKEN_EXPIRY_REQUIRED' },
      );
    }
    return null;
  }
  return daysFromNow(expiresInDays ?? DEFAULT_TOKEN_DAYS);
}

/** The moment `days` days from now. */
export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}
