import { InputError, type Principal } from '@assay/sdk';
import { newEnforcer, Util, type Enforcer } from 'casbin';
import type { Knex } from 'knex';
import type { Authorizer, ResourceAttributes } from './authorizer.ts';
import { BUILTIN_ROLE_PERMISSIONS, PLATFORM_ADMIN_ROLE } from './builtin-roles.ts';
import {
  ANY_DOMAIN,
  CONDITION_FUNCTIONS,
  createCasbinModel,
  PLATFORM_DOMAIN,
  subjectOfGroup,
  subjectOfRole,
  subjectOfUser,
} from './casbin-model.ts';
import { QuotingKnexAdapter } from './casbin-knex-adapter.ts';
import { DecisionCache } from './decision-cache.ts';

/** A Casbin policy line as the policy API shows it. */
export interface PolicyRule {
  /** `role:<name>` or `group:<name>`. */
  readonly subject: string;
  /** Workspace slug, or `*` for built-in rules that hold everywhere. */
  readonly domain: string;
  readonly permission: string;
  /** ABAC condition over `r.res`/`r.sub`; `true` when unconditional. */
  readonly condition: string;
  readonly effect: 'allow' | 'deny';
}

/** A role link in a workspace: a user, service account or group holding a role. */
export interface RoleAssignment {
  readonly subject: string;
  readonly role: string;
}

/**
 * Authorization state and decisions, backed by one Casbin enforcer whose policies live in PostgreSQL.
 * Decisions are cached per (subject, domain, permission, resource) until any policy changes here or, through
 * {@link AccessControl.reload}, in another process.
 */
export interface AccessControl extends Authorizer {
  /** Re-reads every policy from the database (another process changed them) and clears cached decisions. */
  reload(): Promise<void>;
  /** Called after every local change, so the platform can tell other processes to reload. */
  onChange(listener: () => void): void;
  isPlatformAdmin(userId: string): boolean;
  setPlatformAdmin(userId: string, admin: boolean): Promise<void>;
  /** Direct role links of a workspace (users, service accounts and groups). */
  assignments(workspace: string): RoleAssignment[];
  /** Roles linked directly to `subject` in `workspace`. */
  directRoles(subject: string, workspace: string): string[];
  assign(subject: string, role: string, workspace: string): Promise<void>;
  unassign(subject: string, role: string, workspace: string): Promise<boolean>;
  /** Removes every role link of `subject` in `workspace`. */
  unassignAll(subject: string, workspace: string): Promise<number>;
  setGroupMembership(userId: string, groups: readonly string[]): Promise<void>;
  groupsOf(userId: string): string[];
  /** Policies of a workspace, plus the built-in `*` rules when `withBuiltins`. */
  policies(workspace: string, withBuiltins?: boolean): PolicyRule[];
  addPolicies(rules: readonly PolicyRule[]): Promise<void>;
  removePolicies(rules: readonly PolicyRule[]): Promise<void>;
  /** Removes every policy and role link of a workspace role. */
  dropRole(role: string, workspace: string): Promise<void>;
}

/** Opens the enforcer on `core_casbin_rules` and makes sure the built-in role policies are there. */
export async function createAccessControl(options: { db: Knex }): Promise<AccessControl> {
  const enforcer = await newConfiguredEnforcer(new QuotingKnexAdapter(options.db));
  enforcer.enableAutoSave(true);
  await seedBuiltinPolicies(enforcer);
  return new CasbinAccessControl(enforcer);
}

/** An enforcer on our model with the condition functions and the `*` domain matching of group links. */
async function newConfiguredEnforcer(adapter?: QuotingKnexAdapter): Promise<Enforcer> {
  const enforcer =
    adapter === undefined ? await newEnforcer(createCasbinModel()) : await newEnforcer(createCasbinModel(), adapter);
  for (const [name, fn] of Object.entries(CONDITION_FUNCTIONS)) await enforcer.addFunction(name, fn);
  // Group links are stored once with domain `*` and hold in every workspace.
  await enforcer.addNamedDomainMatchingFunc('g', (domain: string, pattern: string) =>
    pattern === ANY_DOMAIN ? true : Util.keyMatchFunc(domain, pattern),
  );
  return enforcer;
}

async function seedBuiltinPolicies(enforcer: Enforcer): Promise<void> {
  const wanted: string[][] = [[subjectOfRole(PLATFORM_ADMIN_ROLE), PLATFORM_DOMAIN, '*', 'true', 'allow']];
  for (const [role, permissions] of Object.entries(BUILTIN_ROLE_PERMISSIONS)) {
    for (const permission of permissions) wanted.push([subjectOfRole(role), ANY_DOMAIN, permission, 'true', 'allow']);
  }
  // Concurrent first starts may both insert; a duplicate line changes no decision.
  const existing = new Set((await enforcer.getFilteredPolicy(1, ANY_DOMAIN)).map((rule) => rule.join('\u0000')));
  const missing = wanted.filter((rule) => !existing.has(rule.join('\u0000')));
  if (missing.length > 0) await enforcer.addPolicies(missing);
}

