// The metrics listener of a running Rampart: requests, decisions, phase latencies, upstream health, audit lag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { LegacyClient, post } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

describe('GET /metrics', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({
      servers: [fixtureServer('fx', 'legacy')],
      metrics: { host: '127.0.0.1', port: 0 },
    });
  });
  after(() => gw.stop());

  it('exposes request, phase and upstream series on its own listener', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    await client.result('tools/call', { name: 'fx__echo', arguments: { text: 'm' } });
    await client.request('tools/call', { name: 'fx__missing', arguments: {} });
    await post(gw.url, undefined, { rawBody: '{bad' });
    await client.close();
    assert.notEqual(new URL(gw.rampart.metricsUrl).port, new URL(gw.url).port);
    const res = await request(gw.rampart.metricsUrl);
    assert.equal(res.statusCode, 200);
    const body = await res.body.text();
    assert.match(body, /rampart_requests_total\{[^}]*method="tools\/call"[^}]*decision="allowed"[^}]*\} 1/);
    assert.match(body, /rampart_requests_total\{[^}]*method="tools\/call"[^}]*decision="errored"[^}]*\} 1/);
    assert.match(body, /rampart_requests_total\{[^}]*decision="denied"[^}]*\} 1/);
    assert.match(body, /rampart_phase_duration_seconds_count\{phase="upstream"\} [1-9]/);
    assert.match(body, /rampart_upstream_up\{upstream="fx"\} 1/);
    // The audit log's commit wait of the latest decision: measured, so positive.
    const lag = /^rampart_audit_lag_seconds (\S+)$/m.exec(body);
    assert.ok(lag && Number(lag[1]) > 0, 'audit lag is measured');
  });
});
