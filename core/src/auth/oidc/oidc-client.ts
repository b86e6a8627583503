import { AuthenticationError } from '@assay/sdk';
import type { Knex } from 'knex';
import * as openid from 'openid-client';
import type { Logger } from 'pino';
import type { AssayConfig } from '../../config/config.schema.ts';
import { toOidcError, unreachable } from './oidc-errors.ts';
import { identityFromTokens, tokensFromRefresh, type OidcIdentity, type OidcTokens } from './oidc-identity.ts';
import { PendingLoginStore } from './pending-logins.ts';
import { checkReturnTo } from './return-to.ts';

/** The `auth.oidc` block of the configuration. */
export type OidcConfig = NonNullable<AssayConfig['auth']['oidc']>;

/** A completed login: who signed in, and the path they asked to come back to. */
export interface OidcLoginResult {
  readonly identity: OidcIdentity;
  readonly returnTo: string;
}

/** Single sign-on against one OpenID provider: authorization code flow with PKCE (S256), state and nonce. */
export interface OidcClient {
  /** This server's callback URL as configured (and registered at the provider). */
  readonly redirectUri: string;
  /** Starts a login that ends at `returnTo` (a local path); returns the provider URL to send the browser to. */
  beginLogin(returnTo: string): Promise<string>;
  /** Checks the callback (`currentUrl` = redirect URI + the query the provider sent) and redeems the code. */
  completeLogin(currentUrl: URL): Promise<OidcLoginResult>;
  /** Uses a refresh token; the provider may rotate it. */
  refresh(refreshToken: string): Promise<OidcTokens>;
  /** Where to send the browser to end the provider's session too; undefined when the provider has no such endpoint. */
  endSessionUrl(idToken: string | undefined): Promise<string | undefined>;
}

export interface OidcClientOptions {
  config: OidcConfig;
  db: Knex;
  logger: Logger;
}

/** Requests to the provider give up after this long, so a hung provider fails a login instead of hanging it. */
const PROVIDER_TIMEOUT_SECONDS = 10;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Builds the client. Discovery (`<issuer>/.well-known/openid-configuration`) happens at the first login and is
 * cached; a failed discovery is not cached, so the next login tries again once the provider is back.
 */
export function createOidcClient(options: OidcClientOptions): OidcClient {
  const { config, logger } = options;
  const logins = new PendingLoginStore(options.db);
  const issuerUrl = new URL(config.issuer);
  const insecure = issuerUrl.protocol === 'http:';
  if (insecure && !LOOPBACK_HOSTS.has(issuerUrl.hostname)) {
    logger.warn({ issuer: config.issuer }, 'the OIDC issuer uses plain HTTP: tokens cross the network unencrypted');
  }
  let discovered: Promise<openid.Configuration> | undefined;

  const discover = (): Promise<openid.Configuration> => {
    discovered ??= openid
      .discovery(
        issuerUrl,
        config.clientId,
        {
          redirect_uris: [config.redirectUri],
          ...(config.postLogoutRedirectUri === undefined
            ? {}
            : { post_logout_redirect_uris: [config.postLogoutRedirectUri] }),
        },
        config.clientSecret === undefined ? openid.None() : openid.ClientSecretBasic(config.clientSecret),
        { timeout: PROVIDER_TIMEOUT_SECONDS, ...(insecure ? { execute: [openid.allowInsecureRequests] } : {}) },
      )
      .catch((error: unknown) => {
        // Not cached: the next login asks again. The log has the cause (refused, timeout, wrong issuer, ...).
        discovered = undefined;
        logger.warn({ issuer: config.issuer, err: error }, 'OIDC discovery failed');
        throw unreachable(config.issuer, error);
      });
    return discovered;
  };

  return {
    redirectUri: config.redirectUri,

    async beginLogin(returnTo) {
      checkReturnTo(returnTo);
      const configuration = await discover();
      const codeVerifier = openid.randomPKCECodeVerifier();
      const state = openid.randomState();
      const nonce = openid.randomNonce();
      await logins.save(state, { nonce, codeVerifier, returnTo });
      const url = openid.buildAuthorizationUrl(configuration, {
        redirect_uri: config.redirectUri,
        scope: config.scopes.join(' '),
        code_challenge: await openid.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return url.href;
    },

    async completeLogin(currentUrl) {
      const state = currentUrl.searchParams.get('state');
      if (state === null || state === '') throw stateInvalid('the callback carries no state');
      const configuration = await discover();
      const pending = await logins.consume(state);
      if (!pending.found) {
        throw stateInvalid(
          pending.expired ? 'the login took longer than 10 minutes' : 'it is unknown or was already used',
        );
      }
      const { nonce, codeVerifier, returnTo } = pending.login;
      if (!currentUrl.searchParams.has('code') && !currentUrl.searchParams.has('error')) {
        throw new AuthenticationError('The login callback carries neither a code nor an error; start the login again', {
          code: 'OIDC_CALLBACK_INVALID',
        });
      }
      try {
        const tokens = await openid.authorizationCodeGrant(configuration, currentUrl, {
          pkceCodeVerifier: codeVerifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
        return { identity: identityFromTokens(tokens, config.groupsClaim), returnTo };
      } catch (error) {
        throw toOidcError(error, config.issuer, 'callback');
      }
    },

    async refresh(refreshToken) {
      const configuration = await discover();
      try {
        return tokensFromRefresh(await openid.refreshTokenGrant(configuration, refreshToken), config.groupsClaim);
      } catch (error) {
        throw toOidcError(error, config.issuer, 'refresh');
      }
    },

    async endSessionUrl(idToken) {
      const configuration = await discover();
      if (configuration.serverMetadata().end_session_endpoint === undefined) return undefined;
      const url = openid.buildEndSessionUrl(configuration, {
        client_id: config.clientId,
        ...(idToken === undefined ? {} : { id_token_hint: idToken }),
        ...(config.postLogoutRedirectUri === undefined
          ? {}
          : { post_logout_redirect_uri: config.postLogoutRedirectUri }),
      });
      return url.href;
    },
  };
}

function stateInvalid(reason: string): AuthenticationError {
  return new AuthenticationError(`The login callback's state is not valid: ${reason}; start the login again`, {
    code: 'OIDC_STATE_INVALID',
  });
}
