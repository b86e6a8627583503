import { newModelFromString, type Model } from 'casbin';

/**
 * RBAC with domains plus ABAC conditions.
 *
 * - Request: subject (`user:<id>` or `role:<name>`), domain (workspace slug or `@platform`), permission, resource
 *   attributes (an object: type, layer, name, classification, tags, owner).
 * - Policy: subject (a role or group), domain (`*` = every workspace), permission (`*` = all), condition (a Casbin
 *   expression over `r.res` and `r.sub`, `true` when unconditional), effect (`allow` or `deny`).
 * - Role links: `g, user:<id>, role:<name>, <workspace>`; `g, group:<name>, role:<name>, <workspace>`; group
 *   membership `g, user:<id>, group:<name>, *` holds in every workspace (domain matching below).
 *
 * The cheap string comparisons come first so most policies are rejected before the role graph or `eval` runs. A deny
 * wins over any allow.
 */
const MODEL = `
[request_definition]
r = sub, dom, perm, res

[policy_definition]
p = sub, dom, perm, cond, eft

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = (p.dom == "*" || p.dom == r.dom) && (p.perm == r.perm || p.perm == "*") && g(r.sub, p.sub, r.dom) && eval(p.cond)
`;

export function createCasbinModel(): Model {
  return newModelFromString(MODEL);
}

/** The domain of platform-wide role links and permissions; `@` keeps it apart from workspace slugs. */
export const PLATFORM_DOMAIN = '@platform';
/** Domain of policies and group links that hold in every workspace. */
export const ANY_DOMAIN = '*';

export const subjectOfUser = (id: string): string => `user:${id}`;
export const subjectOfRole = (name: string): string => `role:${name}`;
export const subjectOfGroup = (name: string): string => `group:${name}`;

/** Functions ABAC conditions may call besides comparisons: `hasTag(r.res, 'finance')`. */
export const CONDITION_FUNCTIONS = {
  hasTag: (resource: { tags?: readonly string[] } | undefined, tag: string): boolean =>
    Array.isArray(resource?.tags) && resource.tags.includes(tag),
};
