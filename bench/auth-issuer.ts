// The token issuer of the authenticated rows: an ES256 key pair and a loopback JWKS endpoint, run inside the
// orchestrator (pinned to the load generator's core), so it counts as neither proxy nor upstream. Rampart
// fetches the JWKS once per key set; after the warm pass every token it sees is in its verified-token cache.
// It also mints the client material the load generator reads (auth-client.ts): one access token per virtual
// client and, for DPoP, one client key pair per token whose thumbprint is the token's cnf.jkt.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { AuthMode, ClientAuthFile } from './auth-client.ts';

export type Issuer = { issuer: string; jwksUri: string; stop: () => Promise<void> };

/** Long enough for any bench run: the verified-token cache keeps a token until it expires. */
const TOKEN_LIFETIME_S = 6 * 3600;

/**
 * Starts the JWKS endpoint on `port` and writes `file` (mode 0600) with `clients` tokens for `resource`:
 * bearer tokens, or DPoP-bound ones with the client's private key next to each.
 */
export async function startIssuer(o: {
  port: number;
  resource: string;
  mode: AuthMode;
  clients: number;
  file: string;
}): Promise<Issuer> {
  const pair = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${o.port}`;
  const iat = Math.floor(Date.now() / 1000);

  const tokens: ClientAuthFile['tokens'] = [];
  for (let i = 0; i < o.clients; i++) {
    const claims: Record<string, unknown> = { scope: 'mcp', client_id: `bench-agent-${i}` };
    let dpopKey: ClientAuthFile['tokens'][number]['dpopKey'];
    if (o.mode === 'dpop') {
      const client = await generateKeyPair('ES256', { extractable: true });
      const pub = await exportJWK(client.publicKey);
      claims['cnf'] = { jkt: await calculateJwkThumbprint(pub, 'sha256') };
      dpopKey = await exportJWK(client.privateKey);
    }
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(o.resource)
      .setSubject(`bench-user-${i}`)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_LIFETIME_S)
      .setJti(randomUUID())
      .sign(pair.privateKey);
    tokens.push(dpopKey ? { token, dpopKey } : { token });
  }
  const material: ClientAuthFile = { mode: o.mode, htu: o.resource, tokens };
  writeFileSync(o.file, JSON.stringify(material), { mode: 0o600 });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
