// RFC 8693 token exchange on behalf of the calling user: the user's token goes to the configured token
// endpoint as subject_token (never to the upstream), and the exchanged token, meant for this upstream
// (`resource`, `audience`), is what the upstream sees. Cached per subject until shortly before it expires.
import type { UpstreamCredential } from '../../config/auth-schema.ts';
import type { Logger } from '../../monitor/logger.ts';
import { authFailed } from './auth-error.ts';
import { bearer, SingleFlight, sentWith } from './flow-control.ts';
import type { CredentialContext, CredentialProvider } from './provider.ts';
import { canonicalResource } from './resource.ts';
import { readSecret, type VaultResolver } from './secret.ts';
import { SubjectCache, subjectKey } from './subject-cache.ts';
import { isBearer, requestToken } from './token-endpoint.ts';

export type TokenExchangeSpec = Extract<UpstreamCredential, { type: 'token_exchange' }>;

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface TokenExchangeOptions {
  readonly spec: TokenExchangeSpec;
  readonly upstreamUrl: string;
  readonly baseDir: string;
  readonly vault?: VaultResolver | undefined;
  readonly log?: Logger | undefined;
  readonly now?: (() => number) | undefined;
}

/** The subject token of a request: the caller's, else the configured service subject token, else none. */
export function subjectOf(
  context: CredentialContext,
  service: TokenExchangeSpec['serviceSubjectToken'],
  baseDir: string,
  vault: VaultResolver | undefined,
): string | undefined {
  if (context.subjectToken) return context.subjectToken;
  return service ? readSecret(service, baseDir, vault) : undefined;
}

export function tokenExchangeProvider(options: TokenExchangeOptions): CredentialProvider {
  const { spec, upstreamUrl, baseDir, log, vault } = options;
  const now = options.now ?? Date.now;
  const cache = new SubjectCache(now);
  const flights = new SingleFlight<string>();
  const resource = spec.resource ?? canonicalResource(upstreamUrl);

  function exchange(subject: string, key: string): Promise<string> {
    return flights.run(key, async () => {
      const response = await requestToken({
        endpoint: spec.tokenEndpoint,
        params: {
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token: subject,
          subject_token_type: spec.subjectTokenType,
          requested_token_type: spec.requestedTokenType,
          audience: spec.audience,
          resource,
          scope: spec.scope,
        },
        auth: {
          method: spec.authMethod,
          clientId: spec.clientId,
          secret: () => readSecret(spec.clientSecret, baseDir, vault),
        },
        // The token endpoint comes from Rampart's configuration, not from the upstream.
        policy: undefined,
        now,
      });
      if (!isBearer(response)) {
        throw authFailed('unsupported_token_type', 'the token exchange did not issue a Bearer token');
      }
      log?.debug('upstream token exchanged', { cached: cache.size });
      return cache.set(key, response.accessToken, response.refreshAt).accessToken;
    });
  }

  return {
    async headers(context) {
      const subject = subjectOf(context, spec.serviceSubjectToken, baseDir, vault);
      // No user behind the request and no service subject: the request goes without a credential.
      if (subject === undefined) return {};
      const key = subjectKey(subject);
      const cached = cache.get(key);
      return bearer(cached ? cached.accessToken : await exchange(subject, key));
    },
    async challenge(status, _wwwAuthenticate, context, sent) {
      if (status !== 401) return false;
      const subject = subjectOf(context, spec.serviceSubjectToken, baseDir, vault);
      if (subject === undefined) return false;
      const key = subjectKey(subject);
      const cached = cache.get(key);
      // The refused token is dropped; the retry exchanges the subject token again.
      if (cached && sentWith(sent, cached.accessToken)) cache.delete(key);
      return true;
    },
  };
}
