// A SIEM receives well-formed RFC 5424 and CEF messages over UDP, TCP (octet counting) and TLS, with every
// awkward character (`"`, `]`, `\`, `=`, `|`, line breaks) surviving the escaping; TLS refuses a receiver whose
// certificate the configured CA did not sign, or that does not carry the expected name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createForwarders } from '../../../src/audit/sinks/forwarder.ts';
import { SD_ID } from '../../../src/audit/sinks/syslog-format.ts';
import { createSyslogSink } from '../../../src/audit/sinks/syslog-sink.ts';
import { auditSinkSchema, type SyslogSinkConfig } from '../../../src/config/audit-sinks-schema.ts';
import { RAMPART_INFO } from '../../../src/core/protocol.ts';
import { makePki, type Pki } from '../../helpers/certs.ts';
import { tempDir } from '../helpers.ts';
import {
  awkwardEvent,
  captureLog,
  deps,
  makeChain,
  parse5424,
  parseCef,
  parseOctetCounted,
  type TestChain,
  waitFor,
} from './helpers.ts';
import { type StreamReceiver, tcpReceiver, tlsReceiver, type UdpReceiver, udpReceiver } from './receivers.ts';

const LOCAL0 = 16;
const WARNING = 4;
const NOTICE = 5;

let pki: Pki;
before(() => {
  pki = makePki();
});
after(() => pki.remove());

function framesOf(receiver: StreamReceiver): Buffer[] | undefined {
  try {
    return parseOctetCounted(receiver.bytes());
  } catch {
    return undefined; // a frame still on its way
  }
}

async function deliver(chain: TestChain, dir: string, config: Partial<SyslogSinkConfig>): Promise<Buffer[]> {
  let udp: UdpReceiver | undefined;
  let stream: StreamReceiver | undefined;
  if (config.transport === 'udp') udp = await udpReceiver();
  else if (config.transport === 'tcp') stream = await tcpReceiver();
  else stream = await tlsReceiver(pki.server.cert, pki.server.key);
  const port = (udp ?? stream)!.port;
  const parsed = auditSinkSchema.parse({
    type: 'syslog',
    host: '127.0.0.1',
    port,
    hostname: 'gw-1',
    ...(config.transport === 'tls' ? { ca: pki.ca.certPath } : {}),
    ...config,
  });
  const [sink] = createForwarders([parsed], deps(chain, dir));
  assert.ok(sink);
  sink.forward(chain.records);
  sink.checkpoint?.(chain.checkpoints[0]!);
  const expected = chain.records.length + 1;
  await waitFor(() => sink.stats().sent === expected, 5_000, 'delivery');
  let messages: Buffer[];
  if (udp) {
    await waitFor(() => udp.datagrams.length === expected, 5_000, 'datagrams');
    messages = udp.datagrams;
  } else {
    await waitFor(() => framesOf(stream!)?.length === expected, 5_000, 'frames');
    messages = framesOf(stream!)!;
    assert.equal(stream!.connections.length, 1, 'one connection for all messages');
  }
  await sink.close();
  assert.deepEqual(sink.stats(), { sent: expected, dropped: 0, failed: 0, queued: 0 });
  await (udp ?? stream)!.close();
  return messages;
}

function checkRfc5424(chain: TestChain, messages: Buffer[]): void {
  chain.records.forEach((record, i) => {
    const m = parse5424(messages[i]!);
    assert.equal(m.facility, LOCAL0);
    assert.equal(m.severity, WARNING, 'denied is a warning');
    assert.equal(m.timestamp, record.event.time);
    assert.equal(m.hostname, 'gw-1');
    assert.equal(m.appName, 'rampart');
    assert.equal(m.procId, String(process.pid));
    assert.equal(m.msgId, 'denied');
    const sd = m.sd.get(SD_ID);
    assert.ok(sd, 'rampart structured data');
    assert.equal(sd.get('seq'), String(record.seq));
    assert.equal(sd.get('hash'), record.hash);
    assert.equal(sd.get('id'), record.id);
    assert.equal(sd.get('decision'), 'denied');
    // The round trip of `"`, `]` and `\` through SD-PARAM escaping:
    assert.equal(sd.get('name'), record.event.name);
    assert.match(sd.get('name')!, /"quoted"\] back\\slash/);
    assert.equal(sd.get('subject'), 'user=1\\x');
    assert.equal(sd.get('issuer'), 'https://idp.example');
    assert.equal(sd.get('client'), 'client|a');
    assert.equal(sd.get('agent'), 'agent "a"');
    assert.equal(sd.get('session'), 'session-1');
    assert.equal(sd.get('server'), 'fs');
    assert.equal(sd.get('method'), 'tools/call');
    assert.equal(sd.get('code'), 'RAMPART_POLICY_DENIED');
    assert.equal(sd.get('ruleIds'), 'policy:a,policy:b');
    assert.equal(m.bom, true);
    assert.deepEqual(JSON.parse(m.msg!), record.event);
  });
  const cp = chain.checkpoints[0]!;
  const m = parse5424(messages.at(-1)!);
  assert.equal(m.msgId, 'checkpoint');
  assert.equal(m.severity, NOTICE);
  const sd = m.sd.get('rampart-checkpoint@32473');
  assert.equal(sd?.get('size'), String(cp.size));
  assert.equal(sd?.get('root'), cp.root);
  assert.equal(sd?.get('signature'), cp.signature);
  assert.equal(sd?.get('keyId'), cp.keyId);
}

