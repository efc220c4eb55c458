// Alerts through a running Rampart: a burst of errored calls raises `anomaly.error_burst`, which reaches a local
// webhook receiver as a signed Slack-compatible body, is an `alert_raised` event in the tamper-evident audit log,
// and is what `rampart alerts` lists.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { alertsCommand } from '../../src/cli/alerts.ts';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../src/monitor/anomaly/index.ts';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { fixtureServer, startRampart } from '../helpers/rampart.ts';

const SECRET = 'alert-webhook-secret-for-tests';

async function startReceiver() {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let arrived: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
      arrived();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, first, server };
}

describe('alerts end to end', () => {
  it('an error burst reaches the signed webhook, the audit log and `rampart alerts`', async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.server.close());
    process.env['RAMPART_TEST_ALERT_SECRET'] = SECRET;
    const gw = await startRampart({
      servers: [fixtureServer('fx', 'legacy')],
      alerts: {
        rules: { errorBurst: { count: 3, windowSeconds: 60 } },
        webhook: {
          url: receiver.url,
          secret: { env: 'RAMPART_TEST_ALERT_SECRET' },
          allowPrivateNetwork: true,
          minSeverity: 'low',
        },
      },
    });
    const stateDir = path.dirname(gw.rampart.store.file);
    const client = new LegacyClient(gw.url);
    await client.initialize();
    for (let i = 0; i < 3; i++) await client.request('tools/call', { name: 'fx__crash_nope', arguments: {} });
    await receiver.first;

    const [delivery] = receiver.received;
    const timestamp = String(delivery!.headers[TIMESTAMP_HEADER.toLowerCase()]);
    const signature = String(delivery!.headers[SIGNATURE_HEADER.toLowerCase()]);
    assert.ok(verifyWebhookSignature(SECRET, timestamp, delivery!.body, signature, Date.now(), 300));
    assert.equal(
      verifyWebhookSignature('wrong', timestamp, delivery!.body, signature, Date.now(), 300),
      false,
    );
    const body = JSON.parse(delivery!.body) as { text: string; rampart: { alert: { rule: string } } };
    assert.equal(typeof body.text, 'string');
    assert.equal(body.rampart.alert.rule, 'anomaly.error_burst');

    await gw.rampart.stop();
    const configFile = path.join(stateDir, 'listing.yaml');
    writeFileSync(
      configFile,
      `stateDir: ${JSON.stringify(stateDir)}\nservers:\n  - name: fx\n    command: node\n`,
    );
    let out = '';
    const code = await alertsCommand(['--config', configFile, '--json'], {
      out: (s) => {
        out += s;
      },
    });
    assert.equal(code, 0);
    const listed = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { rule: string });
    assert.deepEqual(
      listed.map((a) => a.rule),
      ['anomaly.error_burst'],
    );
    await gw.stop();
  });
});
