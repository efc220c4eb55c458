// private_key_jwt client authentication (RFC 7523 §2.2): a short-lived JWT signed with the client's key, whose
// iss and sub are the client id and whose audience is the authorization server.
import { randomUUID } from 'node:crypto';
import { type CryptoKey, importPKCS8, SignJWT } from 'jose';
import { authFailed } from './auth-error.ts';

const ASSERTION_LIFETIME_SEC = 60;

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A signer for one client key; the PEM is imported once per PEM value (rotation re-imports). */
export function clientAssertionSigner(clientId: string, algorithm: string, pem: () => string) {
  let cached: { pem: string; key: Promise<CryptoKey> } | undefined;
  return async (audience: string): Promise<string> => {
    const current = pem();
    if (cached?.pem !== current) cached = { pem: current, key: importPKCS8(current, algorithm) };
    let key: CryptoKey;
    try {
      key = await cached.key;
    } catch {
      cached = undefined;
      throw authFailed('client_key_invalid', `the client private key is not a PKCS#8 ${algorithm} key`);
    }
    return new SignJWT({})
      .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ASSERTION_LIFETIME_SEC}s`)
      .setJti(randomUUID())
      .sign(key);
  };
}
