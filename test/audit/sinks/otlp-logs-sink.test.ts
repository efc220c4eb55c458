// The OTLP sink POSTs OTLP/HTTP JSON log records to a collector, one per entry with the audit fields as
// attributes and the configured secret header; a collector answering 500 gets a bounded number of retries, then
// the batch is dropped and counted; a 400 drops at once; forbidden endpoints are refused at creation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createForwarders } from '../../../src/audit/sinks/forwarder.ts';
import { exportLogsRequests } from '../../../src/audit/sinks/otlp-format.ts';
import { createOtlpLogsSink } from '../../../src/audit/sinks/otlp-logs-sink.ts';
import { auditSinkSchema, type OtlpSinkConfig } from '../../../src/config/audit-sinks-schema.ts';
import { RampartError } from '../../../src/errors.ts';
import { tempDir } from '../helpers.ts';
import { captureLog, deps, makeChain, waitFor } from './helpers.ts';
import { httpReceiver } from './receivers.ts';

const SECRET_ENV = 'RAMPART_TEST_OTLP_API_KEY';

interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: string; arrayValue?: { values: Array<{ stringValue: string }> } };
}
interface OtlpRecord {
  timeUnixNano: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  traceId?: string;
  body: { stringValue: string };
  attributes: OtlpAttr[];
}

function recordsOf(body: string): { service: string | undefined; records: OtlpRecord[] } {
  const parsed = JSON.parse(body) as {
    resourceLogs: Array<{
      resource: { attributes: OtlpAttr[] };
      scopeLogs: Array<{ scope: { name: string }; logRecords: OtlpRecord[] }>;
    }>;
  };
  const [resourceLogs] = parsed.resourceLogs;
  return {
    service: resourceLogs?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
    records: parsed.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)),
  };
}

function attr(record: OtlpRecord, key: string): OtlpAttr['value'] | undefined {
  return record.attributes.find((a) => a.key === key)?.value;
}

function otlpConfig(endpoint: string, headers: Record<string, unknown> = {}): OtlpSinkConfig {
  return auditSinkSchema.parse({ type: 'otlp', endpoint, headers }) as OtlpSinkConfig;
}

