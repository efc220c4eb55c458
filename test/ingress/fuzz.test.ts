// Property-based fuzzing of the endpoint: whatever bytes arrive, Rampart answers with a clear 4xx (or a valid
// JSON-RPC answer), never a 5xx, never a stack trace, and keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DEMO_SERVER_MAIN } from '../../src/demo/location.ts';
import { LegacyClient, post } from '../helpers/mcp-client.ts';
import { NODE, type Started, startRampart } from '../helpers/rampart.ts';

const STACK = /\bat [\w.<>]+ \(|\.ts:\d+:\d+|node:internal/;

describe('ingress fuzzing', () => {
  let gw: Started;
  let session: LegacyClient;
  before(async () => {
    gw = await startRampart({
      servers: [{ name: 'demo', command: NODE, args: [DEMO_SERVER_MAIN] }],
      limits: { maxBodyBytes: 65_536 },
    });
    session = new LegacyClient(gw.url);
    await session.initialize();
  });
  after(() => gw.stop());

  const message = fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.string(), fc.integer()),
      id: fc.oneof(
        fc.integer(),
        fc.bigInt().map(String),
        fc.string({ maxLength: 2000 }),
        fc.constant(null),
        fc.double(),
      ),
      method: fc.oneof(
        fc.constantFrom(
          'tools/call',
          'tools/list',
          'resources/read',
          'prompts/get',
          'initialize',
          'ping',
          'completion/complete',
        ),
        fc.string(),
        fc.integer(),
      ),
      params: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())),
      result: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  const body = fc.oneof(
    message.map((m) => Buffer.from(JSON.stringify(m))),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
    fc.string().map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
    fc.nat({ max: 5000 }).map((n) => Buffer.from('['.repeat(n) + ']'.repeat(n))),
  );

  it('answers arbitrary bodies with a clear error and no stack trace, with and without a session', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (raw, withSession) => {
        const answer = await post(gw.url, undefined, {
          rawBody: raw,
          headers: withSession ? session.headers() : {},
        });
        assert.ok(
          answer.status < 500 || answer.status === 503,
          `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`,
        );
        assert.doesNotMatch(answer.text, STACK);
        if (answer.status >= 400) assert.ok(answer.response?.['error'], answer.text.slice(0, 200));
      }),
      { numRuns: 300 },
    );
    const tools = await session.result('tools/list');
    assert.ok(Array.isArray(tools['tools']));
  });

  it('answers arbitrary modern requests (headers, _meta, params) with a clear error and no stack trace', async () => {
    const header = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('2026-07-28', 'tools/call', '=?base64?%%%?='),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'tools/call',
          'tools/list',
          'resources/read',
          'server/discover',
          'prompts/get',
          'nope',
        ),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })),
        fc.record({
          version: header,
          method: header,
          name: header,
          meta: fc.oneof(fc.constant('2026-07-28'), fc.string(), fc.integer()),
        }),
        async (method, params, h) => {
          const headers: Record<string, string> = {};
          if (h.version !== undefined)
            headers['mcp-protocol-version'] = h.version.replace(/[^\x20-\x7e]/g, '') || '2026-07-28';
          if (h.method !== undefined) headers['mcp-method'] = h.method.replace(/[^\x20-\x7e]/g, '') || method;
          if (h.name !== undefined) headers['mcp-name'] = h.name.replace(/[^\x20-\x7e]/g, '') || 'x';
          const body = {
            jsonrpc: '2.0',
            id: 1,
            method,
            params: {
              ...params,
              _meta: {
                'io.modelcontextprotocol/protocolVersion': h.meta,
                'io.modelcontextprotocol/clientCapabilities': {},
              },
            },
          };
          const answer = await post(gw.url, body, { headers });
          assert.ok(answer.status < 500, `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
          assert.doesNotMatch(answer.text, STACK);
        },
      ),
      { numRuns: 200 },
    );
  });
});
