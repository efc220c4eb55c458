// Rampart as the OAuth client of an upstream MCP server that demands OAuth (MCP authorization, 2025-11-25 and
// 2026-07-28). On the upstream's 401: discovery (PRM, then AS metadata), registration (pre-registered, CIMD,
// DCR), authorization code with PKCE S256 and `resource`, the RFC 9207 `iss` check, then tokens stored by
// issuer and refreshed. On 403 insufficient_scope: a step-up asking for the union of the scopes, unless the
// token already holds what the challenge names (asking again would loop). Every authorization counts against a
// small budget, so no upstream can make Rampart authorize without end.
import type { UpstreamCredential } from '../../config/auth-schema.ts';
import type { Logger } from '../../monitor/logger.ts';
import { authFailed } from './auth-error.ts';
import { buildAuthorizationUrl, createState, validateAuthorizationResponse } from './authorization.ts';
import type { Authorizer } from './authorizer.ts';
import { type AuthorizationServerMetadata, discover } from './discovery.ts';
import { AttemptBudget, bearer, SingleFlight, sentWith } from './flow-control.ts';
import { createPkce, supportsS256 } from './pkce.ts';
import type { CredentialProvider } from './provider.ts';
import {
  chooseRegistration,
  isValidClientMetadataUrl,
  pickSecretMethod,
  registerClient,
  registrationMethod,
  registrationRequest,
} from './registration.ts';
import { coversScopes, formatScope, parseScope, selectScopes, unionScopes } from './scopes.ts';
import { readSecret, type VaultResolver } from './secret.ts';
import { checkUrl, policyForUpstream } from './ssrf-guard.ts';
import {
  type ClientRegistration,
  type CredentialStore,
  MemoryCredentialStore,
  type TokenSet,
} from './store.ts';
import {
  type ClientAuth,
  isBearer,
  requestToken,
  type TokenResponse,
  tokenErrorCode,
} from './token-endpoint.ts';
import { bearerChallenge, type Challenge } from './www-authenticate.ts';

export type OAuthSpec = Extract<UpstreamCredential, { type: 'oauth' }>;

export interface OAuthProviderOptions {
  readonly spec: OAuthSpec;
  readonly upstreamUrl: string;
  readonly baseDir: string;
  readonly vault?: VaultResolver | undefined;
  readonly authorizer?: Authorizer | undefined;
  readonly store?: CredentialStore | undefined;
  readonly log?: Logger | undefined;
  readonly now?: (() => number) | undefined;
}

/** Interactive authorizations allowed per upstream within the window (the step-up retry limit). */
export const MAX_AUTHORIZATIONS = 3;
const AUTHORIZATION_WINDOW_MS = 5 * 60_000;

