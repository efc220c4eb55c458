// DPoP proofs (RFC 9449): the proof is a JWT signed by the holder's key (typ dpop+jwt, public jwk in the header)
// for this exact method and URL (htm/htu), recent (iat window), used once (jti replay cache), bound to the token
// (ath) and, where required, to a server nonce. The token's cnf.jkt must be the thumbprint of the proof key.
// Signatures are checked with node:crypto against a per-key cache (see proof-key.ts): this runs on every request.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { JWK } from 'jose';
import { AuthError } from './auth-error.ts';
import { ExpiringCache } from './expiring-cache.ts';
import { keyFitsAlgorithm, ProofKeyCache, verifySignature } from './proof-key.ts';

/** Proof ids remembered at once (each for the iat window); beyond it new proofs are refused, not old ones forgotten. */
const REPLAY_CACHE_MAX = 200_000;

export interface DpopOptions {
  algorithms: readonly string[];
  iatWindowSec: number;
  requireNonce: boolean;
  nonceKey: Buffer;
  now: () => number;
}

export interface DpopCheck {
  proof: string;
  method: string;
  url: string;
  accessToken: string;
}

/** Normalises an htu for comparison: no query or fragment, lower-case scheme and host, no default port. */
export function normalizeHtu(value: string): string | undefined {
  try {
    const url = new URL(value);
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

export class DpopVerifier {
  private readonly options: DpopOptions;
  private readonly seen: ExpiringCache<true>;

  private readonly keys: ProofKeyCache;

  constructor(options: DpopOptions) {
    this.options = options;
    this.seen = new ExpiringCache(REPLAY_CACHE_MAX + 1, options.now);
    this.keys = new ProofKeyCache(options.now);
  }

  /** A nonce valid for the current and the next window (stateless: an HMAC over the time bucket). */
  nonce(): string {
    return this.nonceFor(this.bucket());
  }

  /** Verifies a proof and returns the thumbprint (jkt) of its key. */
  async verify(check: DpopCheck): Promise<string> {
    const { options } = this;
    const parts = check.proof.split('.');
    if (parts.length !== 3 || check.proof.length > 8192) throw new AuthError('RAMPART_DPOP_INVALID');
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    const header = decodeJson(encodedHeader);
    const payload = decodeJson(encodedPayload);
    if (!header || !payload) throw new AuthError('RAMPART_DPOP_INVALID');
    const alg = header['alg'];
    const jwk = header['jwk'];
    if (
      header['typ'] !== 'dpop+jwt' ||
      typeof alg !== 'string' ||
      !options.algorithms.includes(alg) ||
      !isJwk(jwk)
    ) {
      throw new AuthError('RAMPART_DPOP_INVALID');
    }
    if (!keyFitsAlgorithm(alg, jwk)) throw new AuthError('RAMPART_DPOP_INVALID');
    const proofKey = await this.keys.get(jwk);
    const signature = Buffer.from(encodedSignature, 'base64url');
    if (!proofKey || !verifySignature(alg, proofKey.key, `${encodedHeader}.${encodedPayload}`, signature)) {
      throw new AuthError('RAMPART_DPOP_INVALID');
    }
    if (payload['htm'] !== check.method || normalizeHtu(String(payload['htu'])) !== normalizeHtu(check.url)) {
      throw new AuthError('RAMPART_DPOP_WRONG_TARGET');
    }
    const iat = payload['iat'];
    const windowMs = options.iatWindowSec * 1000;
    if (typeof iat !== 'number' || Math.abs(iat * 1000 - options.now()) > windowMs) {
      throw new AuthError('RAMPART_DPOP_INVALID', {
        detail: 'The DPoP proof is too old or from the future.',
      });
    }
    const ath = createHash('sha256').update(check.accessToken).digest('base64url');
    if (payload['ath'] !== ath)
      throw new AuthError('RAMPART_DPOP_INVALID', { detail: 'The DPoP proof is for another token.' });
    if (options.requireNonce && !this.validNonce(payload['nonce'])) {
      throw new AuthError('RAMPART_DPOP_NONCE_REQUIRED', { dpopNonce: this.nonce() });
    }
    const jti = payload['jti'];
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
      throw new AuthError('RAMPART_DPOP_INVALID');
    const key = `${proofKey.jkt}:${jti}`;
    if (this.seen.has(key)) throw new AuthError('RAMPART_DPOP_REPLAYED');
    // A full replay cache would have to forget live proofs (which could then be replayed): refuse instead.
    if (this.seen.size >= REPLAY_CACHE_MAX) this.seen.prune();
    if (this.seen.size >= REPLAY_CACHE_MAX) throw new AuthError('RAMPART_AUTH_UNAVAILABLE');
    this.seen.set(key, true, iat * 1000 + windowMs);
    return proofKey.jkt;
  }

  private bucket(): number {
    return Math.floor(this.options.now() / (this.options.iatWindowSec * 1000));
  }

  private nonceFor(bucket: number): string {
    const mac = createHmac('sha256', this.options.nonceKey).update(String(bucket)).digest().subarray(0, 16);
    return `${bucket.toString(36)}.${mac.toString('base64url')}`;
  }

  private validNonce(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const current = this.bucket();
    return [current, current - 1].some((bucket) => {
      const expected = Buffer.from(this.nonceFor(bucket));
      const given = Buffer.from(value);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isJwk(value: unknown): value is JWK {
  return typeof value === 'object' && value !== null && typeof (value as JWK).kty === 'string';
}
