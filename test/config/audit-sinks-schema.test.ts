// The audit sink config: defaults filled in, unknown keys and inline secrets refused, and every field described
// (docs/configuration.md is generated from the descriptions).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { auditSinkSchema } from '../../src/config/audit-sinks-schema.ts';

interface Node {
  description?: string;
  properties?: Record<string, Node>;
  anyOf?: Node[];
  oneOf?: Node[];
  additionalProperties?: boolean | Node;
}

function undescribed(node: Node, path: string, out: string[]): string[] {
  for (const variant of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) undescribed(variant, path, out);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (!child.description) out.push(`${path}.${key}`);
    undescribed(child, `${path}.${key}`, out);
  }
  return out;
}

describe('audit sink config', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(auditSinkSchema.parse({ type: 'jsonl', path: 'audit.jsonl' }), {
      type: 'jsonl',
      path: 'audit.jsonl',
      fsync: true,
      maxQueued: 10_000,
    });
    assert.deepEqual(
      auditSinkSchema.parse({ type: 'syslog', format: 'cef', transport: 'udp', host: 'siem', port: 514 }),
      {
        type: 'syslog',
        format: 'cef',
        transport: 'udp',
        host: 'siem',
        port: 514,
        facility: 'local0',
        appName: 'rampart',
        maxQueued: 10_000,
      },
    );
    assert.deepEqual(auditSinkSchema.parse({ type: 'otlp', endpoint: 'http://127.0.0.1:4318/v1/logs' }), {
      type: 'otlp',
      endpoint: 'http://127.0.0.1:4318/v1/logs',
      headers: {},
      maxQueued: 10_000,
    });
  });

  it('refuses unknown keys, inline secrets and out-of-range values', () => {
    const bad = [
      { type: 'jsonl', path: 'a.jsonl', rotate: true },
      { type: 'otlp', endpoint: 'http://c/v1/logs', headers: { authorization: 'Bearer literal' } },
      { type: 'otlp', endpoint: 'http://c/v1/logs', headers: { 'bad header': { env: 'X' } } },
      { type: 'syslog', format: 'rfc5424', transport: 'tcp', host: 'h', port: 514, facility: 24 },
      { type: 'syslog', format: 'rfc5424', transport: 'tcp', host: 'h', port: 514, appName: 'has space' },
      { type: 'syslog', format: 'rfc5424', transport: 'udp', host: 'h', port: 514, maxMessageBytes: 100 },
      { type: 'syslog', format: 'json', transport: 'tcp', host: 'h', port: 514 },
      { type: 'kafka' },
    ];
    for (const input of bad)
      assert.equal(auditSinkSchema.safeParse(input).success, false, JSON.stringify(input));
  });

  it('describes every field', () => {
    const schema = z.toJSONSchema(auditSinkSchema, { io: 'input' }) as Node;
    assert.deepEqual(undescribed(schema, 'sink', []), []);
  });
});