export function oauthProvider(options: OAuthProviderOptions): CredentialProvider {
  const { spec, upstreamUrl, baseDir, authorizer, log, vault } = options;
  const store = options.store ?? new MemoryCredentialStore();
  const now = options.now ?? Date.now;
  const policy = policyForUpstream(upstreamUrl);
  const budget = new AttemptBudget(MAX_AUTHORIZATIONS, AUTHORIZATION_WINDOW_MS, now);
  const challenges = new SingleFlight<boolean>();
  const refreshes = new SingleFlight<TokenSet | undefined>();
  /** Which stored tokens this upstream uses (issuer and resource of the last authorization). */
  let session: { issuer: string; resource: string } | undefined;
  /** The server a pre-registered client was first used with, when the config does not name it. */
  let boundIssuer = spec.issuer;

  const current = (): TokenSet | undefined =>
    session ? store.getTokens(session.issuer, session.resource) : undefined;
  const usable = (tokens: TokenSet) => tokens.refreshAt === undefined || now() < tokens.refreshAt;

  function clientAuth(client: ClientRegistration): ClientAuth {
    if (client.authMethod === 'none') return { method: 'none', clientId: client.clientId };
    const secret =
      client.source === 'preregistered'
        ? () => readSecret(spec.clientSecret!, baseDir, vault)
        : () => client.clientSecret ?? '';
    return { method: client.authMethod, clientId: client.clientId, secret };
  }

  async function ensureClient(
    server: AuthorizationServerMetadata,
    redirectUri: string,
  ): Promise<ClientRegistration> {
    const kind = chooseRegistration({
      preregistered: spec.clientId !== undefined,
      clientMetadataUrl: spec.clientMetadataUrl,
      server,
    });
    let client: ClientRegistration;
    if (kind === 'preregistered') {
      // A pre-registered client belongs to one server: never present it (or its secret) to another.
      if (boundIssuer !== undefined && boundIssuer !== server.issuer) {
        throw authFailed('client_issuer_mismatch', 'the upstream now names another authorization server');
      }
      boundIssuer = server.issuer;
      const method = spec.clientSecret
        ? (spec.authMethod ?? pickSecretMethod(server.tokenEndpointAuthMethods) ?? 'client_secret_basic')
        : 'none';
      client = {
        issuer: server.issuer,
        clientId: spec.clientId!,
        authMethod: method,
        source: 'preregistered',
      };
    } else if (kind === 'cimd') {
      if (!isValidClientMetadataUrl(spec.clientMetadataUrl!)) {
        throw authFailed('registration_unavailable', 'clientMetadataUrl must be an https URL with a path');
      }
      client = {
        issuer: server.issuer,
        clientId: spec.clientMetadataUrl!,
        authMethod: 'none',
        source: 'cimd',
      };
    } else {
      const known = store.getClient(server.issuer);
      if (known?.source === 'dcr') return known;
      const request = registrationRequest({
        clientName: spec.clientName,
        redirectUri,
        authMethod: registrationMethod(server.tokenEndpointAuthMethods),
      });
      client = await registerClient(server, request, policy);
      log?.info('registered with the upstream authorization server', {
        issuer: server.issuer,
        method: client.authMethod,
      });
    }
    store.setClient(client);
    return client;
  }

  function save(
    base: { issuer: string; resource: string; tokenEndpoint: string },
    response: TokenResponse,
    requestedScopes: readonly string[],
    previous?: TokenSet,
  ): TokenSet {
    if (!isBearer(response)) {
      throw authFailed(
        'unsupported_token_type',
        'the upstream authorization server issued a non-Bearer token',
      );
    }
    const tokens: TokenSet = {
      ...base,
      accessToken: response.accessToken,
      refreshToken: response.refreshToken ?? previous?.refreshToken,
      refreshAt: response.refreshAt,
      requestedScopes,
      grantedScopes: response.scopes ?? previous?.grantedScopes ?? requestedScopes,
    };
    // Tokens of another server or resource are never sent again (an upstream that switched its AS).
    if (session && (session.issuer !== base.issuer || session.resource !== base.resource)) {
      store.deleteTokens(session.issuer, session.resource);
    }
    store.setTokens(tokens);
    session = { issuer: base.issuer, resource: base.resource };
    return tokens;
  }

  function refresh(tokens: TokenSet): Promise<TokenSet | undefined> {
    return refreshes.run('refresh', async () => {
      const client = store.getClient(tokens.issuer);
      if (!tokens.refreshToken || !client) return undefined;
      try {
        const response = await requestToken({
          endpoint: tokens.tokenEndpoint,
          params: {
            grant_type: 'refresh_token',
            refresh_token: tokens.refreshToken,
            resource: tokens.resource,
          },
          auth: clientAuth(client),
          audience: tokens.issuer,
          policy,
          now,
        });
        log?.debug('upstream token refreshed', { issuer: tokens.issuer });
        return save(tokens, response, tokens.requestedScopes, tokens);
      } catch (err) {
        // A refused refresh token is dropped (the next 401 starts a new authorization); a network failure is not.
        if (tokenErrorCode(err) !== undefined) store.deleteTokens(tokens.issuer, tokens.resource);
        log?.warn('upstream token refresh failed', { issuer: tokens.issuer, error: (err as Error).message });
        return undefined;
      }
    });
  }

  async function authorize(
    challenge: Challenge | undefined,
    challenged: string[],
    previous: readonly string[],
  ) {
    const found = await discover(upstreamUrl, challenge?.params['resource_metadata'], policy, boundIssuer);
    const server = found.server;
    // Without any metadata (2025-03-26 default endpoints) there is nothing to check; PKCE S256 is still used.
    if (server.source !== 'default-endpoints' && !supportsS256(server.codeChallengeMethods)) {
      throw authFailed('pkce_unsupported', 'the authorization server does not support PKCE S256');
    }
    if (server.authorizationEndpoint === undefined) {
      throw authFailed('as_metadata_invalid', 'the authorization server has no authorization endpoint');
    }
    checkUrl(server.authorizationEndpoint, policy, 'authorization endpoint');
    const redirectUri = spec.redirectUri ?? authorizer?.redirectUri;
    if (!authorizer || redirectUri === undefined) {
      throw authFailed(
        'no_authorizer',
        'this upstream needs an interactive authorization, which is not set up',
      );
    }
    const scopes = unionScopes(
      previous,
      selectScopes({
        challenge: challenged,
        configured: parseScope(spec.scope),
        resourceSupported: found.prm?.scopesSupported,
        serverSupported: server.scopesSupported,
      }),
    );
    const client = await ensureClient(server, redirectUri);
    // Counted where a user would be asked; failed discoveries are bounded by the reconnect backoff instead.
    if (!budget.take()) {
      throw authFailed(
        'retry_budget_exhausted',
        'too many authorizations for this upstream; giving up for now',
      );
    }
    const pkce = createPkce();
    const state = createState();
    const url = buildAuthorizationUrl(server.authorizationEndpoint, {
      clientId: client.clientId,
      redirectUri,
      codeChallenge: pkce.challenge,
      state,
      scope: formatScope(scopes),
      resource: found.resource,
    });
    log?.info('upstream authorization started', {
      issuer: server.issuer,
      scope: formatScope(scopes),
      registration: client.source,
    });
    const response = await authorizer.authorize({
      url,
      state,
      redirectUri,
      upstream: upstreamUrl,
      issuer: server.issuer,
    });
    const code = validateAuthorizationResponse(response, {
      state,
      issuer: server.issuer,
      issParameterSupported: server.issParameterSupported,
    });
    let tokenResponse: TokenResponse;
    try {
      tokenResponse = await requestToken({
        endpoint: server.tokenEndpoint,
        params: {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          code_verifier: pkce.verifier,
          resource: found.resource,
        },
        auth: clientAuth(client),
        audience: server.issuer,
        policy,
        now,
      });
    } catch (err) {
      // A registration the server forgot is registered anew next time.
      if (client.source === 'dcr' && tokenErrorCode(err) === 'invalid_client')
        store.deleteClient(server.issuer);
      throw err;
    }
    const tokens = save(
      { issuer: server.issuer, resource: found.resource, tokenEndpoint: server.tokenEndpoint },
      tokenResponse,
      scopes,
    );
    log?.info('upstream token obtained', {
      issuer: server.issuer,
      scope: formatScope(tokens.grantedScopes),
      refreshable: tokens.refreshToken !== undefined,
    });
  }

  async function handle(
    status: number,
    challenge: Challenge | undefined,
    sent: Readonly<Record<string, string>> | undefined,
  ): Promise<boolean> {
    const tokens = current();
    // Refused with an older token while a newer one exists: just retry with the newer one.
    if (tokens && usable(tokens) && !sentWith(sent, tokens.accessToken)) return true;
    if (status === 401) {
      if (tokens?.refreshToken && (await refresh(tokens))) return true;
      await authorize(challenge, parseScope(challenge?.params['scope']), tokens?.requestedScopes ?? []);
      return true;
    }
    if (status === 403 && challenge?.params['error']?.toLowerCase() === 'insufficient_scope') {
      const needed = parseScope(challenge.params['scope']);
      if (tokens && (needed.length === 0 || coversScopes(tokens.grantedScopes, needed))) {
        // The token already holds these scopes: a new authorization would get the same refusal.
        log?.warn('upstream refuses scopes the token already holds; not stepping up', {
          scope: formatScope(needed),
        });
        return false;
      }
      await authorize(challenge, needed, tokens?.requestedScopes ?? []);
      return true;
    }
    return false;
  }

  return {
    async headers() {
      const tokens = current();
      if (!tokens) return {};
      if (usable(tokens)) return bearer(tokens.accessToken);
      const fresh = tokens.refreshToken ? await refresh(tokens) : undefined;
      // An expired token is not sent: the upstream's 401 then starts a new authorization.
      return fresh ? bearer(fresh.accessToken) : {};
    },
    challenge(status, wwwAuthenticate, _context, sent) {
      const challenge = bearerChallenge(wwwAuthenticate);
      // Concurrent requests refused at the same moment share one authorization.
      return challenges.run('challenge', () => handle(status, challenge, sent));
    },
  };
}
