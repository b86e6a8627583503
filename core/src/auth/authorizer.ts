import type { Principal } from '@assay/sdk';

/** What ABAC rules may look at about the resource a permission is checked on. */
export interface ResourceAttributes {
  /** `dataset`, `pipeline`, `connection`, ... */
  readonly type?: string;
  /** Dataset layer: `bronze`, `silver`, `gold`. */
  readonly layer?: string;
  readonly name?: string;
  /** `public`, `internal`, `confidential`, `pii`, ... */
  readonly classification?: string;
  readonly tags?: readonly string[];
  /** Principal id of the owner. */
  readonly owner?: string;
}

/** Authorization decisions (Casbin, RBAC with workspace domains plus ABAC conditions on resource attributes). */
export interface Authorizer {
  /** Whether `principal` holds `permission` in `workspace` (or platform-wide when `workspace` is undefined). */
  can(
    principal: Principal,
    workspace: string | undefined,
    permission: string,
    resource?: ResourceAttributes,
  ): Promise<boolean>;
  /** The roles `principal` holds in `workspace` (directly, through groups, or through its token), e.g. `['analyst']`. */
  rolesOf(principal: Principal, workspace: string): Promise<string[]>;
}
