// Signature checks of DPoP proofs with node:crypto directly and a cache of imported proof keys: a client signs
// every proof with the same key, so importing it and computing its thumbprint once per key (not per request) is
// most of the per-request cost saved (the bench measured ~70 µs of the ~290 µs in key import and thumbprint).
import { constants, createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ExpiringCache } from './expiring-cache.ts';

export interface ProofKey {
  key: KeyObject;
  /** RFC 7638 thumbprint, the value a bound token's cnf.jkt holds. */
  jkt: string;
}

const KEY_CACHE_MAX = 10_000;
const KEY_CACHE_TTL_MS = 10 * 60_000;

/** The members RFC 7638 uses for each key type; also what identifies a key in the cache. */
function identity(jwk: JWK): string | undefined {
  if (jwk.kty === 'EC') return `EC|${jwk.crv}|${jwk.x}|${jwk.y}`;
  if (jwk.kty === 'RSA') return `RSA|${jwk.e}|${jwk.n}`;
  if (jwk.kty === 'OKP') return `OKP|${jwk.crv}|${jwk.x}`;
  return undefined;
}

export class ProofKeyCache {
  private readonly cache: ExpiringCache<ProofKey>;
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
    this.cache = new ExpiringCache(KEY_CACHE_MAX, now);
  }

  /** The imported public key and its thumbprint; undefined for a malformed or private key. */
  async get(jwk: JWK): Promise<ProofKey | undefined> {
    const id = identity(jwk);
    if (id === undefined || 'd' in jwk) return undefined;
    const cached = this.cache.get(id);
    if (cached) return cached;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      return undefined;
    }
    const entry = { key, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    this.cache.set(id, entry, this.now() + KEY_CACHE_TTL_MS);
    return entry;
  }
}

const CURVE_OF: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521', EdDSA: 'Ed25519' };

/** True when the key's type fits the algorithm (an EC algorithm must use its own curve). */
export function keyFitsAlgorithm(alg: string, jwk: JWK): boolean {
  if (alg.startsWith('ES') || alg === 'EdDSA')
    return jwk.crv === CURVE_OF[alg] || (alg === 'EdDSA' && jwk.crv === 'Ed448');
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  return false;
}

/** Verifies a JWS signature over `signingInput` with the algorithm named in the header. */
export function verifySignature(
  alg: string,
  key: KeyObject,
  signingInput: string,
  signature: Buffer,
): boolean {
  const data = Buffer.from(signingInput, 'ascii');
  try {
    switch (alg) {
      case 'ES256':
        return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'ES384':
        return verify('sha384', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'ES512':
        return verify('sha512', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'RS256':
      case 'RS384':
      case 'RS512':
        return verify(`sha${alg.slice(2)}`, data, key, signature);
      case 'PS256':
      case 'PS384':
      case 'PS512':
        return verify(
          `sha${alg.slice(2)}`,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 },
          signature,
        );
      case 'EdDSA':
        return verify(null, data, key, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
