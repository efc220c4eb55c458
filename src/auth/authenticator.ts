// Phase 3 of the pipeline: who is calling. Verifies the access token (JWT through JWKS, or opaque through
// introspection), refuses revoked tokens and disabled subjects, enforces sender constraints (DPoP proof and
// cnf.jkt, mTLS certificate and cnf.x5t#S256, and the binding the config requires), checks the scopes the exact
// request needs, and yields the principal. Verified tokens are cached until they expire so the signature is
// checked once per token, not once per request; revocation and binding are checked on every request.
import { randomBytes } from 'node:crypto';
import type { AuthConfig, BindingMode, IssuerConfig } from '../config/auth-schema.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import { AuthError } from './auth-error.ts';
import { DpopVerifier } from './dpop.ts';
import { ExpiringCache } from './expiring-cache.ts';
import { introspect } from './introspection.ts';
import { JwtVerifier } from './jwt-verifier.ts';
import { type BindingMethod, type Principal, principalFromClaims, scopesOf } from './principal.ts';
import type { RevocationList } from './revocations.ts';

export interface AuthRequest {
  authorization: string | undefined;
  dpop: string | undefined;
  httpMethod: string;
  /** Thumbprint (SHA-256, base64url of the DER) of the verified TLS client certificate, if any. */
  clientCertThumbprint: string | undefined;
  rpcMethod: string;
  server: string | undefined;
  tool: string | undefined;
}

export interface Authenticated {
  principal: Principal;
  /** The raw token, kept only for RFC 8693 token exchange toward an upstream; never logged or forwarded. */
  token: string;
}

interface VerifiedToken {
  claims: JsonObject;
  issuer: IssuerConfig;
}

const TOKEN_CACHE_MAX = 50_000;
const INACTIVE_CACHE_MS = 30_000;

function ownList(record: Record<string, string[]>, key: string): string[] {
  return Object.hasOwn(record, key) ? (record[key] ?? []) : [];
}

export class Authenticator {
  readonly config: AuthConfig;
  readonly resource: string;
  private readonly jwt: JwtVerifier;
  private readonly dpop: DpopVerifier;
  private readonly revocations: RevocationList;
  private readonly verified: ExpiringCache<VerifiedToken>;
  private readonly inactive: ExpiringCache<true>;
  private readonly baseDir: string;
  private readonly now: () => number;

  constructor(
    config: AuthConfig,
    resource: string,
    revocations: RevocationList,
    baseDir: string,
    now: () => number = Date.now,
  ) {
    this.config = config;
    this.resource = resource;
    this.revocations = revocations;
    this.baseDir = baseDir;
    this.now = now;
    this.verified = new ExpiringCache(TOKEN_CACHE_MAX, now);
    this.inactive = new ExpiringCache(TOKEN_CACHE_MAX, now);
    this.jwt = new JwtVerifier({
      issuers: config.issuers,
      resource,
      clockSkewSec: config.clockSkewSec,
      jwksRefreshMinMs: config.jwksRefreshMinMs,
      now,
    });
    this.dpop = new DpopVerifier({
      algorithms: config.dpop.algorithms,
      iatWindowSec: config.dpop.iatWindowSec,
      requireNonce: config.dpop.requireNonce,
      nonceKey: randomBytes(32),
      now,
    });
  }

  /** A fresh DPoP nonce for the DPoP-Nonce response header (when nonces are required). */
  dpopNonce(): string | undefined {
    return this.config.dpop.requireNonce ? this.dpop.nonce() : undefined;
  }

  /** Scopes the request needs: global, per method, per server and per tool. */
  requiredScopes(rpcMethod: string, server: string | undefined, tool: string | undefined): string[] {
    const { scopes } = this.config;
    const needed = new Set(scopes.required);
    // Own-property lookups: method and tool names come from the request (`constructor`, `__proto__`, ...).
    for (const s of ownList(scopes.methods, rpcMethod)) needed.add(s);
    if (server !== undefined) for (const s of ownList(scopes.servers, server)) needed.add(s);
    if (tool !== undefined) for (const s of ownList(scopes.tools, tool)) needed.add(s);
    return [...needed];
  }

  /** Binding modes in force for a request: the global one and the server's. */
  bindingModes(server: string | undefined): BindingMode[] {
    const modes: BindingMode[] = [this.config.binding.require];
    const servers = this.config.binding.servers;
    const forServer = server !== undefined && Object.hasOwn(servers, server) ? servers[server] : undefined;
    if (forServer !== undefined) modes.push(forServer);
    return modes.filter((m) => m !== 'none');
  }

