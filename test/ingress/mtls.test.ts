// The TLS listener with client certificates (mTLS): certificate-bound tokens (RFC 8705) are accepted only over a
// connection that presents the very certificate they are bound to, verified against the configured CA.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { type ClientCert, makePki, type Pki } from '../helpers/certs.ts';
import { type LocalIssuer, startLocalIssuer } from '../helpers/local-issuer.ts';
import { MODERN, modernMeta } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

describe('mTLS and certificate-bound tokens', () => {
  let pki: Pki;
  let idp: LocalIssuer;
  let gw: Started;
  const RESOURCE = 'https://rampart.test/mcp';

  before(async () => {
    pki = makePki();
    idp = await startLocalIssuer(RESOURCE);
    gw = await startRampart({
      servers: [fixtureServer('fx', 'legacy')],
      tls: { cert: pki.server.certPath, key: pki.server.keyPath, clientCa: pki.ca.certPath },
      auth: {
        resource: RESOURCE,
        issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }],
        binding: { servers: { fx: 'any' } },
      },
    });
  });
  after(async () => {
    await gw.stop();
    await idp.stop();
    pki.remove();
  });

  async function call(token: string, cert: ClientCert | undefined) {
    const dispatcher = new Agent({
      connect: { ca: pki.ca.cert, ...(cert ? { cert: cert.cert, key: cert.key } : {}) },
    });
    try {
      const res = await request(gw.url, {
        method: 'POST',
        dispatcher,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/call',
          'mcp-name': 'fx__echo',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'fx__echo', arguments: { text: 'tls' }, _meta: modernMeta() },
        }),
      });
      const body = (await res.body.json()) as { error?: { data?: { code?: string } } };
      return { status: res.statusCode, code: body.error?.data?.code };
    } finally {
      await dispatcher.close();
    }
  }

  it('serves HTTPS', () => {
    assert.match(gw.url, /^https:/);
  });

  it('accepts a certificate-bound token over a connection with that certificate', async () => {
    const token = await idp.sign({ cnf: { 'x5t#S256': pki.clientA.thumbprint } });
    assert.deepEqual(await call(token, pki.clientA), { status: 200, code: undefined });
    const event = gw.events.findLast((e) => e.method === 'tools/call');
    assert.equal(event?.principal?.binding, 'mtls');
  });

  it('refuses it without the certificate, with another certificate, or with an untrusted one', async () => {
    const token = await idp.sign({ cnf: { 'x5t#S256': pki.clientA.thumbprint } });
    assert.deepEqual(await call(token, undefined), { status: 401, code: 'RAMPART_MTLS_REQUIRED' });
    assert.deepEqual(await call(token, pki.clientB), { status: 401, code: 'RAMPART_MTLS_CERT_MISMATCH' });
    assert.deepEqual(await call(token, pki.untrusted), { status: 401, code: 'RAMPART_MTLS_REQUIRED' });
  });

  it('refuses a plain bearer token where the server requires a sender-constrained one', async () => {
    const bearer = await idp.sign({});
    assert.deepEqual(await call(bearer, pki.clientA), { status: 401, code: 'RAMPART_BINDING_REQUIRED' });
  });
});
