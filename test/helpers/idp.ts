// A real OpenID provider (`oidc-provider`) for integration tests, on http://127.0.0.1:<random port>.
//
// What it issues, all through its real token endpoint (client credentials grant, client_secret_basic):
// - JWT access tokens (RFC 9068, `typ: at+jwt`) for `resource` and each of `extraResources` (RFC 8707 resource
//   indicators: `aud` = the resource), with `iss`, `sub`, `client_id`, `scope`, `jti`, `iat`, `exp` and the
//   principal claims `groups`, `roles`, `agent`, `tenant`;
// - opaque access tokens for the same resources (`opaqueToken`), checked with introspection (RFC 7662) and
//   revocable (RFC 7009);
// - DPoP-bound tokens (RFC 9449, `cnf.jkt`) when a DPoP key is given;
// - certificate-bound tokens (RFC 8705, `cnf.x5t#S256`) for the mTLS client. The IdP speaks plain HTTP, so the
//   client certificate travels as a URL-encoded PEM in the `x-client-cert` header, as behind a TLS-terminating
//   proxy (nginx `$ssl_client_escaped_cert`);
// - RFC 8693 token exchange: an access token this IdP issued becomes a token for another resource, same `sub`,
//   with `act: { sub: <exchanging client> }`.
//
// Test-only request headers the IdP honours at its token endpoint (the helper methods set them):
//   x-client-cert      URL-encoded PEM client certificate (mTLS binding)
//   x-idp-token-format `opaque` to get an opaque token instead of a JWT for the requested resource
//   x-idp-claims       base64url(JSON) of claims to add to / override on the token (`sub` included)
//   x-idp-ttl          token lifetime in seconds
//
// Keys: `signingKey()` exposes the current private key so negative tests can mint tokens the IdP "could have"
// issued (expired, wrong aud, ...; `mint` does it in one call); `rotateKeys()` puts a new key in front. Rotation
// re-creates the Provider behind the same listener (its keystore is fixed at construction); the storage (a small
// in-memory adapter below) belongs to the IdP, not the Provider, so tokens issued before a rotation stay
// introspectable after it.
import { randomBytes, randomUUID, type webcrypto } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import type {
  Adapter,
  AdapterPayload,
  ClientCredentials,
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
  ResourceServer,
  TokenEndpointGrantContext,
  UnknownObject,
} from 'oidc-provider';
import Provider, { errors } from 'oidc-provider';
import { dpopProof } from './dpop.ts';

export { dpopProof, type ProofInput } from './dpop.ts';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** Every scope the IdP knows; each client may ask for all of them. */
export const SCOPES = ['mcp', 'mcp:tools', 'admin'] as const;

export type SigningAlg = 'RS256' | 'ES256';

export interface StartIdpOptions {
  /** Rampart's canonical URL: the RFC 8707 resource, `aud` of its tokens. */
  resource: string;
  /** Other resources the IdP issues tokens for (wrong-audience and token-exchange targets). */
  extraResources?: string[];
  /** Signature algorithm of the IdP's keys (default RS256, the usual IdP choice). */
  alg?: SigningAlg;
  /** Default access token lifetime in seconds (default 600). */
  accessTokenTtl?: number;
}

export interface IdpClient {
  id: string;
  secret: string;
}

export interface IdpClients {
  /** Confidential client, client credentials grant. */
  agent: IdpClient;
  /** Rampart's own client for introspection (and revocation). */
  introspector: IdpClient;
  /** May use the token-exchange grant (and client credentials). */
  exchanger: IdpClient;
  /** `dpop_bound_access_tokens: true`: its tokens always need a DPoP proof. */
  dpop: IdpClient;
  /** `tls_client_certificate_bound_access_tokens: true`: its tokens always need a client certificate. */
  mtls: IdpClient;
}

export interface TokenRequest {
  /** Default: the mTLS client with `clientCert`, else the DPoP client with `dpopKey`, else the agent client. */
  clientId?: string;
  /** Space-separated scopes; the token carries those the resource knows. */
  scope: string;
  /** Default: the IdP's `resource`. */
  resource?: string;
  /** Binds the token to this key (DPoP proof to the token endpoint). */
  dpopKey?: webcrypto.CryptoKeyPair;
  /** PEM client certificate, binds the token to it (with the mTLS client). */
  clientCert?: string;
  /** Claims added to or overriding the defaults (`sub`, `groups`, `roles`, `agent`, `tenant`, anything). */
  extraClaims?: Record<string, unknown>;
  /** Lifetime in seconds. */
  ttl?: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  issued_token_type?: string;
}

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateJwk: JWK;
  publicJwk: JWK;
  privateKey: webcrypto.CryptoKey;
}

