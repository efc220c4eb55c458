// OAuth client credentials (SEP-1046): Rampart's own identity toward the upstream, authenticated with a client
// secret (basic or post) or a private_key_jwt assertion. The token is cached until shortly before it expires.
// Without a configured token endpoint the upstream's first 401 drives discovery (PRM, then AS metadata).
import type { UpstreamCredential } from '../../config/auth-schema.ts';
import type { Logger } from '../../monitor/logger.ts';
import { authFailed } from './auth-error.ts';
import { clientAssertionSigner } from './client-assertion.ts';
import { type AuthorizationServerMetadata, discover } from './discovery.ts';
import { AttemptBudget, bearer, SingleFlight, sentWith } from './flow-control.ts';
import type { CredentialProvider } from './provider.ts';
import { pickSecretMethod } from './registration.ts';
import { canonicalResource } from './resource.ts';
import { coversScopes, formatScope, parseScope, unionScopes } from './scopes.ts';
import { readSecret, type VaultResolver } from './secret.ts';
import { policyForUpstream, type UrlPolicy } from './ssrf-guard.ts';
import { type ClientAuth, isBearer, requestToken } from './token-endpoint.ts';
import { bearerChallenge, type Challenge } from './www-authenticate.ts';

export type ClientCredentialsSpec = Extract<UpstreamCredential, { type: 'client_credentials' }>;

export interface ClientCredentialsOptions {
  readonly spec: ClientCredentialsSpec;
  readonly upstreamUrl: string;
  readonly baseDir: string;
  readonly vault?: VaultResolver | undefined;
  readonly log?: Logger | undefined;
  readonly now?: (() => number) | undefined;
}

interface Token {
  readonly accessToken: string;
  readonly refreshAt: number | undefined;
  readonly scopes: readonly string[];
}

/** Token requests allowed per window: a refused token is replaced, but not in a loop. */
const MAX_TOKEN_REQUESTS = 5;
const WINDOW_MS = 60_000;

export function clientCredentialsProvider(options: ClientCredentialsOptions): CredentialProvider {
  const { spec, upstreamUrl, baseDir, log, vault } = options;
  const now = options.now ?? Date.now;
  const upstreamPolicy = policyForUpstream(upstreamUrl);
  const flights = new SingleFlight<Token>();
  const budget = new AttemptBudget(MAX_TOKEN_REQUESTS, WINDOW_MS, now);
  const sign = spec.privateKey
    ? clientAssertionSigner(spec.clientId, spec.signingAlgorithm, () =>
        readSecret(spec.privateKey!, baseDir, vault),
      )
    : undefined;
  /** Where tokens come from: configured (trusted) or discovered through the upstream (SSRF-guarded). */
  let endpoint: { url: string; issuer: string | undefined; policy: UrlPolicy | undefined } | undefined =
    spec.tokenEndpoint ? { url: spec.tokenEndpoint, issuer: undefined, policy: undefined } : undefined;
  let server: AuthorizationServerMetadata | undefined;
  let resource = spec.resource ?? canonicalResource(upstreamUrl);
  let token: Token | undefined;
  let wanted = parseScope(spec.scope);

  const usable = (t: Token) => t.refreshAt === undefined || now() < t.refreshAt;

  function clientAuth(): ClientAuth {
    const method =
      spec.authMethod ??
      (sign
        ? 'private_key_jwt'
        : (pickSecretMethod(server?.tokenEndpointAuthMethods) ?? 'client_secret_basic'));
    if (method === 'private_key_jwt') {
      if (!sign) throw authFailed('client_key_invalid', 'private_key_jwt needs privateKey');
      return { method, clientId: spec.clientId, sign };
    }
    if (!spec.clientSecret) throw authFailed('client_key_invalid', `${method} needs clientSecret`);
    const secret = spec.clientSecret;
    return { method, clientId: spec.clientId, secret: () => readSecret(secret, baseDir, vault) };
  }

  function fetchToken(): Promise<Token> {
    return flights.run('token', async () => {
      if (!endpoint) throw authFailed('as_metadata_not_found', 'no token endpoint known for this upstream');
      if (!budget.take())
        throw authFailed('retry_budget_exhausted', 'too many token requests for this upstream');
      const scopes = wanted;
      const response = await requestToken({
        endpoint: endpoint.url,
        params: { grant_type: 'client_credentials', scope: formatScope(scopes), resource },
        auth: clientAuth(),
        // RFC 7523: the assertion's audience is the authorization server (its issuer when known).
        audience: endpoint.issuer ?? endpoint.url,
        policy: endpoint.policy,
        now,
      });
      if (!isBearer(response)) {
        throw authFailed('unsupported_token_type', 'the authorization server issued a non-Bearer token');
      }
      token = {
        accessToken: response.accessToken,
        refreshAt: response.refreshAt,
        scopes: response.scopes ?? scopes,
      };
      log?.info('upstream client-credentials token obtained', { scope: formatScope(token.scopes) });
      return token;
    });
  }

  async function discoverEndpoint(challenge: Challenge | undefined): Promise<void> {
    const found = await discover(upstreamUrl, challenge?.params['resource_metadata'], upstreamPolicy);
    server = found.server;
    endpoint = { url: found.server.tokenEndpoint, issuer: found.server.issuer, policy: upstreamPolicy };
    resource = spec.resource ?? found.resource;
  }

  return {
    async headers() {
      if (token && usable(token)) return bearer(token.accessToken);
      // Before the first 401 of an upstream whose token endpoint is to be discovered, there is nothing to send.
      if (!endpoint) return {};
      return bearer((await fetchToken()).accessToken);
    },
    async challenge(status, wwwAuthenticate, _context, sent) {
      const challenge = bearerChallenge(wwwAuthenticate);
      if (token && usable(token) && !sentWith(sent, token.accessToken)) return true;
      if (status === 401) {
        if (!endpoint) await discoverEndpoint(challenge);
        if (spec.scope === undefined) wanted = unionScopes(wanted, parseScope(challenge?.params['scope']));
        token = undefined;
        await fetchToken();
        return true;
      }
      if (status === 403 && challenge?.params['error']?.toLowerCase() === 'insufficient_scope') {
        const needed = parseScope(challenge.params['scope']);
        // A client acting for itself MAY step up: once, when the challenge names scopes it does not hold.
        if (needed.length === 0 || (token && coversScopes(token.scopes, needed))) return false;
        wanted = unionScopes(wanted, needed);
        token = undefined;
        await fetchToken();
        return true;
      }
      return false;
    },
  };
}