/**
 * Casbin checks every policy line against a request, so a decision costs time in proportion to all policies of all
 * workspaces. Decisions therefore run on a per-domain shard: an in-memory enforcer holding only that workspace's
 * policies and links plus the `*` ones, built from the main enforcer on first use and dropped on any change.
 */
class CasbinAccessControl implements AccessControl {
  readonly #enforcer: Enforcer;
  readonly #cache = new DecisionCache(50_000);
  readonly #listeners: Array<() => void> = [];
  #shards = new Map<string, Promise<Enforcer>>();
  /** Bumped on every change, so a decision computed on policies that changed meanwhile is not cached. */
  #generation = 0;

  constructor(enforcer: Enforcer) {
    this.#enforcer = enforcer;
  }

  async can(
    principal: Principal,
    workspace: string | undefined,
    permission: string,
    resource: ResourceAttributes = {},
  ): Promise<boolean> {
    if (principal.token !== undefined) {
      // A token acts as its role in its workspace and never beyond what its owner may still do.
      const { token } = principal;
      if (token.role === PLATFORM_ADMIN_ROLE) return this.isPlatformAdmin(principal.id);
      if (workspace !== token.workspace) return false;
      return (
        (await this.#decide(subjectOfRole(token.role), workspace, permission, resource)) &&
        (await this.#userCan(principal.id, workspace, permission, resource))
      );
    }
    return this.#userCan(principal.id, workspace, permission, resource);
  }

  async rolesOf(principal: Principal, workspace: string): Promise<string[]> {
    const { token } = principal;
    if (token !== undefined && token.role !== PLATFORM_ADMIN_ROLE)
      return token.workspace === workspace ? [token.role] : [];
    const roles = await this.#enforcer.getImplicitRolesForUser(subjectOfUser(principal.id), workspace);
    return roles.filter((r) => r.startsWith('role:')).map((r) => r.slice('role:'.length));
  }

  async #userCan(
    userId: string,
    workspace: string | undefined,
    permission: string,
    resource: ResourceAttributes,
  ): Promise<boolean> {
    // Platform admins administer every workspace; the workspace must still exist (the caller checks that).
    if (this.isPlatformAdmin(userId)) return true;
    if (workspace === undefined) return false;
    return this.#decide(subjectOfUser(userId), workspace, permission, resource);
  }

  async #decide(subject: string, domain: string, permission: string, resource: ResourceAttributes): Promise<boolean> {
    const key = DecisionCache.key(subject, domain, permission, resource);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const res = {
      ...resource,
      tags: resource.tags ?? [],
      ...(resource.owner === undefined ? {} : { owner: subjectOfUser(resource.owner) }),
    };
    const generation = this.#generation;
    const decision = (await this.#shard(domain)).enforceSync(subject, domain, permission, res);
    if (generation === this.#generation) this.#cache.set(key, decision);
    return decision;
  }

  #shard(domain: string): Promise<Enforcer> {
    let shard = this.#shards.get(domain);
    if (shard === undefined) {
      const model = this.#enforcer.getModel();
      const inDomain = (line: string[], index: number) => line[index] === domain || line[index] === ANY_DOMAIN;
      const policies = model.getPolicy('p', 'p').filter((line) => inDomain(line, 1));
      const links = model.getPolicy('g', 'g').filter((line) => inDomain(line, 2));
      shard = newConfiguredEnforcer().then(async (enforcer) => {
        if (policies.length > 0) await enforcer.addPolicies(policies);
        if (links.length > 0) await enforcer.addGroupingPolicies(links);
        return enforcer;
      });
      this.#shards.set(domain, shard);
    }
    return shard;
  }

  isPlatformAdmin(userId: string): boolean {
    const key = DecisionCache.key(subjectOfUser(userId), PLATFORM_DOMAIN, '@admin', {});
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const admin = this.#enforcer.enforceSync(subjectOfUser(userId), PLATFORM_DOMAIN, '*', { tags: [] });
    this.#cache.set(key, admin);
    return admin;
  }

  async setPlatformAdmin(userId: string, admin: boolean): Promise<void> {
    const link = [subjectOfUser(userId), subjectOfRole(PLATFORM_ADMIN_ROLE), PLATFORM_DOMAIN];
    if (admin) await this.#enforcer.addGroupingPolicy(...link);
    else await this.#enforcer.removeGroupingPolicy(...link);
    this.#changed();
  }

  async reload(): Promise<void> {
    await this.#enforcer.loadPolicy();
    this.#generation++;
    this.#shards = new Map();
    this.#cache.clear();
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  assignments(workspace: string): RoleAssignment[] {
    return this.#enforcer
      .getModel()
      .getFilteredPolicy('g', 'g', 2, workspace)
      .map(([subject, role]) => ({ subject: subject!, role: role!.slice('role:'.length) }));
  }

  directRoles(subject: string, workspace: string): string[] {
    return this.assignments(workspace)
      .filter((a) => a.subject === subject)
      .map((a) => a.role);
  }

  async assign(subject: string, role: string, workspace: string): Promise<void> {
    await this.#enforcer.addGroupingPolicy(subject, subjectOfRole(role), workspace);
    this.#changed();
  }

  async unassign(subject: string, role: string, workspace: string): Promise<boolean> {
    const removed = await this.#enforcer.removeGroupingPolicy(subject, subjectOfRole(role), workspace);
    this.#changed();
    return removed;
  }

  async unassignAll(subject: string, workspace: string): Promise<number> {
    const roles = this.directRoles(subject, workspace);
    for (const role of roles) await this.#enforcer.removeGroupingPolicy(subject, subjectOfRole(role), workspace);
    this.#changed();
    return roles.length;
  }

  async setGroupMembership(userId: string, groups: readonly string[]): Promise<void> {
    const subject = subjectOfUser(userId);
    const current = new Set(this.groupsOf(userId));
    const wanted = new Set(groups);
    for (const group of current) {
      if (!wanted.has(group)) await this.#enforcer.removeGroupingPolicy(subject, subjectOfGroup(group), ANY_DOMAIN);
    }
    const added = [...wanted].filter((g) => !current.has(g));
    if (added.length > 0) {
      await this.#enforcer.addGroupingPolicies(added.map((g) => [subject, subjectOfGroup(g), ANY_DOMAIN]));
    }
    this.#changed();
  }

  groupsOf(userId: string): string[] {
    return this.#enforcer
      .getModel()
      .getFilteredPolicy('g', 'g', 0, subjectOfUser(userId))
      .filter(([, target, domain]) => target!.startsWith('group:') && domain === ANY_DOMAIN)
      .map(([, target]) => target!.slice('group:'.length));
  }

  policies(workspace: string, withBuiltins = false): PolicyRule[] {
    const rules = this.#enforcer.getModel().getPolicy('p', 'p');
    return rules
      .filter(([, domain]) => domain === workspace || (withBuiltins && domain === ANY_DOMAIN))
      .map(([subject, domain, permission, condition, effect]) => ({
        subject: subject!,
        domain: domain!,
        permission: permission!,
        condition: condition!,
        effect: effect === 'deny' ? 'deny' : 'allow',
      }));
  }

  async addPolicies(rules: readonly PolicyRule[]): Promise<void> {
    if (rules.length === 0) return;
    await this.#enforcer.addPolicies(rules.map(toLine));
    this.#changed();
  }

  async removePolicies(rules: readonly PolicyRule[]): Promise<void> {
    if (rules.length === 0) return;
    await this.#enforcer.removePolicies(rules.map(toLine));
    this.#changed();
  }

  async dropRole(role: string, workspace: string): Promise<void> {
    const subject = subjectOfRole(role);
    const lines = this.policies(workspace).filter((p) => p.subject === subject);
    if (lines.length > 0) await this.#enforcer.removePolicies(lines.map(toLine));
    const links = this.#enforcer
      .getModel()
      .getFilteredPolicy('g', 'g', 1, subject)
      .filter(([, , domain]) => domain === workspace);
    if (links.length > 0) await this.#enforcer.removeGroupingPolicies(links);
    this.#changed();
  }

  #changed(): void {
    this.#generation++;
    this.#shards = new Map();
    this.#cache.clear();
    for (const listener of this.#listeners) listener();
  }
}

/**
 * Refuses an ABAC condition Casbin cannot evaluate, by evaluating it once against an empty resource in a
 * throwaway enforcer: a syntax error surfaces here, at policy creation, instead of failing every later check.
 */
export async function validateCondition(condition: string): Promise<void> {
  const probe = await newEnforcer(createCasbinModel());
  for (const [name, fn] of Object.entries(CONDITION_FUNCTIONS)) await probe.addFunction(name, fn);
  await probe.addPolicy('role:probe', 'ws', 'probe', condition, 'allow');
  try {
    probe.enforceSync('role:probe', 'ws', 'probe', { tags: [] });
  } catch (error) {
    throw new InputError(`Condition "${condition}" is not a valid expression: ${(error as Error).message}`, {
      code: 'POLICY_CONDITION_INVALID',
    });
  }
}

function toLine(rule: PolicyRule): string[] {
  return [rule.subject, rule.domain, rule.permission, rule.condition, rule.effect];
}