describe('OTLP logs sink', () => {
  it('sends one log record per entry with the audit attributes and the secret header', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 5, { every: 5 });
    const collector = await httpReceiver(200);
    t.after(() => collector.close());
    process.env[SECRET_ENV] = 's3cret-value';
    t.after(() => delete process.env[SECRET_ENV]);
    const { log, lines } = captureLog();
    const [sink] = createForwarders(
      [
        auditSinkSchema.parse({
          type: 'otlp',
          endpoint: collector.url,
          headers: { 'X-Api-Key': { env: SECRET_ENV } },
        }),
      ],
      deps(chain, dir, log),
    );
    assert.ok(sink);
    sink.forward(chain.records);
    sink.checkpoint?.(chain.checkpoints[0]!);
    await waitFor(() => sink.stats().sent === 6, 5_000, 'delivery');
    await sink.close();

    const received = collector.requests.flatMap((r) => recordsOf(r.body).records);
    assert.equal(received.length, 6);
    for (const request of collector.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/v1/logs');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['x-api-key'], 's3cret-value');
      assert.equal(recordsOf(request.body).service, 'rampart');
    }
    chain.records.forEach((record, i) => {
      const r = received[i]!;
      assert.equal(attr(r, 'rampart.audit.seq')?.intValue, String(record.seq));
      assert.equal(attr(r, 'rampart.audit.hash')?.stringValue, record.hash);
      assert.equal(attr(r, 'rampart.audit.id')?.stringValue, record.id);
      assert.equal(attr(r, 'rampart.audit.decision')?.stringValue, record.event.decision);
      assert.equal(attr(r, 'enduser.id')?.stringValue, record.event.principal?.subject);
      assert.equal(attr(r, 'mcp.method.name')?.stringValue, 'tools/call');
      assert.equal(attr(r, 'rampart.mcp.name')?.stringValue, record.event.name);
      assert.equal(r.timeUnixNano, `${Date.parse(record.event.time)}000000`);
      assert.equal(r.traceId, record.event.traceId);
      assert.deepEqual(JSON.parse(r.body.stringValue), record.event);
    });
    const denied = received[3]!; // sampleEvent(4) is a denial
    assert.equal(attr(denied, 'error.type')?.stringValue, 'RAMPART_POLICY_DENIED');
    assert.deepEqual(attr(denied, 'rampart.audit.rule_ids')?.arrayValue?.values, [
      { stringValue: 'policy:no-secrets' },
    ]);
    assert.equal(denied.severityText, 'WARN');
    assert.equal(denied.severityNumber, 13);
    assert.equal(received[0]!.severityText, 'INFO');
    const cp = received[5]!;
    assert.equal(cp.eventName, 'rampart.audit.checkpoint');
    assert.equal(
      attr(cp, 'rampart.audit.checkpoint.signature')?.stringValue,
      chain.checkpoints[0]!.signature,
    );
    // The secret never reaches the operational log.
    assert.ok(!JSON.stringify(lines).includes('s3cret-value'));
  });

  it('retries a collector answering 500 a bounded number of times, then drops and counts', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 3);
    const collector = await httpReceiver(500);
    t.after(() => collector.close());
    const { log, lines } = captureLog();
    const sink = createOtlpLogsSink(
      'otlp[0]',
      otlpConfig(collector.url),
      { log, baseDir: dir },
      {
        maxAttempts: 3,
        initialBackoffMs: 5,
        maxBackoffMs: 20,
      },
    );
    sink.forward(chain.records);
    await waitFor(() => sink.stats().dropped === 3, 5_000, 'drop');
    assert.deepEqual(sink.stats(), { sent: 0, dropped: 3, failed: 3, queued: 0 });
    assert.equal(collector.requests.length, 3, 'one batch, three attempts');
    assert.ok(lines.some((l) => l['msg'] === 'audit sink gave up on a batch' && l['items'] === 3));
    await sink.close();
  });

  it('drops a batch the collector refuses (400) without retrying', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 2);
    const collector = await httpReceiver(400);
    t.after(() => collector.close());
    const sink = createOtlpLogsSink(
      'otlp[0]',
      otlpConfig(collector.url),
      { log: captureLog().log, baseDir: dir },
      {
        maxAttempts: 5,
        initialBackoffMs: 5,
      },
    );
    sink.forward(chain.records);
    await waitFor(() => sink.stats().dropped === 2, 5_000, 'drop');
    assert.equal(collector.requests.length, 1);
    assert.equal(sink.stats().failed, 1);
    await sink.close();
  });

  it('counts a header whose secret is missing as a failed attempt, naming only the variable', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 1);
    const collector = await httpReceiver(200);
    t.after(() => collector.close());
    const { log, lines } = captureLog();
    const config = otlpConfig(collector.url, { authorization: { env: 'RAMPART_TEST_OTLP_UNSET' } });
    const sink = createOtlpLogsSink(
      'otlp[0]',
      config,
      { log, baseDir: dir },
      { maxAttempts: 2, initialBackoffMs: 5 },
    );
    sink.forward(chain.records);
    await waitFor(() => sink.stats().dropped === 1, 5_000, 'drop');
    assert.equal(collector.requests.length, 0);
    assert.ok(lines.some((l) => String(l['reason']).includes('RAMPART_TEST_OTLP_UNSET')));
    await sink.close();
  });

  it('splits a batch too large for one request into several, in order', (t) => {
    const chain = makeChain(tempDir(t), 9);
    const items = chain.records.map((record) => ({ kind: 'entry' as const, record }));
    const one = exportLogsRequests(items, Date.now());
    assert.equal(one.length, 1);
    const limit = Math.ceil(Buffer.byteLength(one[0]!) / 3);
    const bodies = exportLogsRequests(items, Date.now(), limit);
    assert.ok(bodies.length >= 3);
    for (const body of bodies) assert.ok(Buffer.byteLength(body) <= limit);
    const seqs = bodies.flatMap((b) =>
      recordsOf(b).records.map((r) => attr(r, 'rampart.audit.seq')?.intValue),
    );
    assert.deepEqual(
      seqs,
      chain.records.map((r) => String(r.seq)),
    );
  });

  it('refuses link-local, metadata and non-http endpoints', (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 1);
    for (const endpoint of ['http://169.254.169.254/v1/logs', 'http://[fe80::1]:4318/v1/logs']) {
      assert.throws(
        () => createForwarders([otlpConfig(endpoint)], deps(chain, dir)),
        (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_SSRF_BLOCKED',
        endpoint,
      );
    }
    for (const endpoint of ['ftp://collector.example/v1/logs', 'file:///etc/passwd']) {
      assert.equal(auditSinkSchema.safeParse({ type: 'otlp', endpoint }).success, false, endpoint);
    }
  });
});
