// Upstream server identity over TLS: SPKI pins (with rotation), a private CA through `tls.ca` only (never
// NODE_TLS_REJECT_UNAUTHORIZED), the TLS server name, the key recorded per connection for first-use pinning, and
// plain http limited to loopback peers. Every certificate is made by the test; every server is on 127.0.0.1.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { JsonRpcMessage } from '../../src/core/jsonrpc.ts';
import { RampartError } from '../../src/errors.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import { StreamableHttpTransport } from '../../src/upstream/http-transport.ts';
import { type IdentityOptions, plainPeerAllowed } from '../../src/upstream/identity-connector.ts';
import { PeerKeyTracker } from '../../src/upstream/peer-key-tracker.ts';
import { LegacySseTransport } from '../../src/upstream/sse-transport.ts';
import { type CertFiles, makePki, makeServerCert, opensslSpkiPin, type Pki } from '../helpers/certs.ts';
import { type HttpsFixture, startHttpsFixture } from '../helpers/https-fixture.ts';
import { modernMeta, modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { type Started, startRampart } from '../helpers/rampart.ts';

type LogRecord = Record<string, unknown>;

/** Counts the key checks the connector reports, to show they happen per connection. */
class CountingTracker extends PeerKeyTracker {
  observed = 0;
  override observe(pin: string): void {
    this.observed++;
    super.observe(pin);
  }
}

describe('upstream TLS identity', () => {
  let pki: Pki;
  let rotated: CertFiles;
  let rogue: CertFiles;
  let fixture: HttpsFixture;
  let pin: string;
  let rotatedPin: string;
  let started: Started[] = [];

  before(async () => {
    // The test CA must be trusted only through `tls.ca`: a process-wide override would hide a broken option.
    assert.equal(process.env['NODE_TLS_REJECT_UNAUTHORIZED'], undefined);
    pki = makePki();
    rotated = makeServerCert(pki, 'server-rotated');
    rogue = makeServerCert(pki, 'server-rogue', 'rogue-ca');
    pin = opensslSpkiPin(pki.server.certPath);
    rotatedPin = opensslSpkiPin(rotated.certPath);
    assert.notEqual(pin, rotatedPin);
    fixture = await startHttpsFixture(pki.server);
  });
  after(async () => {
    await fixture.close();
    pki.remove();
  });
  beforeEach(() => {
    fixture.use(pki.server);
    fixture.closeAfterEachAnswer = false;
  });
  afterEach(async () => {
    await Promise.all(started.map((gw) => gw.stop()));
    started = [];
  });

  function upstreamEntry(tls: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return { name: 'fx', url: fixture.url, era: 'modern', tls: { ca: pki.ca.certPath, ...tls }, ...extra };
  }

  async function gateway(
    server: Record<string, unknown>,
    options: { wait?: boolean; logs?: LogRecord[] } = {},
  ): Promise<Started> {
    const logs = options.logs;
    const gw = await startRampart(
      { servers: [server] },
      {
        ...(options.wait === false ? { wait: false } : {}),
        ...(logs ? { logSink: (line: string) => logs.push(JSON.parse(line) as LogRecord) } : {}),
      },
    );
    started.push(gw);
    return gw;
  }

  const echo = (gw: Started, text: string) =>
    modernRequest(gw.url, 'tools/call', { name: 'fx__echo', arguments: { text } });

  it('connects with the right pin, serves a tool call, and reports the key it saw', async () => {
    const gw = await gateway(upstreamEntry({ pins: [`sha256/${pin}`] }));
    const result = rpcResult(await echo(gw, 'through a pinned upstream'));
    assert.match(JSON.stringify(result), /through a pinned upstream/);
    const upstream = gw.rampart.gateway.upstreams[0]!;
    assert.equal(upstream.tlsSpki, pin);
    assert.equal(upstream.identityChanged, false);
  });

  it('refuses a key that is not pinned with RAMPART_UPSTREAM_IDENTITY, logging the server and the key seen', async () => {
    const logs: LogRecord[] = [];
    const gw = await gateway(upstreamEntry({ pins: [`sha256/${rotatedPin}`] }), { wait: false, logs });
    const error = rpcError(await echo(gw, 'must not arrive'));
    assert.equal(error.data.code, 'RAMPART_UPSTREAM_IDENTITY');
    assert.equal(error.data['reason'], 'pin-mismatch');
    const upstream = gw.rampart.gateway.upstreams[0]!;
    assert.equal(upstream.status, 'down');
    assert.equal(upstream.tlsSpki, undefined, 'a refused key is not recorded as the upstream key');
    const refusal = logs.find((r) => r['msg'] === 'upstream TLS key is not pinned; connection refused');
    assert.equal(refusal?.['server'], 'fx');
    assert.equal(refusal?.['spki'], `sha256/${pin}`);
    // The refusal is no outage to wait out: a second call fails at once with the same code.
    assert.equal(rpcError(await echo(gw, 'again')).data.code, 'RAMPART_UPSTREAM_IDENTITY');
  });

  it('accepts both keys of a rotation pin list', async () => {
    for (const [cert, expected] of [
      [pki.server, pin],
      [rotated, rotatedPin],
    ] as const) {
      fixture.use(cert);
      const gw = await gateway(upstreamEntry({ pins: [`sha256/${pin}`, `sha256/${rotatedPin}`] }));
      assert.match(JSON.stringify(rpcResult(await echo(gw, 'rotated'))), /rotated/);
      assert.equal(gw.rampart.gateway.upstreams[0]!.tlsSpki, expected);
    }
  });

  it('records the key of each new pooled connection and flags a change from the first key', async () => {
    // Every answer closes its connection, so each request needs a new socket and handshake.
    fixture.closeAfterEachAnswer = true;
    const gw = await gateway(upstreamEntry({ pins: [`sha256/${pin}`, `sha256/${rotatedPin}`] }));
    const upstream = gw.rampart.gateway.upstreams[0]!;
    rpcResult(await echo(gw, 'first key'));
    assert.equal(upstream.tlsSpki, pin);
    assert.equal(upstream.identityChanged, false);
    fixture.use(rotated);
    rpcResult(await echo(gw, 'second key'));
    assert.equal(upstream.tlsSpki, rotatedPin);
    assert.equal(upstream.identityChanged, true);
    upstream.acceptTlsKey();
    assert.equal(upstream.identityChanged, false);
  });

  it('refuses a server whose certificate does not chain to tls.ca', async () => {
    fixture.use(rogue);
    const gw = await gateway(upstreamEntry({}), { wait: false });
    const error = rpcError(await echo(gw, 'rogue'));
    assert.equal(error.data.code, 'RAMPART_UPSTREAM_IDENTITY');
    assert.equal(error.data['reason'], 'certificate');
  });

  it('refuses the test CA when it is not given as tls.ca (system CAs only)', async () => {
    const gw = await gateway({ name: 'fx', url: fixture.url, era: 'modern' }, { wait: false });
    assert.equal(rpcError(await echo(gw, 'untrusted')).data.code, 'RAMPART_UPSTREAM_IDENTITY');
  });

  it('verifies the certificate against tls.servername when it is set', async () => {
    const good = await gateway(upstreamEntry({ servername: 'localhost' }));
    rpcResult(await echo(good, 'named'));
    const wrong = await gateway(upstreamEntry({ servername: 'other.example' }, { name: 'fx' }), {
      wait: false,
    });
    const error = rpcError(await echo(wrong, 'misnamed'));
    assert.equal(error.data.code, 'RAMPART_UPSTREAM_IDENTITY');
    assert.equal(error.data['reason'], 'certificate');
  });

  describe('the transport', () => {
    function transport(options: Partial<IdentityOptions> = {}) {
      const changes: [string, string][] = [];
      const tracker = new CountingTracker((previous, current) => changes.push([previous, current]));
      const log = createLogger('silent');
      const http = new StreamableHttpTransport({
        url: fixture.url,
        era: 'modern',
        headers: {},
        log,
        identity: {
          pins: undefined,
          ca: pki.ca.cert,
          servername: undefined,
          allowInsecureHttp: false,
          tracker,
          log,
          ...options,
        },
      });
      const answers = new Map<unknown, JsonRpcMessage>();
      let nextId = 1;
      const started_ = http.start({
        onMessage: (message) => {
          if ('id' in message) answers.set(message.id, message);
        },
        onClose: () => undefined,
      });
      const discover = async () => {
        await started_;
        const id = nextId++;
        await http.send({
          jsonrpc: '2.0',
          id,
          method: 'server/discover',
          params: { _meta: modernMeta() },
        });
        const answer = answers.get(id);
        assert.ok(answer && 'result' in answer, `server/discover answered ${JSON.stringify(answer)}`);
      };
      return { http, tracker, changes, discover };
    }

    it('exposes peerSpki equal to the openssl pin and checks keys once per connection, not per request', async () => {
      const { http, tracker, discover } = transport();
      try {
        const before = fixture.handshakes;
        for (let i = 0; i < 10; i++) await discover();
        assert.equal(http.peerSpki, pin);
        assert.equal(http.peerSpki, opensslSpkiPin(pki.server.certPath));
        assert.equal(http.identityChanged, false);
        const connections = fixture.handshakes - before;
        assert.equal(tracker.observed, connections, 'one key check per new connection');
        assert.ok(connections <= 2, `ten requests reuse pooled connections (${connections} opened)`);
      } finally {
        await http.close();
      }
    });

    it('flags a later connection that presents another key, under first-use pinning', async () => {
      const { http, tracker, changes, discover } = transport();
      try {
        fixture.closeAfterEachAnswer = true;
        await discover();
        assert.equal(tracker.first, pin);
        fixture.use(rotated);
        await discover();
        assert.equal(http.peerSpki, rotatedPin);
        assert.equal(http.identityChanged, true);
        assert.equal(tracker.first, pin, 'the first key stays the baseline');
        assert.deepEqual(changes, [[pin, rotatedPin]]);
      } finally {
        await http.close();
      }
    });

    it('fails the request with RAMPART_UPSTREAM_IDENTITY before sending it when the key is not pinned', async () => {
      const { http, tracker, discover } = transport({ pins: new Set([rotatedPin]) });
      try {
        const requests = fixture.requests;
        await assert.rejects(discover(), (err: unknown) => {
          assert.ok(err instanceof RampartError);
          assert.equal(err.code, 'RAMPART_UPSTREAM_IDENTITY');
          assert.equal(err.data?.['reason'], 'pin-mismatch');
          return true;
        });
        assert.equal(tracker.current, undefined);
        assert.equal(fixture.requests, requests, 'the request never reached the server');
      } finally {
        await http.close();
      }
    });
  });

  describe('the legacy SSE transport', () => {
    // A minimal HTTP+SSE (2024-11-05) server: GET /sse names the POST endpoint; POSTed requests are answered on
    // the event stream.
    let sse: Server;
    let sseUrl: string;
    before(async () => {
      let stream: ServerResponse | undefined;
      sse = createHttpsServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: endpoint\ndata: /messages\n\n');
          stream = res;
          return;
        }
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          body += chunk;
        });
        req.on('end', () => {
          const message = JSON.parse(body) as { id: number };
          res.writeHead(202).end();
          stream?.write(
            `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} })}\n\n`,
          );
        });
      });
      await new Promise<void>((resolve) => sse.listen(0, '127.0.0.1', resolve));
      sseUrl = `https://127.0.0.1:${(sse.address() as AddressInfo).port}/sse`;
    });
    after(async () => {
      sse.closeAllConnections();
      await new Promise((resolve) => sse.close(resolve));
    });

    function sseTransport(pins: string[]) {
      const log = createLogger('silent');
      const identity: IdentityOptions = {
        pins: new Set(pins),
        ca: pki.ca.cert,
        servername: undefined,
        allowInsecureHttp: false,
        tracker: new PeerKeyTracker(),
        log,
      };
      return new LegacySseTransport(sseUrl, {}, log, 5_000, identity);
    }

    it('connects with the right pin, carries a request, and reports the key', async () => {
      const transport = sseTransport([pin]);
      try {
        let answer: (message: JsonRpcMessage) => void = () => undefined;
        const answered = new Promise<JsonRpcMessage>((resolve) => {
          answer = resolve;
        });
        await transport.start({ onMessage: (message) => answer(message), onClose: () => undefined });
        await transport.send({ jsonrpc: '2.0', id: 7, method: 'ping' });
        assert.deepEqual(await answered, { jsonrpc: '2.0', id: 7, result: {} });
        assert.equal(transport.peerSpki, pin);
        assert.equal(transport.identityChanged, false);
      } finally {
        await transport.close();
      }
    });

    it('refuses a key that is not pinned with RAMPART_UPSTREAM_IDENTITY', async () => {
      const transport = sseTransport([rotatedPin]);
      try {
        await assert.rejects(
          transport.start({ onMessage: () => undefined, onClose: () => undefined }),
          (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_UPSTREAM_IDENTITY',
        );
        assert.equal(transport.peerSpki, undefined);
      } finally {
        await transport.close();
      }
    });
  });

  describe('plain http', () => {
    it('connects to a loopback http upstream', async () => {
      // The fixture's plain twin: same handler, no TLS. A loopback peer passes the connect-time check.
      const { startHttp } = await import('../fixtures/conformance-server/http-server.ts');
      const { Dispatcher } = await import('../fixtures/conformance-server/dispatcher.ts');
      const dispatcher = new Dispatcher();
      const plain = await startHttp('dual', dispatcher, 0);
      try {
        const gw = await gateway({ name: 'fx', url: `http://127.0.0.1:${plain.port}/mcp`, era: 'modern' });
        rpcResult(await echo(gw, 'plain loopback'));
        assert.equal(gw.rampart.gateway.upstreams[0]!.tlsSpki, undefined);
      } finally {
        for (const gw of started.splice(0)) await gw.stop();
        dispatcher.shutdown();
        await plain.close();
      }
    });

    it('accepts only loopback peers for plain http unless allowInsecureHttp', () => {
      for (const address of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1']) {
        assert.equal(plainPeerAllowed(address, false), true, address);
      }
      for (const address of [
        '10.0.0.1',
        '192.168.1.2',
        '203.0.113.9',
        '::ffff:10.0.0.1',
        'fe80::1',
        undefined,
      ]) {
        assert.equal(plainPeerAllowed(address, false), false, String(address));
        assert.equal(plainPeerAllowed(address, true), true, String(address));
      }
    });
  });
});
