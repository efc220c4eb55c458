// Enterprise-managed authorization (SEP-990, "cross-app access"): the calling user's token from the enterprise
// IdP is exchanged there (RFC 8693) for an Identity Assertion JWT Authorization Grant (ID-JAG) naming the
// upstream's authorization server and resource; that server then issues the upstream token for the ID-JAG
// (RFC 7523 JWT bearer grant). No browser is involved. The user's token only ever reaches the IdP.
import type { UpstreamCredential } from '../../config/auth-schema.ts';
import type { Logger } from '../../monitor/logger.ts';
import { authFailed } from './auth-error.ts';
import { type AuthorizationServerMetadata, discover, discoverAuthorizationServer } from './discovery.ts';
import { bearer, SingleFlight, sentWith } from './flow-control.ts';
import type { CredentialProvider } from './provider.ts';
import { canonicalResource } from './resource.ts';
import { readSecret, type VaultResolver } from './secret.ts';
import { policyForUpstream, type UrlPolicy } from './ssrf-guard.ts';
import { SubjectCache, subjectKey } from './subject-cache.ts';
import { type ClientAuth, isBearer, requestToken } from './token-endpoint.ts';
import { subjectOf, TOKEN_EXCHANGE_GRANT } from './token-exchange-provider.ts';
import { bearerChallenge } from './www-authenticate.ts';

export type IdentityAssertionSpec = Extract<UpstreamCredential, { type: 'identity_assertion' }>;

export const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface IdentityAssertionOptions {
  readonly spec: IdentityAssertionSpec;
  readonly upstreamUrl: string;
  readonly baseDir: string;
  readonly vault?: VaultResolver | undefined;
  readonly log?: Logger | undefined;
  readonly now?: (() => number) | undefined;
}

interface Target {
  readonly server: AuthorizationServerMetadata;
  readonly resource: string;
  /** Discovered through the upstream (guarded), or from configuration (trusted). */
  readonly policy: UrlPolicy | undefined;
}

export function identityAssertionProvider(options: IdentityAssertionOptions): CredentialProvider {
  const { spec, upstreamUrl, baseDir, log, vault } = options;
  const now = options.now ?? Date.now;
  const cache = new SubjectCache(now);
  const flights = new SingleFlight<string>();
  const targets = new SingleFlight<Target>();
  const upstreamPolicy = policyForUpstream(upstreamUrl);
  let target: Target | undefined;

  const idpAuth = (): ClientAuth => {
    const secret = spec.idp.clientSecret;
    return secret
      ? {
          method: 'client_secret_basic',
          clientId: spec.idp.clientId,
          secret: () => readSecret(secret, baseDir, vault),
        }
      : { method: 'none', clientId: spec.idp.clientId };
  };
  const serverAuth = (): ClientAuth => ({
    method: spec.authMethod,
    clientId: spec.clientId,
    secret: () => readSecret(spec.clientSecret, baseDir, vault),
  });

  /** The configured authorization server's metadata (fetched once, before any request). */
  function configuredTarget(issuer: string): Promise<Target> {
    return targets.run('configured', async () => {
      const server = await discoverAuthorizationServer(issuer, undefined);
      if (!server)
        throw authFailed('as_metadata_not_found', 'no valid metadata for the authorization server');
      target = { server, resource: spec.resource ?? canonicalResource(upstreamUrl), policy: undefined };
      return target;
    });
  }

  function mint(subject: string, key: string, to: Target): Promise<string> {
    return flights.run(key, async () => {
      // Step 1, at the IdP: the user's token for an ID-JAG addressed to the upstream's authorization server.
      const grant = await requestToken({
        endpoint: spec.idp.tokenEndpoint,
        params: {
          grant_type: TOKEN_EXCHANGE_GRANT,
          requested_token_type: ID_JAG_TOKEN_TYPE,
          subject_token: subject,
          subject_token_type: spec.idp.subjectTokenType,
          audience: to.server.issuer,
          resource: to.resource,
          scope: spec.scope,
        },
        auth: idpAuth(),
        policy: undefined,
        now,
      });
      if (grant.issuedTokenType !== undefined && grant.issuedTokenType !== ID_JAG_TOKEN_TYPE) {
        throw authFailed('unsupported_token_type', 'the identity provider did not issue an ID-JAG');
      }
      // Step 2, at the upstream's authorization server: the ID-JAG for an access token.
      const response = await requestToken({
        endpoint: to.server.tokenEndpoint,
        params: {
          grant_type: JWT_BEARER_GRANT,
          assertion: grant.accessToken,
          scope: spec.scope,
          resource: to.resource,
        },
        auth: serverAuth(),
        audience: to.server.issuer,
        policy: to.policy,
        now,
      });
      if (!isBearer(response)) {
        throw authFailed('unsupported_token_type', 'the authorization server issued a non-Bearer token');
      }
      log?.debug('upstream token obtained with an identity assertion', { issuer: to.server.issuer });
      return cache.set(key, response.accessToken, response.refreshAt).accessToken;
    });
  }

  return {
    async headers(context) {
      const subject = subjectOf(context, spec.serviceSubjectToken, baseDir, vault);
      if (subject === undefined) return {};
      const key = subjectKey(subject);
      const cached = cache.get(key);
      if (cached) return bearer(cached.accessToken);
      const to =
        target ?? (spec.authorizationServer ? await configuredTarget(spec.authorizationServer) : undefined);
      // The upstream's authorization server is learnt from its first 401 (PRM) when not configured.
      if (!to) return {};
      return bearer(await mint(subject, key, to));
    },
    async challenge(status, wwwAuthenticate, context, sent) {
      if (status !== 401) return false;
      const subject = subjectOf(context, spec.serviceSubjectToken, baseDir, vault);
      if (subject === undefined) return false;
      if (!target) {
        const challenge = bearerChallenge(wwwAuthenticate);
        const found = await targets.run('discovered', () =>
          discover(upstreamUrl, challenge?.params['resource_metadata'], upstreamPolicy).then((d) => ({
            server: d.server,
            resource: spec.resource ?? d.resource,
            policy: upstreamPolicy,
          })),
        );
        target = found;
        return true;
      }
      const key = subjectKey(subject);
      const cached = cache.get(key);
      if (cached && sentWith(sent, cached.accessToken)) cache.delete(key);
      return true;
    },
  };
}
