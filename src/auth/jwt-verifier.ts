// JWT access tokens (RFC 9068) through each trusted issuer's JWKS: asymmetric algorithms only (never `none`, never
// HMAC, so a public key can never be used as an HMAC secret), exact `iss`, `aud` equal to Rampart's resource URL
// (RFC 8707), exp/nbf/iat with a bounded skew. JWKS rotation is followed; an unknown `kid` refreshes the set at
// most once per `jwksRefreshMinMs`.
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { IssuerConfig } from '../config/auth-schema.ts';
import type { JsonObject } from '../core/jsonrpc.ts';
import type { ErrorCode } from '../errors.ts';
import { AuthError } from './auth-error.ts';

export interface VerifiedJwt {
  claims: JsonObject;
  issuer: IssuerConfig;
}

export interface JwtVerifierOptions {
  issuers: readonly IssuerConfig[];
  resource: string;
  clockSkewSec: number;
  jwksRefreshMinMs: number;
  now: () => number;
}

type KeyResolver = ReturnType<typeof createRemoteJWKSet>;

export class JwtVerifier {
  private readonly options: JwtVerifierOptions;
  private readonly keySets = new Map<string, Promise<KeyResolver>>();

  constructor(options: JwtVerifierOptions) {
    this.options = options;
  }

  /** The configured issuer a token claims to come from (unverified `iss`), or undefined. */
  issuerOf(token: string): IssuerConfig | undefined {
    try {
      const iss = decodeJwt(token).iss;
      return this.options.issuers.find((i) => i.issuer === iss);
    } catch {
      return undefined;
    }
  }

  async verify(token: string): Promise<VerifiedJwt> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new AuthError('RAMPART_TOKEN_MALFORMED');
    }
    if (alg === undefined || alg === 'none' || alg.startsWith('HS'))
      throw new AuthError('RAMPART_TOKEN_ALG_NOT_ALLOWED');
    const issuer = this.issuerOf(token);
    if (!issuer) throw new AuthError('RAMPART_TOKEN_WRONG_ISSUER');
    if (!issuer.algorithms.includes(alg as (typeof issuer.algorithms)[number])) {
      throw new AuthError('RAMPART_TOKEN_ALG_NOT_ALLOWED');
    }
    const keys = await this.keySet(issuer);
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: issuer.issuer,
        audience: this.options.resource,
        algorithms: issuer.algorithms,
        clockTolerance: this.options.clockSkewSec,
        currentDate: new Date(this.options.now()),
        requiredClaims: ['exp'],
      });
      this.checkIssuedAt(payload);
      // RFC 8707: a token for Rampart names Rampart alone; one minted for several audiences is refused.
      const aud = payload.aud;
      if (Array.isArray(aud) && aud.length !== 1) throw new AuthError('RAMPART_TOKEN_WRONG_AUDIENCE');
      return { claims: payload as JsonObject, issuer };
    } catch (err) {
      if (err instanceof AuthError) throw err;
      throw new AuthError(mapJoseError(err));
    }
  }

  /** `iat` in the future beyond the skew means a broken or forged token. */
  private checkIssuedAt(payload: JWTPayload): void {
    if (
      typeof payload.iat === 'number' &&
      payload.iat * 1000 > this.options.now() + this.options.clockSkewSec * 1000
    ) {
      throw new AuthError('RAMPART_TOKEN_NOT_YET_VALID');
    }
  }

  private keySet(issuer: IssuerConfig): Promise<KeyResolver> {
    let pending = this.keySets.get(issuer.issuer);
    if (!pending) {
      pending = this.discoverJwks(issuer).then((uri) =>
        createRemoteJWKSet(new URL(uri), {
          cooldownDuration: this.options.jwksRefreshMinMs,
          cacheMaxAge: 10 * 60_000,
        }),
      );
      pending.catch(() => this.keySets.delete(issuer.issuer));
      this.keySets.set(issuer.issuer, pending);
    }
    return pending;
  }

  private async discoverJwks(issuer: IssuerConfig): Promise<string> {
    if (issuer.jwksUri) return issuer.jwksUri;
    const base = issuer.issuer.replace(/\/$/, '');
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      try {
        const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
        if (!res.ok) continue;
        const metadata = (await res.json()) as { issuer?: string; jwks_uri?: string };
        if (metadata.issuer === issuer.issuer && typeof metadata.jwks_uri === 'string')
          return metadata.jwks_uri;
      } catch {
        // try the next well-known location
      }
    }
    throw new AuthError('RAMPART_AUTH_UNAVAILABLE', { detail: 'issuer metadata unavailable' });
  }
}

function mapJoseError(err: unknown): ErrorCode {
  if (err instanceof errors.JWTExpired) return 'RAMPART_TOKEN_EXPIRED';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || err.claim === 'iat') return 'RAMPART_TOKEN_NOT_YET_VALID';
    if (err.claim === 'aud') return 'RAMPART_TOKEN_WRONG_AUDIENCE';
    if (err.claim === 'iss') return 'RAMPART_TOKEN_WRONG_ISSUER';
    return 'RAMPART_TOKEN_MALFORMED';
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return 'RAMPART_TOKEN_ALG_NOT_ALLOWED';
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return 'RAMPART_TOKEN_UNKNOWN_KEY';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'RAMPART_TOKEN_BAD_SIGNATURE';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
    return 'RAMPART_AUTH_UNAVAILABLE';
  if (err instanceof errors.JOSEError) return 'RAMPART_TOKEN_MALFORMED';
  return 'RAMPART_AUTH_UNAVAILABLE';
}