export interface Idp {
  issuer: string;
  /** The canonical resource and the extra ones, as configured. */
  resource: string;
  extraResources: string[];
  discoveryUrl: string;
  jwksUri: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  clients: IdpClients;
  /** The current oidc-provider instance (replaced by `rotateKeys`). */
  readonly provider: Provider;
  /** A JWT access token (RFC 9068) from the token endpoint, client credentials grant. */
  token(request: TokenRequest): Promise<TokenResponse>;
  /** Same request, opaque token (for introspection). */
  opaqueToken(request: TokenRequest): Promise<TokenResponse>;
  /** RFC 8693 token exchange by the exchanger client. */
  exchange(
    subjectToken: string,
    request: { resource: string; scope?: string; clientId?: string },
  ): Promise<TokenResponse>;
  /** RFC 7662 introspection as the introspector client. */
  introspect(token: string): Promise<Record<string, unknown>>;
  /** RFC 7009 revocation (opaque tokens only: oidc-provider refuses to revoke JWTs). */
  revoke(token: string): Promise<void>;
  /** The key the IdP signs with now. */
  signingKey(): SigningKey;
  /** The public JWKS the IdP publishes now. */
  publicJwks(): { keys: JWK[] };
  /** Signs `claims` over realistic defaults (iss, aud = resource, sub, client_id, scope `mcp`, jti, iat,
   * exp = +10 min) with the current key; a claim set to `undefined` is left out. */
  mint(claims?: Record<string, unknown>, header?: Partial<JWTHeaderParameters>): Promise<string>;
  /** Adds a new signing key in front (the old ones stay published unless `retireOld`). Returns the new key. */
  rotateKeys(options?: { retireOld?: boolean }): Promise<SigningKey>;
  stop(): Promise<void>;
}

/** An error answer of the IdP (`body` is its JSON, e.g. `{ error: 'invalid_grant' }`). */
export class IdpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(`IdP answered ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** An ES256 key pair for DPoP. */
export function generateDpopKey(): Promise<webcrypto.CryptoKeyPair> {
  return generateKeyPair('ES256', { extractable: true });
}

/** RFC 7638 thumbprint of a key pair's public key: what `cnf.jkt` holds for a token bound to it. */
export async function jwkThumbprint(key: webcrypto.CryptoKeyPair): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(key.publicKey));
}

async function newSigningKey(alg: SigningAlg): Promise<SigningKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const kid = `k-${randomUUID().slice(0, 8)}`;
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    privateJwk: { ...(await exportJWK(pair.privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(pair.publicKey)), ...meta },
    privateKey: pair.privateKey,
  };
}

function decodeHeaderJson(value: string): Record<string, unknown> {
  if (!value) return {};
  const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

function basic(client: IdpClient): string {
  // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
  const pair = `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

async function post(url: string, form: Record<string, string>, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!res.ok) throw new IdpError(res.status, body);
  return body;
}

/** oidc-provider's storage, in memory: one Map per IdP, shared by the Provider instances key rotation makes. */
function memoryAdapter(store: Map<string, { payload: AdapterPayload; expiresAt: number }>) {
  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    const find = async (id: string) => {
      const entry = store.get(key(id));
      if (entry && entry.expiresAt <= Date.now()) store.delete(key(id));
      else return entry?.payload;
    };
    const findBy = async (field: 'uid' | 'userCode', value: string) => {
      for (const [k, entry] of store)
        if (k.startsWith(`${model}:`) && entry.payload[field] === value)
          return find(k.slice(model.length + 1));
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        store.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
      },
      find,
      findByUid: (uid) => findBy('uid', uid),
      findByUserCode: (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const entry = store.get(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        store.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k);
      },
    };
  };
}

/** Claims every token of a client carries unless overridden: the client is its own subject and agent. */
function defaultClaims(clientId: string): Record<string, unknown> {
  return { sub: clientId, groups: ['engineering'], roles: ['developer'], agent: clientId, tenant: 'acme' };
}

/** Claims of a subject token that survive token exchange. */
const CARRIED = ['groups', 'roles', 'agent', 'tenant'] as const;