function checkCef(chain: TestChain, messages: Buffer[]): void {
  chain.records.forEach((record, i) => {
    const m = parse5424(messages[i]!);
    assert.equal(m.severity, WARNING);
    assert.equal(m.msgId, 'denied');
    assert.equal(m.sd.size, 0, 'NILVALUE structured data');
    assert.equal(m.bom, false, 'no BOM in front of CEF:');
    const cef = parseCef(m.msg!);
    assert.equal(cef.vendor, 'Rampart');
    assert.equal(cef.product, 'Rampart');
    assert.equal(cef.deviceVersion, RAMPART_INFO.version);
    assert.equal(cef.signatureId, 'denied');
    // The pipe survives header escaping; a line break cannot be in a header and becomes a space.
    assert.equal(cef.name, `denied tools/call ${record.event.name!.replace('\n', ' ')}`);
    assert.equal(cef.severity, 6);
    const x = cef.extensions;
    assert.equal(x.get('rt'), String(Date.parse(record.event.time)));
    assert.equal(x.get('act'), 'denied');
    assert.equal(x.get('outcome'), 'failure');
    assert.equal(x.get('externalId'), record.id);
    assert.equal(x.get('cn1Label'), 'auditSeq');
    assert.equal(x.get('cn1'), String(record.seq));
    assert.equal(x.get('cs1'), record.hash);
    // `=`, `\` and a line break round-trip through extension escaping.
    assert.equal(x.get('suser'), 'user=1\\x');
    assert.equal(x.get('cs5'), record.event.name);
    assert.match(x.get('cs5')!, /a=b \| pipe\nnew line/);
    assert.equal(x.get('reason'), 'RAMPART_POLICY_DENIED');
    assert.equal(x.get('cs6'), 'policy:a,policy:b');
    assert.equal(x.get('flexString1'), 'https://idp.example');
    assert.equal(x.get('flexString2'), 'client|a');
    assert.equal(x.get('requestClientApplication'), 'agent "a"');
    assert.equal(x.get('dvchost'), 'gw-1');
  });
  const cp = chain.checkpoints[0]!;
  const cef = parseCef(parse5424(messages.at(-1)!).msg!);
  assert.equal(cef.signatureId, 'checkpoint');
  assert.equal(cef.extensions.get('cn1'), String(cp.size));
  assert.equal(cef.extensions.get('cs1'), cp.root);
  assert.equal(cef.extensions.get('cs3'), cp.signature);
}

describe('syslog sink to a SIEM', () => {
  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    it(`sends RFC 5424 over ${transport}`, async (t) => {
      const dir = tempDir(t);
      const chain = makeChain(dir, 3, { every: 3, event: awkwardEvent });
      checkRfc5424(chain, await deliver(chain, dir, { format: 'rfc5424', transport }));
    });

    it(`sends CEF over ${transport}`, async (t) => {
      const dir = tempDir(t);
      const chain = makeChain(dir, 3, { every: 3, event: awkwardEvent });
      checkCef(chain, await deliver(chain, dir, { format: 'cef', transport }));
    });
  }

  for (const [label, wrong] of [
    ['a certificate the configured CA did not sign', { ca: 'rogue' }],
    ['a certificate for another name', { serverName: 'siem.example' }],
  ] as const) {
    it(`refuses a TLS receiver with ${label}`, async (t) => {
      const dir = tempDir(t);
      const chain = makeChain(dir, 2);
      const receiver = await tlsReceiver(pki.server.cert, pki.server.key);
      t.after(() => receiver.close());
      const { log, lines } = captureLog();
      const config = auditSinkSchema.parse({
        type: 'syslog',
        format: 'rfc5424',
        transport: 'tls',
        host: '127.0.0.1',
        port: receiver.port,
        ca: 'ca' in wrong ? pki.rogueCa.certPath : pki.ca.certPath,
        ...('serverName' in wrong ? { serverName: wrong.serverName } : {}),
      }) as SyslogSinkConfig;
      const sink = createSyslogSink(
        'syslog[0]',
        config,
        { log, baseDir: dir },
        {
          initialBackoffMs: 10,
          maxBackoffMs: 40,
          closeTimeoutMs: 100,
        },
      );
      sink.forward(chain.records);
      await waitFor(() => sink.stats().failed >= 3, 5_000, 'failed handshakes');
      assert.equal(sink.stats().sent, 0);
      assert.equal(receiver.connections.length, 0, 'no TLS session was established');
      assert.equal(receiver.bytes().length, 0);
      await sink.close();
      assert.equal(sink.stats().dropped, 2);
      const warning = lines.find((l) => l['msg'] === 'audit sink delivery failed; retrying');
      assert.ok(warning, 'the failure is logged');
      assert.equal(
        lines.filter((l) => l['msg'] === 'audit sink delivery failed; retrying').length,
        1,
        'rate-limited',
      );
    });
  }
});
