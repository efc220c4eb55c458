// The client side of the authenticated rows, shared by the load generator and the readiness probe: reads the
// material the issuer wrote (auth-issuer.ts) and gives the headers of one request of one virtual client.
// Bearer: `Authorization: Bearer <jwt>`, a constant per client. DPoP: `Authorization: DPoP <jwt>` plus a new
// proof (RFC 9449 §4.2) per request, signed with jose's SignJWT, so its cost lands where a real client pays
// it, in the load generator. Only what is constant per client is prepared up front (key import, public JWK,
// ath); iat and jti are new in every proof, as Rampart's replay cache demands.
import type { webcrypto } from 'node:crypto';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { importJWK, SignJWT } from 'jose';

export type AuthMode = 'bearer' | 'dpop';

/** The material file: written by the orchestrator (mode 0600, in its scratch directory), read here. */
export type ClientAuthFile = {
  mode: AuthMode;
  /** The resource URL the proofs name (htu); Rampart compares it with its configured `auth.resource`. */
  htu: string;
  /** One per virtual client (client i uses tokens[i % length]); `dpopKey` is the private JWK of a DPoP client. */
  tokens: { token: string; dpopKey?: JWK }[];
};

export type AuthHeaders = (client: number, method: 'POST' | 'DELETE') => Promise<Record<string, string>>;

type Prepared = {
  authorization: string;
  key?: webcrypto.CryptoKey;
  header?: { alg: 'ES256'; typ: 'dpop+jwt'; jwk: JWK };
  ath?: string;
};

export async function loadClientAuth(mode: AuthMode, file: string): Promise<AuthHeaders> {
  const material = JSON.parse(readFileSync(file, 'utf8')) as ClientAuthFile;
  if (material.mode !== mode) throw new Error(`--auth ${mode}, but ${file} holds ${material.mode} material`);
  if (!material.tokens.length) throw new Error(`${file} holds no tokens`);
  const clients: Prepared[] = await Promise.all(
    material.tokens.map(async ({ token, dpopKey }): Promise<Prepared> => {
      if (mode === 'bearer') return { authorization: `Bearer ${token}` };
      if (!dpopKey) throw new Error(`${file}: DPoP token without a client key`);
      const { d: _private, ...jwk } = dpopKey;
      return {
        authorization: `DPoP ${token}`,
        key: (await importJWK(dpopKey, 'ES256')) as webcrypto.CryptoKey,
        header: { alg: 'ES256', typ: 'dpop+jwt', jwk },
        ath: createHash('sha256').update(token).digest('base64url'),
      };
    }),
  );
  const { htu } = material;
  return async (client, method): Promise<Record<string, string>> => {
    const c = clients[client % clients.length] as Prepared;
    if (!c.key || !c.header) return { authorization: c.authorization };
    const proof = await new SignJWT({ htm: method, htu, jti: randomUUID(), ath: c.ath })
      .setProtectedHeader(c.header)
      .setIssuedAt()
      .sign(c.key);
    return { authorization: c.authorization, dpop: proof };
  };
}