export async function startIdp(options: StartIdpOptions): Promise<Idp> {
  const alg = options.alg ?? 'RS256';
  const ttl = options.accessTokenTtl ?? 600;
  const resources = [options.resource, ...(options.extraResources ?? [])];
  let keys: SigningKey[] = [await newSigningKey(alg)];
  const secret = () => randomBytes(24).toString('base64url');
  const clients: IdpClients = {
    agent: { id: 'agent-app', secret: secret() },
    introspector: { id: 'rampart', secret: secret() },
    exchanger: { id: 'exchanger', secret: secret() },
    dpop: { id: 'dpop-agent', secret: secret() },
    mtls: { id: 'mtls-agent', secret: secret() },
  };
  // Claims decided by the token-exchange handler for the token it is about to save (read by extraTokenClaims).
  const exchanged = new WeakMap<object, UnknownObject>();
  const adapter = memoryAdapter(new Map());

  const server = createServer((req: IncomingMessage, res: ServerResponse) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const getResourceServerInfo = (ctx: KoaContextWithOIDC, resource: string): ResourceServer => {
    if (!resources.includes(resource)) throw new errors.InvalidTarget();
    const requested = Number(ctx.get('x-idp-ttl'));
    return {
      scope: SCOPES.join(' '),
      audience: resource,
      accessTokenTTL: Number.isSafeInteger(requested) && requested > 0 ? requested : ttl,
      accessTokenFormat: ctx.get('x-idp-token-format') === 'opaque' ? 'opaque' : 'jwt',
      // Pinned to the current key so rotation takes effect at once.
      jwt: { sign: { alg, kid: keys[0]!.kid } },
    };
  };

  const publicJwks = () => ({ keys: keys.map((k) => k.publicJwk) });

  /** The claims of an access token this IdP issued (JWT: verified; opaque: looked up), or invalid_grant. */
  const subjectClaims = async (ctx: KoaContextWithOIDC, token: string): Promise<JWTPayload> => {
    let isJwt = false;
    try {
      isJwt = !!decodeProtectedHeader(token);
    } catch {}
    if (isJwt) {
      try {
        return (await jwtVerify(token, createLocalJWKSet(publicJwks()), { issuer, typ: 'at+jwt' })).payload;
      } catch (err) {
        throw new errors.InvalidGrant(`subject_token invalid: ${(err as Error).message}`);
      }
    }
    const found = await ctx.oidc.provider.ClientCredentials.find(token);
    if (!found?.isValid) throw new errors.InvalidGrant('subject_token not found, expired or revoked');
    return { sub: found.clientId, ...found.extra, scope: found.scope, client_id: found.clientId };
  };

  interface ExchangeParams {
    subject_token?: string;
    subject_token_type?: string;
    audience?: string;
    requested_token_type?: string;
  }

  /** RFC 8693 §2: subject_token (an access token of this IdP) → access token for `resource` (or `audience`). */
  const tokenExchange = async (ctx: TokenEndpointGrantContext<ExchangeParams>): Promise<void> => {
    const { params, client, provider } = ctx.oidc;
    if (!params.subject_token) throw new errors.InvalidRequest('missing required parameter subject_token');
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE && params.subject_token_type !== JWT_TOKEN_TYPE)
      throw new errors.InvalidRequest('unsupported subject_token_type');
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE)
      throw new errors.InvalidRequest('unsupported requested_token_type');
    const resource = typeof params.resource === 'string' ? params.resource : params.audience;
    if (!resource) throw new errors.InvalidTarget('resource or audience is required');
    const info = getResourceServerInfo(ctx, resource);
    const subject = await subjectClaims(ctx, params.subject_token);

    // Down-scoping only: the new token may carry the subject token's scopes that the resource knows.
    const held = new Set(
      String(subject['scope'] ?? '')
        .split(' ')
        .filter(Boolean),
    );
    const scopes = params.scope ? params.scope.split(' ') : [...held];
    for (const scope of scopes)
      if (!held.has(scope) || !info.scope.split(' ').includes(scope))
        throw new errors.InvalidScope('requested scope exceeds the subject token', scope);

    const token: ClientCredentials = new provider.ClientCredentials({
      client,
      scope: scopes.join(' ') || undefined,
      resourceServer: new provider.ResourceServer(resource, info),
    });
    const claims: UnknownObject = { sub: subject.sub };
    for (const name of CARRIED) if (subject[name] !== undefined) claims[name] = subject[name];
    claims['act'] = { sub: client.clientId, ...(subject['act'] ? { act: subject['act'] } : {}) };
    exchanged.set(token, claims);
    ctx.oidc.entity('ClientCredentials', token);
    const value = await token.save();
    ctx.body = {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: token.tokenType,
      expires_in: token.expiration,
      scope: token.scope,
    };
  };

  const clientMetadata = (client: IdpClient, extra: Partial<ClientMetadata> = {}): ClientMetadata => ({
    client_id: client.id,
    client_secret: client.secret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: SCOPES.join(' '),
    ...extra,
  });

  const configuration = (): Configuration => ({
    adapter,
    clients: [
      clientMetadata(clients.agent),
      clientMetadata(clients.introspector, { grant_types: [], scope: undefined }),
      clientMetadata(clients.exchanger, { grant_types: ['client_credentials', TOKEN_EXCHANGE] }),
      clientMetadata(clients.dpop, { dpop_bound_access_tokens: true }),
      clientMetadata(clients.mtls, { tls_client_certificate_bound_access_tokens: true }),
    ],
    jwks: { keys: keys.map((k) => k.privateJwk) },
    scopes: ['openid', ...SCOPES],
    clientDefaults: { id_token_signed_response_alg: alg },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Any authenticated client may introspect / revoke any token: this IdP serves tests only.
      introspection: { enabled: true, allowedPolicy: () => true },
      revocation: { enabled: true, allowedPolicy: () => true },
      dPoP: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        getCertificate: (ctx) => {
          const pem = ctx.get('x-client-cert');
          return pem ? decodeURIComponent(pem) : undefined;
        },
      },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: (ctx, resource) => getResourceServerInfo(ctx, resource),
      },
    },
    extraTokenClaims: (ctx, token) =>
      exchanged.get(token) ?? {
        ...defaultClaims(token.clientId ?? ''),
        ...decodeHeaderJson(ctx.get('x-idp-claims')),
      },
    formats: {
      customizers: {
        // oidc-provider always sets a JWT's `sub` to the account or client id; let the claims above decide.
        jwt: (_ctx, token, parts) => {
          const sub = token.extra?.['sub'];
          if (typeof sub === 'string') parts.payload['sub'] = sub;
        },
      },
    },
  });

  const build = (): Provider => {
    const provider = new Provider(issuer, configuration());
    provider.registerGrantType(TOKEN_EXCHANGE, tokenExchange, [
      'subject_token',
      'subject_token_type',
      'audience',
      'requested_token_type',
      'scope',
      'resource',
    ]);
    provider.on('server_error', (_ctx, err) => console.error('idp server_error', err));
    return provider;
  };

  let provider = build();
  let handler = provider.callback();

  const tokenEndpoint = `${issuer}/token`;
  const introspectionEndpoint = `${issuer}/token/introspection`;
  const revocationEndpoint = `${issuer}/token/revocation`;
  const clientById = (id: string): IdpClient => {
    const client = Object.values(clients).find((c) => c.id === id);
    if (!client) throw new Error(`unknown client ${id}`);
    return client;
  };

  const requestToken = async (request: TokenRequest, format: 'jwt' | 'opaque'): Promise<TokenResponse> => {
    const clientId =
      request.clientId ??
      (request.clientCert ? clients.mtls.id : request.dpopKey ? clients.dpop.id : clients.agent.id);
    const headers: Record<string, string> = { authorization: basic(clientById(clientId)) };
    if (format === 'opaque') headers['x-idp-token-format'] = 'opaque';
    if (request.dpopKey)
      headers['dpop'] = await dpopProof({ key: request.dpopKey, htm: 'POST', htu: tokenEndpoint });
    if (request.clientCert) headers['x-client-cert'] = encodeURIComponent(request.clientCert);
    if (request.extraClaims)
      headers['x-idp-claims'] = Buffer.from(JSON.stringify(request.extraClaims)).toString('base64url');
    if (request.ttl !== undefined) headers['x-idp-ttl'] = String(request.ttl);
    const form = {
      grant_type: 'client_credentials',
      scope: request.scope,
      resource: request.resource ?? options.resource,
    };
    return (await post(tokenEndpoint, form, headers)) as unknown as TokenResponse;
  };

  return {
    issuer,
    resource: options.resource,
    extraResources: options.extraResources ?? [],
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint,
    introspectionEndpoint,
    revocationEndpoint,
    clients,
    get provider() {
      return provider;
    },
    token: (request) => requestToken(request, 'jwt'),
    opaqueToken: (request) => requestToken(request, 'opaque'),
    exchange: async (subjectToken, request) => {
      const form: Record<string, string> = {
        grant_type: TOKEN_EXCHANGE,
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        resource: request.resource,
      };
      if (request.scope !== undefined) form['scope'] = request.scope;
      const client = clientById(request.clientId ?? clients.exchanger.id);
      return (await post(tokenEndpoint, form, { authorization: basic(client) })) as unknown as TokenResponse;
    },
    introspect: (token) =>
      post(introspectionEndpoint, { token }, { authorization: basic(clients.introspector) }),
    revoke: async (token) => {
      await post(revocationEndpoint, { token }, { authorization: basic(clients.introspector) });
    },
    signingKey: () => keys[0]!,
    publicJwks,
    mint: (claims = {}, header = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        aud: options.resource,
        ...defaultClaims(clients.agent.id),
        client_id: clients.agent.id,
        scope: 'mcp',
        jti: randomUUID(),
        iat: now,
        exp: now + ttl,
        ...claims,
      };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      const key = keys[0]!;
      return new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
        .sign(key.privateKey);
    },
    rotateKeys: async ({ retireOld = false } = {}) => {
      const key = await newSigningKey(alg);
      keys = retireOld ? [key] : [key, ...keys];
      provider = build();
      handler = provider.callback();
      return key;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
