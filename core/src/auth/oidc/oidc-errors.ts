import { AuthenticationError, OperationalError, type AssayError } from '@assay/sdk';
import {
  AuthorizationResponseError,
  ClientError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';

/** Which exchange with the identity provider failed: decides how a refused grant reads. */
export type OidcStage = 'callback' | 'refresh';

/** OAuth error codes are short snake_case words; anything else is reported as `unknown` instead of echoed. */
const OAUTH_ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Turns what openid-client (and oauth4webapi below it) throws into Assay errors with stable codes. Messages name
 * the issuer and the failed check but never include token values, and never the provider's free-text
 * `error_description`, which may echo user input. Errors that are not about the exchange (bugs) pass unchanged.
 */
export function toOidcError(error: unknown, issuer: string, stage: OidcStage): unknown {
  if (error instanceof AuthorizationResponseError) {
    const code = oauthCode(error.error);
    return new AuthenticationError(
      `The identity provider ${issuer} did not sign you in (${code}); try again, or ask your administrator for access`,
      { code: 'OIDC_LOGIN_DENIED', details: { error: code }, cause: error },
    );
  }
  if (error instanceof ResponseBodyError) return fromTokenEndpoint(error, oauthCode(error.error), issuer, stage);
  // A 401 with WWW-Authenticate from the token endpoint is about this server's client authentication.
  if (error instanceof WWWAuthenticateChallengeError) {
    const code = error.cause.map((challenge) => challenge.parameters.error).find((value) => value !== undefined);
    return fromTokenEndpoint(error, oauthCode(code ?? 'invalid_client'), issuer, stage);
  }
  if (error instanceof ClientError) return fromClientError(error, issuer);
  if (error instanceof TypeError && !isArgumentError(error)) return unreachable(issuer, error);
  return error;
}

/** The provider could not be asked: network failure, timeout, or an answer that is not OAuth at all. */
export function unreachable(issuer: string, cause: unknown): AssayError {
  return new OperationalError(
    `The identity provider ${issuer} is unreachable or answered unexpectedly; try again later, and check auth.oidc.issuer if it persists`,
    { code: 'OIDC_PROVIDER_UNREACHABLE', details: { issuer }, cause },
  );
}

function fromTokenEndpoint(
  error: ResponseBodyError | WWWAuthenticateChallengeError,
  code: string,
  issuer: string,
  stage: OidcStage,
): unknown {
  if (error.status >= 500) return unreachable(issuer, error);
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return new OperationalError(
      `The identity provider ${issuer} rejected this server's client credentials (${code}); check auth.oidc.clientId and clientSecret`,
      { code: 'OIDC_CLIENT_REJECTED', details: { issuer, error: code }, cause: error },
    );
  }
  if (stage === 'refresh') {
    return new AuthenticationError(
      `The identity provider ${issuer} refused to refresh the session (${code}); sign in again`,
      {
        code: 'OIDC_REFRESH_REJECTED',
        details: { error: code },
        cause: error,
      },
    );
  }
  return new AuthenticationError(
    `The identity provider ${issuer} rejected the authorization code (${code}); it was already used or has expired: sign in again`,
    { code: 'OIDC_CODE_REJECTED', details: { error: code }, cause: error },
  );
}

function fromClientError(error: ClientError, issuer: string): unknown {
  const check = error.cause instanceof Error ? (error.cause as Error & { cause?: unknown }).cause : undefined;
  const claim = isRecord(check) && typeof check.claim === 'string' ? check.claim : undefined;
  switch (error.code) {
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return idTokenInvalid(issuer, timestampProblem(claim), error);
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      if (claim === 'nonce') {
        return new AuthenticationError(
          'The ID token does not carry the nonce of this login; the login may have been replayed: sign in again',
          { code: 'OIDC_NONCE_MISMATCH', cause: error },
        );
      }
      return idTokenInvalid(issuer, `its "${claim ?? 'unknown'}" claim does not match this server`, error);
    case 'OAUTH_INVALID_RESPONSE':
      if (isRecord(check) && check.parameters instanceof URLSearchParams) {
        return new AuthenticationError(
          `The login callback does not come from ${issuer} (${describe(error)}); sign in again`,
          { code: 'OIDC_CALLBACK_INVALID', cause: error },
        );
      }
      return idTokenInvalid(issuer, describe(error), error);
    case 'OAUTH_PARSE_ERROR':
    case 'OAUTH_KEY_SELECTION_FAILED':
    case 'OAUTH_UNSUPPORTED_OPERATION':
      return idTokenInvalid(issuer, describe(error), error);
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_TIMEOUT':
    case 'OAUTH_ABORT':
      return unreachable(issuer, error);
    default:
      return error;
  }
}

function idTokenInvalid(issuer: string, problem: string, cause: unknown): AssayError {
  return new AuthenticationError(`The ID token from ${issuer} is invalid: ${problem}; sign in again`, {
    code: 'OIDC_ID_TOKEN_INVALID',
    cause,
  });
}

function timestampProblem(claim: string | undefined): string {
  switch (claim) {
    case 'exp':
      return 'it has expired (check that the clocks of this server and the identity provider agree)';
    case 'nbf':
      return 'it is not valid yet (check that the clocks of this server and the identity provider agree)';
    case 'auth_time':
      return 'the sign-in at the identity provider is too old';
    default:
      return `its "${claim ?? 'unknown'}" time claim failed validation`;
  }
}

/** The library's own message for the failed check: fixed text, never a token or claim value. */
function describe(error: ClientError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

function oauthCode(value: unknown): string {
  return typeof value === 'string' && OAUTH_ERROR_CODE.test(value) ? value : 'unknown';
}

function isArgumentError(error: TypeError): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_INVALID_ARG');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
