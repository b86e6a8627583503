import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Principal } from '@assay/sdk';
import { createIdentityTestKit, type IdentityTestKit } from '../testing/identity-test-kit.ts';
import { createAccessControl, validateCondition } from './access-control.ts';

let kit: IdentityTestKit;
const user = (id: string, extra: Partial<Principal> = {}): Principal => ({
  id,
  kind: 'user',
  name: id,
  email: undefined,
  platformAdmin: false,
  via: 'session',
  ...extra,
});

let ann: Principal;
let bob: Principal;

before(async () => {
  kit = await createIdentityTestKit();
  const { identity } = kit;
  await identity.workspaces.create({ slug: 'acme' });
  await identity.workspaces.create({ slug: 'globex' });
  const a = await identity.users.createLocal({ email: 'ann@x.test', name: 'Ann', password: 'long password 123' });
  const b = await identity.users.createLocal({ email: 'bob@x.test', name: 'Bob', password: 'long password 123' });
  ann = user(a.id);
  bob = user(b.id);
});
after(() => kit.close());

describe('Casbin access control', () => {
  test('built-in roles hold their documented permissions in their workspace only', async () => {
    const { access } = kit.identity;
    await access.assign(`user:${ann.id}`, 'analyst', 'acme');
    assert.equal(await access.can(ann, 'acme', 'dataset:read'), true);
    assert.equal(await access.can(ann, 'acme', 'query:run'), true);
    assert.equal(await access.can(ann, 'acme', 'pipeline:edit'), false);
    assert.equal(await access.can(ann, 'acme', 'dataset:read-pii'), false);
    assert.equal(await access.can(ann, 'globex', 'dataset:read'), false, 'no role in globex');
    assert.equal(await access.can(ann, undefined, 'platform:workspaces'), false);
    assert.deepEqual(await access.rolesOf(ann, 'acme'), ['analyst']);
  });

  test('ABAC: a condition on resource attributes scopes a grant; a deny wins over any allow', async () => {
    const { access } = kit.identity;
    await access.assign(`user:${bob.id}`, 'steward', 'acme');
    await access.addPolicies([
      {
        subject: 'role:steward',
        domain: 'acme',
        permission: 'dataset:read',
        condition: "r.res.layer == 'gold'",
        effect: 'allow',
      },
      { subject: 'role:steward', domain: 'acme', permission: 'dataset:read-pii', condition: 'true', effect: 'allow' },
      {
        subject: 'group:contractors',
        domain: 'acme',
        permission: 'dataset:read',
        condition: "hasTag(r.res, 'finance')",
        effect: 'deny',
      },
    ]);
    assert.equal(await access.can(bob, 'acme', 'dataset:read', { type: 'dataset', layer: 'gold' }), true);
    assert.equal(await access.can(bob, 'acme', 'dataset:read', { type: 'dataset', layer: 'silver' }), false);
    assert.equal(await access.can(bob, 'acme', 'dataset:read-pii', { classification: 'pii' }), true);
    const financeGold = { type: 'dataset', layer: 'gold', tags: ['finance'] };
    assert.equal(await access.can(bob, 'acme', 'dataset:read', financeGold), true);
    await access.setGroupMembership(bob.id, ['contractors']);
    assert.equal(await access.can(bob, 'acme', 'dataset:read', financeGold), false, 'the deny applies via the group');
    assert.equal(await access.can(bob, 'acme', 'dataset:read', { type: 'dataset', layer: 'gold' }), true);
    assert.deepEqual(access.groupsOf(bob.id), ['contractors']);
  });

  test('an owner condition compares the resource owner with the caller', async () => {
    const { access } = kit.identity;
    await access.addPolicies([
      {
        subject: 'role:analyst',
        domain: 'acme',
        permission: 'dataset:write',
        condition: 'r.res.owner == r.sub',
        effect: 'allow',
      },
    ]);
    assert.equal(await access.can(ann, 'acme', 'dataset:write', { owner: ann.id }), true);
    assert.equal(await access.can(ann, 'acme', 'dataset:write', { owner: bob.id }), false);
  });

  test('a group holding a role in a workspace grants it to every member of the group', async () => {
    const { access, users } = kit.identity;
    const cy = await users.createLocal({ email: 'cy@x.test', name: 'Cy', password: 'long password 123' });
    await access.assign('group:data-eng', 'engineer', 'globex');
    assert.equal(await access.can(user(cy.id), 'globex', 'pipeline:edit'), false);
    await access.setGroupMembership(cy.id, ['data-eng']);
    assert.equal(await access.can(user(cy.id), 'globex', 'pipeline:edit'), true);
    assert.deepEqual(await access.rolesOf(user(cy.id), 'globex'), ['engineer']);
    assert.equal(await access.can(user(cy.id), 'acme', 'pipeline:edit'), false);
  });

  test('a token acts as its role in its workspace, never beyond its owner', async () => {
    const { access } = kit.identity;
    const token = { id: 't1', workspace: 'acme', role: 'engineer' };
    const annToken = user(ann.id, { via: 'token', token });
    assert.equal(await access.can(annToken, 'acme', 'pipeline:edit'), false, 'ann is only an analyst');
    assert.equal(await access.can(annToken, 'acme', 'dataset:read'), true);
    assert.equal(await access.can(annToken, 'globex', 'dataset:read'), false);
    const viewerToken = user(ann.id, { via: 'token', token: { ...token, role: 'viewer' } });
    assert.equal(await access.can(viewerToken, 'acme', 'query:run'), false, 'the token role limits the owner');
  });

  test('platform admins hold every permission; a removed link takes effect at once', async () => {
    const { access } = kit.identity;
    await access.setPlatformAdmin(bob.id, true);
    assert.equal(await access.can(bob, 'globex', 'member:manage'), true);
    assert.equal(await access.can(bob, undefined, 'platform:workspaces'), true);
    await access.setPlatformAdmin(bob.id, false);
    assert.equal(await access.can(bob, undefined, 'platform:workspaces'), false);
    await access.unassign(`user:${ann.id}`, 'analyst', 'acme');
    assert.equal(await access.can(ann, 'acme', 'dataset:read'), false);
  });

  test("another process's enforcer sees changes after reload (policies live in PostgreSQL)", async () => {
    const other = await createAccessControl({ db: kit.db });
    assert.equal(await other.can(ann, 'globex', 'dataset:read'), false);
    await kit.identity.access.assign(`user:${ann.id}`, 'viewer', 'globex');
    await other.reload();
    assert.equal(await other.can(ann, 'globex', 'dataset:read'), true);
    const rows = await kit.db('core_casbin_rules').where({ ptype: 'p', v0: 'role:steward' });
    assert.equal(rows.length, 2);
  });

  test('conditions that do not compile are refused with POLICY_CONDITION_INVALID; commas survive storage', async () => {
    await assert.rejects(validateCondition("r.res.layer == 'gold"), { code: 'POLICY_CONDITION_INVALID' });
    await assert.rejects(validateCondition('r.res.layer ==='), { code: 'POLICY_CONDITION_INVALID' });
    await validateCondition("hasTag(r.res, 'a') && r.res.layer != 'bronze'");
    const reread = await createAccessControl({ db: kit.db });
    assert.ok(reread.policies('acme').some((p) => p.condition === "hasTag(r.res, 'finance')"));
  });
});
