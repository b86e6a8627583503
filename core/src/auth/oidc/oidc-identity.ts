import { AuthenticationError } from '@assay/sdk';
import type { IDToken, TokenEndpointResponse, TokenEndpointResponseHelpers } from 'openid-client';

/** Who the identity provider says signed in, with what the session needs to refresh and end it later. */
export interface OidcIdentity {
  /** `iss`: with `subject`, the stable key of the user (e-mail addresses change). */
  readonly issuer: string;
  /** `sub`. */
  readonly subject: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly name?: string;
  /** Group names from the configured groups claim; empty when the token has none. */
  readonly groups: string[];
  /** Kept with the session for the logout hint; a credential: never log it. */
  readonly idToken: string;
  /** Present when the provider issued one (usually with the `offline_access` scope); never log it. */
  readonly refreshToken?: string;
  readonly accessTokenExpiresAt?: Date;
}

/** What a refresh returns: new tokens, and the groups again when the provider sent a new ID token. */
export interface OidcTokens {
  readonly idToken?: string;
  /** The rotated refresh token, when the provider rotates them. */
  readonly refreshToken?: string;
  readonly accessTokenExpiresAt?: Date;
  readonly groups?: string[];
}

type Tokens = TokenEndpointResponse & TokenEndpointResponseHelpers;

/** Reads the identity out of a validated token response (openid-client has checked signature, nonce and times). */
export function identityFromTokens(tokens: Tokens, groupsClaim: string): OidcIdentity {
  const claims = tokens.claims();
  if (tokens.id_token === undefined || claims === undefined) {
    throw new AuthenticationError(
      'The identity provider returned no ID token; check that the "openid" scope is configured',
      {
        code: 'OIDC_ID_TOKEN_INVALID',
      },
    );
  }
  const email = typeof claims.email === 'string' ? claims.email : undefined;
  const emailVerified = booleanClaim(claims.email_verified);
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  return {
    issuer: claims.iss,
    subject: claims.sub,
    ...(email === undefined ? {} : { email }),
    ...(emailVerified === undefined ? {} : { emailVerified }),
    ...(name === undefined ? {} : { name }),
    groups: groupsOf(claims, groupsClaim),
    idToken: tokens.id_token,
    ...(tokens.refresh_token === undefined ? {} : { refreshToken: tokens.refresh_token }),
    ...expiryOf(tokens),
  };
}

/** The parts of a refresh response a session keeps. */
export function tokensFromRefresh(tokens: Tokens, groupsClaim: string): OidcTokens {
  const claims = tokens.claims();
  return {
    ...(tokens.id_token === undefined ? {} : { idToken: tokens.id_token }),
    ...(tokens.refresh_token === undefined ? {} : { refreshToken: tokens.refresh_token }),
    ...expiryOf(tokens),
    ...(claims === undefined ? {} : { groups: groupsOf(claims, groupsClaim) }),
  };
}

/**
 * Groups as a list of names. Providers send an array of strings, or a single string for one group; anything
 * else means the claim is mapped wrongly, and guessing could grant or revoke roles, so the login is refused.
 */
function groupsOf(claims: IDToken, groupsClaim: string): string[] {
  const value = claims[groupsClaim];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value) && value.every((group) => typeof group === 'string')) {
    return [...new Set(value.filter((group) => group !== ''))];
  }
  throw new AuthenticationError(
    `The ID token claim "${groupsClaim}" is neither a string nor a list of strings; check auth.oidc.groupsClaim and the identity provider's claim mapping`,
    { code: 'OIDC_ID_TOKEN_INVALID', details: { claim: groupsClaim } },
  );
}

/** Some providers (Cognito, older ADFS) send booleans as strings. */
function booleanClaim(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

function expiryOf(tokens: Tokens): { accessTokenExpiresAt?: Date } {
  const seconds = tokens.expiresIn();
  return seconds === undefined ? {} : { accessTokenExpiresAt: new Date(Date.now() + seconds * 1000) };
}
