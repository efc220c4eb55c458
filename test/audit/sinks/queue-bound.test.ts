// A sink whose receiver is down holds at most maxQueued entries, drops and counts the rest (one rate-limited
// warning, not one per entry), and close() returns within its bound; forward never throws, even after close.
// When the receiver comes back, the queued entries reach it over a new connection (reconnect with backoff).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSyslogSink } from '../../../src/audit/sinks/syslog-sink.ts';
import { auditSinkSchema, type SyslogSinkConfig } from '../../../src/config/audit-sinks-schema.ts';
import { tempDir } from '../helpers.ts';
import { captureLog, makeChain, parse5424, parseOctetCounted, waitFor } from './helpers.ts';
import { closedPort, tcpReceiver } from './receivers.ts';

function tcpConfig(port: number, maxQueued: number): SyslogSinkConfig {
  return auditSinkSchema.parse({
    type: 'syslog',
    format: 'rfc5424',
    transport: 'tcp',
    host: '127.0.0.1',
    port,
    maxQueued,
  }) as SyslogSinkConfig;
}

describe('bounded sink queue', () => {
  it('drops beyond the bound, counts it, and closes within its bound', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 20);
    const port = await closedPort();
    const { log, lines } = captureLog();
    const sink = createSyslogSink(
      'syslog[0]',
      tcpConfig(port, 5),
      { log, baseDir: dir },
      {
        initialBackoffMs: 10,
        maxBackoffMs: 50,
        closeTimeoutMs: 300,
      },
    );
    sink.forward(chain.records.slice(0, 10));
    sink.forward(chain.records.slice(10));
    assert.deepEqual(sink.stats(), { sent: 0, dropped: 15, failed: 0, queued: 5 });
    await waitFor(() => sink.stats().failed >= 2, 5_000, 'failed connects');
    assert.equal(sink.stats().queued, 5, 'held for a retry, not dropped');
    const full = lines.filter((l) => l['msg'] === 'audit sink queue full: dropping entries');
    assert.equal(full.length, 1, 'one warning for fifteen drops');
    assert.equal(full[0]!['maxQueued'], 5);

    const started = Date.now();
    await sink.close();
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2_000, `close took ${took} ms`);
    assert.deepEqual({ ...sink.stats(), failed: 0 }, { sent: 0, dropped: 20, failed: 0, queued: 0 });
    assert.doesNotThrow(() => sink.forward(chain.records.slice(0, 2)));
    assert.equal(sink.stats().dropped, 22);
  });

  it('delivers what was queued once the receiver is back', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 3);
    const port = await closedPort();
    const sink = createSyslogSink(
      'syslog[0]',
      tcpConfig(port, 100),
      { log: captureLog().log, baseDir: dir },
      {
        initialBackoffMs: 10,
        maxBackoffMs: 40,
      },
    );
    sink.forward(chain.records);
    await waitFor(() => sink.stats().failed >= 2, 5_000, 'failed connects');
    const receiver = await tcpReceiver(port);
    t.after(() => receiver.close());
    await waitFor(() => sink.stats().sent === 3, 5_000, 'delivery after reconnect');
    await sink.close();
    await waitFor(() => {
      try {
        return parseOctetCounted(receiver.bytes()).length === 3;
      } catch {
        return false;
      }
    });
    const seqs = parseOctetCounted(receiver.bytes()).map((m) =>
      parse5424(m).sd.get('rampart@32473')?.get('seq'),
    );
    assert.deepEqual(seqs, ['1', '2', '3']);
    assert.equal(sink.stats().dropped, 0);
  });
});
