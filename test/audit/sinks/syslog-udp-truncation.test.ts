// Over UDP a message longer than maxMessageBytes is cut to fit one datagram: never inside a UTF-8 sequence, the
// header and the identifying structured data intact, the message still a valid RFC 5424 (and CEF) message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SD_ID } from '../../../src/audit/sinks/syslog-format.ts';
import { createSyslogSink } from '../../../src/audit/sinks/syslog-sink.ts';
import { auditSinkSchema, type SyslogSinkConfig } from '../../../src/config/audit-sinks-schema.ts';
import { sampleEvent, tempDir } from '../helpers.ts';
import { captureLog, makeChain, parse5424, parseCef, waitFor } from './helpers.ts';
import { udpReceiver } from './receivers.ts';

const MAX = 600;

// 3- and 4-byte characters throughout, so that a byte limit is bound to fall inside one somewhere.
const wide = (i: number) =>
  sampleEvent(i, {
    name: `€😀${'€'.repeat(120 + i)}${'😀'.repeat(90 + i)}`,
    principal: {
      issuer: 'https://idp.example',
      subject: 'ü'.repeat(300),
      clientId: 'client',
      agent: 'agent',
    },
  });

async function datagrams(t: { after(fn: () => void): void }, format: 'rfc5424' | 'cef'): Promise<Buffer[]> {
  const dir = tempDir(t);
  const chain = makeChain(dir, 6, { event: wide });
  const receiver = await udpReceiver();
  t.after(() => receiver.close());
  const config = auditSinkSchema.parse({
    type: 'syslog',
    format,
    transport: 'udp',
    host: '127.0.0.1',
    port: receiver.port,
    maxMessageBytes: MAX,
  }) as SyslogSinkConfig;
  const sink = createSyslogSink('syslog[0]', config, { log: captureLog().log, baseDir: dir });
  sink.forward(chain.records);
  await waitFor(() => receiver.datagrams.length === 6, 5_000, 'datagrams');
  await sink.close();
  return receiver.datagrams;
}

describe('syslog over UDP with a size limit', () => {
  it('cuts RFC 5424 messages at a character boundary, structure intact', async (t) => {
    const received = await datagrams(t, 'rfc5424');
    for (const [i, datagram] of received.entries()) {
      assert.ok(datagram.length <= MAX, `datagram ${i} is ${datagram.length} bytes`);
      assert.ok(datagram.length > MAX - 4, 'filled up to the limit (less than one character short)');
      const m = parse5424(datagram); // fatal UTF-8 decoding: a split character fails here
      const sd = m.sd.get(SD_ID);
      assert.ok(sd);
      assert.equal(sd.get('seq'), String(i + 1));
      assert.match(sd.get('hash')!, /^[0-9a-f]{64}$/);
      assert.ok(sd.get('id'));
      assert.equal(sd.get('decision'), sampleEvent(i + 1).decision);
      // The long fields do not fit: the structured data falls back to the identifying fields, and MSG holds a
      // prefix of the event JSON.
      assert.equal(sd.has('subject'), false);
      assert.equal(m.bom, true);
      assert.ok(m.msg && m.msg.length > 0);
      assert.ok(m.msg.startsWith('{"arguments":'));
      assert.ok(!m.msg.includes('\ufffd'));
    }
  });

  it('cuts CEF messages by whole extensions', async (t) => {
    const received = await datagrams(t, 'cef');
    for (const [i, datagram] of received.entries()) {
      assert.ok(datagram.length <= MAX, `datagram ${i} is ${datagram.length} bytes`);
      const cef = parseCef(parse5424(datagram).msg!);
      assert.equal(cef.extensions.get('cn1'), String(i + 1));
      assert.ok(cef.extensions.get('externalId'));
      // The wide name is the first extension too large to fit; everything after it is left out, nothing is cut.
      assert.equal(cef.extensions.has('cs5'), false);
      for (const value of cef.extensions.values()) assert.ok(!value.includes('\ufffd'));
    }
  });
});
