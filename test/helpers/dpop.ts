// DPoP proofs for tests (RFC 9449 §4.2), made with jose like a real client would.
import { createHash, randomUUID, type webcrypto } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';

export interface ProofInput {
  key: webcrypto.CryptoKeyPair;
  htm: string;
  htu: string;
  accessToken?: string;
  iat?: number;
  jti?: string;
  nonce?: string;
}

export async function dpopProof(input: ProofInput): Promise<string> {
  const claims: Record<string, unknown> = { htm: input.htm, htu: input.htu, jti: input.jti ?? randomUUID() };
  if (input.accessToken !== undefined)
    claims['ath'] = createHash('sha256').update(input.accessToken).digest('base64url');
  if (input.nonce !== undefined) claims['nonce'] = input.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(input.key.publicKey) })
    .setIssuedAt(input.iat ?? Math.floor(Date.now() / 1000))
    .sign(input.key.privateKey);
}
