// The webhook: each alert is POSTed as a Slack-compatible, HMAC-signed body to a receiver (here a local HTTP
// server); 5xx is retried with backoff up to maxAttempts, other errors are not; severities below the minimum,
// overflow of the queue and forbidden URLs (link-local metadata, private without opt-in, non-http) are refused.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { RampartError } from '../../../src/errors.ts';
import { slackPayload } from '../../../src/monitor/anomaly/slack-payload.ts';
import {
  WebhookNotifier,
  type WebhookNotifierOptions,
  webhookNotifierFromConfig,
} from '../../../src/monitor/anomaly/webhook.ts';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/monitor/anomaly/webhook-signature.ts';
import { sampleAlert } from './sample-alert.ts';

const SECRET = 'whsec-test-0123456789';
const NOW = Date.parse('2026-01-15T10:00:00.000Z');

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A receiver answering each request with the next status of `statuses` (the last one repeats). */
async function receiver(
  t: { after(fn: () => Promise<void>): void },
  statuses: number[],
  hold?: Promise<void>,
) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (hold) await hold;
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`, received };
}

function notifier(
  t: { after(fn: () => Promise<void>): void },
  options: Partial<WebhookNotifierOptions> & { url: string },
) {
  const n = new WebhookNotifier({
    secret: () => SECRET,
    allowPrivateNetwork: true,
    initialBackoffMs: 1,
    maxBackoffMs: 5,
    now: () => NOW,
    ...options,
  });
  t.after(() => n.close());
  return n;
}

function blocked(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_SSRF_BLOCKED');
}

describe('WebhookNotifier', () => {
  it('delivers a signed Slack-compatible body, retrying a 500 until it succeeds', async (t) => {
    const r = await receiver(t, [500, 503, 200]);
    const n = notifier(t, { url: r.url });
    const alert = sampleAlert();
    n.notify(alert);
    await n.idle();
    assert.equal(r.received.length, 3);
    assert.deepEqual(n.stats, { sent: 1, failed: 0, dropped: 0, filtered: 0 });
    const { headers, body } = r.received[2]!;
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['x-rampart-timestamp'], String(NOW / 1000));
    assert.equal(headers['x-rampart-alert-id'], alert.id);
    const signature = headers['x-rampart-signature'] as string;
    assert.match(signature, /^v1=[0-9a-f]{64}$/);
    assert.ok(verifyWebhookSignature(SECRET, headers['x-rampart-timestamp'] as string, body, signature, NOW));
    const payload = JSON.parse(body);
    assert.equal(
      payload.text,
      '[HIGH] anomaly.denial_burst: 10 denied calls within 27s (limit 10 per 60s), the last on server admin, by https://idp.example|auth0|123 (claude-code)',
    );
    assert.equal(payload.attachments[0].color, '#E8590C');
    assert.equal(payload.attachments[0].blocks[0].type, 'section');
    assert.match(payload.attachments[0].blocks[2].elements[0].text, /2 similar suppressed/);
    assert.deepEqual(payload.rampart, { version: 1, alert: JSON.parse(JSON.stringify(alert)) });
    // Every attempt is the same alert, signed afresh.
    assert.deepEqual(
      r.received.map((x) => x.headers['x-rampart-alert-id']),
      [alert.id, alert.id, alert.id],
    );
  });

  it('gives up after maxAttempts on 5xx and at once on other 4xx', async (t) => {
    const down = await receiver(t, [500]);
    const n = notifier(t, { url: down.url, maxAttempts: 3 });
    n.notify(sampleAlert());
    await n.idle();
    assert.equal(down.received.length, 3);
    assert.deepEqual(n.stats, { sent: 0, failed: 1, dropped: 0, filtered: 0 });

    const gone = await receiver(t, [410]);
    const m = notifier(t, { url: gone.url, maxAttempts: 3 });
    m.notify(sampleAlert());
    await m.idle();
    assert.equal(gone.received.length, 1);
    assert.equal(m.stats.failed, 1);
  });

  it('sends only alerts at or above the minimum severity', async (t) => {
    const r = await receiver(t, [200]);
    const n = notifier(t, { url: r.url, minSeverity: 'high' });
    n.notify(sampleAlert({ id: 'low', severity: 'low' }));
    n.notify(sampleAlert({ id: 'medium', severity: 'medium' }));
    n.notify(sampleAlert({ id: 'critical', severity: 'critical' }));
    n.notify(sampleAlert({ id: 'high', severity: 'high' }));
    await n.idle();
    assert.deepEqual(
      r.received.map((x) => x.headers['x-rampart-alert-id']),
      ['critical', 'high'],
    );
    assert.deepEqual(n.stats, { sent: 2, failed: 0, dropped: 0, filtered: 2 });
  });

  it('drops alerts beyond the queue bound without blocking the caller', async (t) => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = await receiver(t, [200], hold);
    const n = notifier(t, { url: r.url, maxQueue: 2 });
    for (let i = 0; i < 6; i++) n.notify(sampleAlert({ id: `a${i}` }));
    // One in flight, two queued, three dropped.
    assert.equal(n.stats.dropped, 3);
    release();
    await n.idle();
    assert.deepEqual(
      r.received.map((x) => x.headers['x-rampart-alert-id']),
      ['a0', 'a1', 'a2'],
    );
    assert.equal(n.stats.sent, 3);
  });

  it('counts a network failure as retryable and never throws into the caller', async (t) => {
    // Nothing listens on port 1: the connection is refused.
    const n = notifier(t, { url: 'http://127.0.0.1:1/', maxAttempts: 2 });
    assert.doesNotThrow(() => n.notify(sampleAlert()));
    await n.idle();
    assert.deepEqual(n.stats, { sent: 0, failed: 1, dropped: 0, filtered: 0 });
  });

  it('refuses link-local, metadata, reserved, non-http and credentialed URLs', () => {
    const secret = () => SECRET;
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'https://169.254.169.254/',
      'https://[fe80::1]/hook',
      'https://[::ffff:169.254.169.254]/',
      'https://0.0.0.0/',
      'ftp://hooks.example/',
      'file:///etc/passwd',
      'https://user:pass@hooks.example/',
    ]) {
      blocked(() => new WebhookNotifier({ url, secret, allowPrivateNetwork: true }));
    }
  });

  it('allows http, loopback and private addresses only with allowPrivateNetwork', async () => {
    const secret = () => SECRET;
    for (const url of [
      'http://hooks.example/',
      'https://127.0.0.1/',
      'https://localhost/',
      'https://10.1.2.3/',
    ]) {
      blocked(() => new WebhookNotifier({ url, secret }));
      await new WebhookNotifier({ url, secret, allowPrivateNetwork: true }).close();
    }
    await new WebhookNotifier({ url: 'https://hooks.example/services/x', secret }).close();
  });

  it('reads the secret reference of the config, and fails at start when it is missing', async (t) => {
    const r = await receiver(t, [200]);
    process.env['RAMPART_TEST_WEBHOOK_SECRET'] = SECRET;
    t.after(() => {
      delete process.env['RAMPART_TEST_WEBHOOK_SECRET'];
    });
    const config = {
      url: r.url,
      secret: { env: 'RAMPART_TEST_WEBHOOK_SECRET' },
      minSeverity: 'low' as const,
      allowPrivateNetwork: true,
      timeoutMs: 5_000,
      maxAttempts: 1,
      maxQueue: 10,
    };
    const n = webhookNotifierFromConfig(config, { baseDir: '/', now: () => NOW });
    t.after(() => n.close());
    n.notify(sampleAlert());
    await n.idle();
    const { headers, body } = r.received[0]!;
    assert.ok(
      verifyWebhookSignature(
        SECRET,
        headers['x-rampart-timestamp'] as string,
        body,
        headers['x-rampart-signature'] as string,
        NOW,
      ),
    );
    assert.throws(
      () =>
        webhookNotifierFromConfig(
          { ...config, secret: { env: 'RAMPART_TEST_WEBHOOK_MISSING' } },
          { baseDir: '/' },
        ),
      /RAMPART_TEST_WEBHOOK_MISSING is not set/,
    );
  });
});

describe('slackPayload', () => {
  it('escapes names so a principal or tool cannot mention @channel or forge a link', () => {
    const payload = slackPayload(
      sampleAlert({ agent: '<!channel>', name: '<https://evil.example|click>', message: 'a & b' }),
    );
    assert.ok(!JSON.stringify(payload.text).includes('<!channel>'));
    assert.match(payload.text, /a &amp; b, by .* \(&lt;!channel&gt;\)$/);
    const blocks = JSON.stringify(payload.attachments[0]!.blocks);
    assert.ok(!blocks.includes('<https://evil'));
    assert.ok(blocks.includes('&lt;https://evil.example|click&gt;'));
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"text":"hi"}';
  const ts = String(NOW / 1000);
  const good = signWebhookBody(SECRET, ts, body);

  it('accepts the signature of the exact body and timestamp within the tolerance', () => {
    assert.ok(verifyWebhookSignature(SECRET, ts, body, good, NOW));
    assert.ok(verifyWebhookSignature(SECRET, ts, Buffer.from(body), good, NOW + 299_000));
  });

  it('refuses another body, timestamp or secret, a stale timestamp and malformed signatures', () => {
    assert.equal(verifyWebhookSignature(SECRET, ts, '{"text":"hi!"}', good, NOW), false);
    assert.equal(verifyWebhookSignature(SECRET, String(NOW / 1000 + 1), body, good, NOW), false);
    assert.equal(verifyWebhookSignature('other', ts, body, good, NOW), false);
    assert.equal(verifyWebhookSignature(SECRET, ts, body, good, NOW + 301_000), false);
    assert.equal(verifyWebhookSignature(SECRET, ts, body, good, NOW - 301_000), false);
    assert.equal(verifyWebhookSignature(SECRET, ts, body, good.slice(3), NOW), false);
    assert.equal(verifyWebhookSignature(SECRET, ts, body, `${good}00`, NOW), false);
    assert.equal(verifyWebhookSignature(SECRET, ts, body, 'v1=zz', NOW), false);
    assert.equal(verifyWebhookSignature(SECRET, `${ts}.5`, body, good, NOW), false);
  });
});
