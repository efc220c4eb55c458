// Opaque access tokens through RFC 7662 introspection, answers cached no longer than the token lives (and no
// longer than the configured bound, so a revocation at the IdP shows within that bound).
import type { IssuerConfig } from '../config/auth-schema.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import { readSecret } from '../upstream/credentials/secret.ts';
import { AuthError } from './auth-error.ts';

export interface Introspected {
  claims: JsonObject;
  issuer: IssuerConfig;
}

/** Asks each issuer that has an introspection endpoint; the first `active: true` answer wins. */
export async function introspect(
  token: string,
  issuers: readonly IssuerConfig[],
  resource: string,
  baseDir: string,
  nowMs: number,
): Promise<Introspected> {
  let reachable = false;
  for (const issuer of issuers) {
    const config = issuer.introspection;
    if (!config) continue;
    const basic = Buffer.from(
      `${encodeURIComponent(config.clientId)}:${encodeURIComponent(readSecret(config.clientSecret, baseDir))}`,
    ).toString('base64');
    let answer: unknown;
    try {
      const res = await fetch(config.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(5_000),
        redirect: 'error',
      });
      if (!res.ok) continue;
      answer = await res.json();
      reachable = true;
    } catch {
      continue;
    }
    if (!isObject(answer) || answer['active'] !== true) continue;
    if (typeof answer['iss'] === 'string' && answer['iss'] !== issuer.issuer) continue;
    const aud = answer['aud'];
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.includes(resource)) throw new AuthError('RAMPART_TOKEN_WRONG_AUDIENCE');
    if (typeof answer['exp'] === 'number' && answer['exp'] * 1000 <= nowMs)
      throw new AuthError('RAMPART_TOKEN_EXPIRED');
    if (typeof answer['nbf'] === 'number' && answer['nbf'] * 1000 > nowMs)
      throw new AuthError('RAMPART_TOKEN_NOT_YET_VALID');
    return { claims: answer, issuer };
  }
  // Fail closed, but say whether the token was judged inactive or could not be judged at all.
  throw new AuthError(reachable ? 'RAMPART_TOKEN_INACTIVE' : 'RAMPART_AUTH_UNAVAILABLE');
}
