// A minimal token issuer for tests that need signed tokens but not a whole OpenID provider: an ES256 key pair and
// a loopback JWKS endpoint. (Tests against the real provider use test/helpers/idp.ts.)
import type { webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface LocalIssuer {
  issuer: string;
  jwksUri: string;
  publicJwk: JWK;
  /** How many times the JWKS was fetched (to check refresh rate limits). */
  jwksFetches(): number;
  sign(
    claims: Record<string, unknown>,
    options?: { kid?: string; key?: webcrypto.CryptoKey },
  ): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the JWKS endpoint; `sign` mints RFC 9068 access tokens for `audience` unless the claims say otherwise. */
export async function startLocalIssuer(audience: string, now: () => number = Date.now): Promise<LocalIssuer> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sec = () => Math.floor(now() / 1000);
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    publicJwk,
    jwksFetches: () => fetches,
    sign: (claims, options = {}) =>
      new SignJWT({ scope: 'mcp', client_id: 'agent-app', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1', typ: 'at+jwt' })
        .setIssuer(String(claims['iss'] ?? issuer))
        .setAudience(
          Array.isArray(claims['aud']) ? (claims['aud'] as string[]) : String(claims['aud'] ?? audience),
        )
        .setSubject(String(claims['sub'] ?? 'alice'))
        .setIssuedAt(sec())
        .setExpirationTime(Number(claims['exp'] ?? sec() + 600))
        .setJti(String(claims['jti'] ?? `jti-${Math.random()}`))
        .sign(options.key ?? pair.privateKey),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
