import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IDToken, TokenEndpointResponse, TokenEndpointResponseHelpers } from 'openid-client';
import { identityFromTokens } from './oidc-identity.ts';

/** A validated token response as openid-client hands it over, with these ID token claims. */
function tokens(claims: Record<string, unknown>) {
  const idToken = { iss: 'https://idp.example', sub: 'u1', aud: 'assay', iat: 0, exp: 1, ...claims } as IDToken;
  const response = {
    access_token: 'at',
    token_type: 'bearer',
    id_token: 'h.p.s',
    expires_in: 60,
    claims: () => idToken,
    expiresIn: () => 60,
  };
  return response as unknown as TokenEndpointResponse & TokenEndpointResponseHelpers;
}

describe('identityFromTokens', () => {
  test('reads groups from the configured claim: a list, a single string, or nothing', () => {
    assert.deepEqual(identityFromTokens(tokens({ roles: ['a', 'b', 'a'] }), 'roles').groups, ['a', 'b']);
    assert.deepEqual(identityFromTokens(tokens({ roles: 'a' }), 'roles').groups, ['a']);
    assert.deepEqual(identityFromTokens(tokens({ groups: ['a'] }), 'roles').groups, []);
  });

  test('a groups claim of another shape is refused with OIDC_ID_TOKEN_INVALID naming the claim', () => {
    for (const value of [{ a: 1 }, ['a', 2], 7]) {
      assert.throws(() => identityFromTokens(tokens({ groups: value }), 'groups'), {
        code: 'OIDC_ID_TOKEN_INVALID',
        status: 401,
        message: /claim "groups"/,
      });
    }
  });

  test('email_verified sent as a string still counts; claims of the wrong type are left out', () => {
    const identity = identityFromTokens(tokens({ email: 'u@x.example', email_verified: 'true', name: 42 }), 'groups');
    assert.equal(identity.email, 'u@x.example');
    assert.equal(identity.emailVerified, true);
    assert.equal('name' in identity, false);
    assert.ok(identity.accessTokenExpiresAt instanceof Date);
  });
});
