import { Type } from 'typebox';

/** An API token as the API shows it: metadata only, never the secret or its hash. */
export const ApiTokenBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  userId: Type.String(),
  workspace: Type.Union([Type.String(), Type.Null()], { description: 'Null for platform tokens' }),
  role: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

/** The answer to creating a token: the only time its secret is ever shown. */
export const IssuedTokenBody = Type.Object({
  token: ApiTokenBody,
  secret: Type.String({ description: 'Shown once; send as `Authorization: Bearer <secret>`' }),
});

export const TokenName = Type.String({ minLength: 1, maxLength: 100 });

/** Days until the token expires (default 90); `null` for a token that never expires, where the caller may. */
export const ExpiresInDays = Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()]));

export const TokenIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const WorkspaceParams = Type.Object({ ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }) });
