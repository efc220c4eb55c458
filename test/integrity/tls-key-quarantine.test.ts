// A TLS key pinned on first use: when the upstream later presents another key, the new connection is refused before
// any request byte is written, the key change is held for review like any rug pull (its diff names `spki`), and
// approving it restores service. Certificates are made by the test; the server is on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CertFiles, makePki, makeServerCert, opensslSpkiPin, type Pki } from '../helpers/certs.ts';
import { type HttpsFixture, startHttpsFixture } from '../helpers/https-fixture.ts';
import { modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { type Started, startRampart } from '../helpers/rampart.ts';

describe('TLS keys pinned on first use', () => {
  let pki: Pki;
  let rotated: CertFiles;
  let fixture: HttpsFixture;
  let gw: Started;

  before(async () => {
    pki = makePki();
    rotated = makeServerCert(pki, 'server-rotated');
    fixture = await startHttpsFixture(pki.server);
    gw = await startRampart({
      integrity: { mode: 'tofu', pollMs: 25 },
      servers: [{ name: 'fx', url: fixture.url, era: 'modern', tls: { ca: pki.ca.certPath } }],
    });
  });
  after(async () => {
    await gw?.stop();
    await fixture?.close();
    pki?.remove();
  });

  const echo = (text: string) =>
    modernRequest(gw.url, 'tools/call', { name: 'fx__echo', arguments: { text } });

  it('pins the first key with the identity, holds a new key for review, and serves again once it is approved', async () => {
    // Every answer closes its connection, so each request needs a new socket (and presents the key it has).
    fixture.closeAfterEachAnswer = true;
    assert.match(JSON.stringify(rpcResult(await echo('first key'))), /first key/);
    const store = gw.rampart.integrity.quarantine.store;
    const identity = store.pins('fx').find((p) => p.kind === 'identity');
    assert.deepEqual(identity?.definition, {
      name: 'rampart-conformance-fixture',
      spki: opensslSpkiPin(pki.server.certPath),
    });

    fixture.use(rotated);
    const before = fixture.requests;
    const refused = rpcError(await echo('must not arrive'));
    assert.equal(refused.data.code, 'RAMPART_SERVER_QUARANTINED');
    assert.equal(fixture.requests, before, 'no request reached the server on the new key');
    const change = store.changes('pending').find((c) => c.kind === 'identity');
    assert.ok(change, 'the key change is pending');
    assert.equal((change.newDefinition as { spki: string }).spki, opensslSpkiPin(rotated.certPath));

    gw.rampart.integrity.quarantine.approve(change.id, 'ops', 'planned key rotation');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const answer = await echo('after approval');
      if (answer.response && 'result' in answer.response) break;
      assert.ok(Date.now() < deadline, 'service did not come back after approval');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