  async authenticate(request: AuthRequest): Promise<Authenticated> {
    const { scheme, token } = parseAuthorization(request.authorization);
    const verified = await this.verifyToken(token);
    const { claims, issuer } = verified;
    const subject = typeof claims['sub'] === 'string' && claims['sub'] !== '' ? claims['sub'] : undefined;
    // Every call is attributed to one caller: a token naming neither a subject nor a client names nobody.
    if (
      subject === undefined &&
      typeof claims['client_id'] !== 'string' &&
      typeof claims['azp'] !== 'string'
    ) {
      throw new AuthError('RAMPART_TOKEN_MALFORMED', { detail: 'The access token names no subject.' });
    }
    if (this.revocations.isTokenRevoked(typeof claims['jti'] === 'string' ? claims['jti'] : undefined)) {
      throw new AuthError('RAMPART_TOKEN_REVOKED');
    }
    if (subject !== undefined && this.revocations.isSubjectDisabled(issuer.issuer, subject)) {
      throw new AuthError('RAMPART_SUBJECT_DISABLED');
    }
    const binding = await this.checkBinding(scheme, token, claims, request);
    const needed = this.requiredScopes(request.rpcMethod, request.server, request.tool);
    const granted = new Set(scopesOf(claims));
    const missing = needed.filter((s) => !granted.has(s));
    if (missing.length > 0) throw new AuthError('RAMPART_INSUFFICIENT_SCOPE', { scope: needed });
    return { principal: principalFromClaims(claims, issuer, binding), token };
  }

  private async verifyToken(token: string): Promise<VerifiedToken> {
    const cached = this.verified.get(token);
    if (cached) return cached;
    if (this.inactive.has(token)) throw new AuthError('RAMPART_TOKEN_INACTIVE');
    const jwt = this.jwt.issuerOf(token) !== undefined || looksLikeJwt(token);
    let result: VerifiedToken;
    try {
      result = jwt ? await this.jwt.verify(token) : await this.introspect(token);
    } catch (err) {
      // Remember inactive opaque tokens briefly, so random tokens cannot make Rampart hammer the IdP.
      if (!jwt && err instanceof AuthError && err.code === 'RAMPART_TOKEN_INACTIVE') {
        this.inactive.set(token, true, this.now() + INACTIVE_CACHE_MS);
      }
      throw err;
    }
    const exp = typeof result.claims['exp'] === 'number' ? result.claims['exp'] * 1000 : this.now() + 60_000;
    // A JWT stays valid until exp plus the allowed skew; an introspected token exactly until exp, and no longer
    // than the configured bound (so a revocation at the IdP shows within it).
    const until = jwt
      ? exp + this.config.clockSkewSec * 1000
      : Math.min(exp, this.now() + (result.issuer.introspection?.maxCacheMs ?? 0));
    this.verified.set(token, result, until);
    return result;
  }

  private introspect(token: string): Promise<VerifiedToken> {
    if (!this.config.issuers.some((i) => i.introspection)) throw new AuthError('RAMPART_TOKEN_MALFORMED');
    return introspect(token, this.config.issuers, this.resource, this.baseDir, this.now());
  }

  private async checkBinding(
    scheme: 'bearer' | 'dpop',
    token: string,
    claims: JsonObject,
    request: AuthRequest,
  ): Promise<BindingMethod> {
    const cnf = isObject(claims['cnf']) ? claims['cnf'] : {};
    const jkt = typeof cnf['jkt'] === 'string' ? cnf['jkt'] : undefined;
    const x5t = typeof cnf['x5t#S256'] === 'string' ? cnf['x5t#S256'] : undefined;
    let binding: BindingMethod = 'bearer';
    if (jkt !== undefined) {
      // RFC 9449 §7.1: a DPoP-bound token must come with the DPoP scheme and a proof by the bound key.
      if (scheme !== 'dpop' || request.dpop === undefined) throw new AuthError('RAMPART_DPOP_REQUIRED');
      const proofKey = await this.dpop.verify({
        proof: request.dpop,
        method: request.httpMethod,
        url: this.resource,
        accessToken: token,
      });
      if (proofKey !== jkt) throw new AuthError('RAMPART_DPOP_KEY_MISMATCH');
      binding = 'dpop';
    } else if (scheme === 'dpop') {
      throw new AuthError('RAMPART_DPOP_INVALID', {
        detail: 'The token is not DPoP-bound; use the Bearer scheme.',
      });
    }
    if (x5t !== undefined) {
      // RFC 8705 §3: a certificate-bound token is only good over a TLS connection with that certificate.
      if (request.clientCertThumbprint === undefined) throw new AuthError('RAMPART_MTLS_REQUIRED');
      if (request.clientCertThumbprint !== x5t) throw new AuthError('RAMPART_MTLS_CERT_MISMATCH');
      if (binding === 'bearer') binding = 'mtls';
    }
    for (const mode of this.bindingModes(request.server)) {
      if (mode === 'dpop' && jkt === undefined) throw new AuthError('RAMPART_DPOP_REQUIRED');
      if (mode === 'mtls' && x5t === undefined) throw new AuthError('RAMPART_MTLS_REQUIRED');
      if (mode === 'any' && binding === 'bearer') throw new AuthError('RAMPART_BINDING_REQUIRED');
    }
    return binding;
  }
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);
}

function parseAuthorization(header: string | undefined): { scheme: 'bearer' | 'dpop'; token: string } {
  if (header === undefined || header.trim() === '') throw new AuthError('RAMPART_TOKEN_MISSING');
  const match = /^(Bearer|DPoP)\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  if (!match) throw new AuthError('RAMPART_TOKEN_MALFORMED');
  return { scheme: match[1]!.toLowerCase() === 'dpop' ? 'dpop' : 'bearer', token: match[2]! };
}
