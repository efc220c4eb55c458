// The contract between the HTTP transport and a credential provider: the provider's headers (never anything of
// the caller's) go upstream; on 401/403 the provider sees the whole challenge and the headers that were refused,
// and the retries are bounded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JsonRpcMessage } from '../../../src/core/jsonrpc.ts';
import { createLogger } from '../../../src/monitor/logger.ts';
import { createCredentialProvider } from '../../../src/upstream/credentials/index.ts';
import type { CredentialProvider } from '../../../src/upstream/credentials/provider.ts';
import { StreamableHttpTransport } from '../../../src/upstream/http-transport.ts';
import { type LocalServer, startServer } from './local-server.ts';

describe('HTTP transport with a credential provider', () => {
  let upstream: LocalServer;
  before(async () => {
    upstream = await startServer((req) => {
      const id = (JSON.parse(req.body || '{}') as { id?: number }).id;
      if (req.headers['authorization'] !== 'Bearer good') {
        return {
          status: 401,
          headers: { 'www-authenticate': 'Bearer scope="a", resource_metadata="https://x/prm"' },
          json: { error: 'invalid_token' },
        };
      }
      return { json: { jsonrpc: '2.0', id, result: { ok: true } } };
    });
  });
  after(() => upstream.close());

  async function call(provider: CredentialProvider, subjectToken?: string): Promise<JsonRpcMessage[]> {
    const received: JsonRpcMessage[] = [];
    const transport = new StreamableHttpTransport({
      url: `${upstream.url}/mcp`,
      era: 'legacy',
      headers: {},
      log: createLogger('silent'),
      credentials: provider,
    });
    await transport.start({ onMessage: (m) => received.push(m), onClose: () => undefined });
    try {
      await transport.send(
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { credential: subjectToken ? { subjectToken } : undefined },
      );
    } finally {
      await transport.close();
    }
    return received;
  }

  it('retries with fresh headers after the provider handled the challenge', async () => {
    const seen: Array<{ status: number; header: string | undefined; sent: unknown }> = [];
    let token = 'stale';
    const provider: CredentialProvider = {
      headers: async () => ({ authorization: `Bearer ${token}` }),
      challenge: async (status, header, _context, sent) => {
        seen.push({ status, header, sent });
        token = 'good';
        return true;
      },
    };
    const received = await call(provider, 'the-callers-own-token');
    assert.deepEqual(
      received.map((m) => ('result' in m ? m.result : undefined)),
      [{ ok: true }],
    );
    assert.deepEqual(seen, [
      {
        status: 401,
        header: 'Bearer scope="a", resource_metadata="https://x/prm"',
        sent: { authorization: 'Bearer stale' },
      },
    ]);
    // The caller's token (given for token exchange) never reached the upstream.
    assert.ok(!upstream.requests.some((r) => JSON.stringify(r.headers).includes('the-callers-own-token')));
  });

  it('gives up with the provider, and after a bounded number of retries', async () => {
    let challenges = 0;
    const giveUp: CredentialProvider = {
      headers: async () => ({}),
      challenge: async () => {
        challenges++;
        return false;
      },
    };
    await assert.rejects(call(giveUp), /refused/);
    assert.equal(challenges, 1);
    const forever: CredentialProvider = {
      headers: async () => ({ authorization: 'Bearer bad' }),
      challenge: async () => {
        challenges++;
        return true;
      },
    };
    challenges = 0;
    const received = await call(forever);
    assert.equal(challenges, 2);
    assert.equal(received.length, 1); // the 401 surfaced as an error response, not an endless loop
  });

  it('builds every configured credential type', () => {
    const secret = { env: 'RAMPART_TEST_ANY' };
    const url = 'https://mcp.example.com/mcp';
    for (const spec of [
      { type: 'static' as const, header: 'authorization', scheme: 'Bearer', secret },
      {
        type: 'client_credentials' as const,
        clientId: 'c',
        clientSecret: secret,
        signingAlgorithm: 'ES256' as const,
      },
      {
        type: 'token_exchange' as const,
        tokenEndpoint: 'https://as/token',
        clientId: 'c',
        clientSecret: secret,
        authMethod: 'client_secret_basic' as const,
        subjectTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      },
      {
        type: 'identity_assertion' as const,
        idp: { tokenEndpoint: 'https://idp/token', clientId: 'i', subjectTokenType: 'x' },
        clientId: 'c',
        clientSecret: secret,
        authMethod: 'client_secret_basic' as const,
      },
      { type: 'oauth' as const, clientName: 'Rampart' },
    ]) {
      assert.equal(typeof createCredentialProvider(spec, url, '/')?.headers, 'function', spec.type);
    }
    assert.equal(createCredentialProvider(undefined, url, '/'), undefined);
  });
});
