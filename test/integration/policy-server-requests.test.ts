// Server-to-client requests go through the same policies (`sample`, `elicit`, `roots` on the asking server): a
// legacy upstream's sampling request, and a modern upstream's MRTR input request whether Rampart asks a legacy
// client or passes it through to a modern one. A refused request never reaches the client and is recorded.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

const CALLS = `@id("calls")
permit(principal, action in [Action::"call", Action::"list"], resource);
`;
const SAMPLING = `@id("sampling-from-legacy")
permit(principal, action == Action::"sample", resource == Server::"legacy");
@id("sampling-from-modern")
permit(principal, action == Action::"sample", resource == Server::"modern");
`;
const ANSWER = {
  role: 'assistant',
  content: { type: 'text', text: 'forty-two' },
  model: 'm',
  stopReason: 'endTurn',
};

describe('server-to-client requests under policy', () => {
  let gw: Started;
  let dir: string;
  let file: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-s2c-'));
    file = path.join(dir, 'p.cedar');
    writeFileSync(file, CALLS);
    gw = await startRampart({
      servers: [fixtureServer('legacy', 'legacy'), fixtureServer('modern', 'modern')],
      policy: { files: [file], watch: false },
    });
  });
  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const sampleVia = async (server: string) => {
    const client = new LegacyClient(gw.url, { sampling: {} });
    await client.initialize();
    const asked: string[] = [];
    const answer = await client.request(
      'tools/call',
      { name: `${server}__test_sampling`, arguments: { prompt: 'q' } },
      {
        onRequest: (message) => {
          asked.push(String(message.method));
          return ANSWER;
        },
      },
    );
    await client.close();
    return { asked, answer };
  };

  it('refuses sampling nobody permitted: the client is never asked and the refusal is recorded', async () => {
    for (const server of ['legacy', 'modern']) {
      const { asked, answer } = await sampleVia(server);
      assert.deepEqual(asked, [], server);
      assert.doesNotMatch(JSON.stringify(answer.response), /forty-two/);
      const refused = gw.events.findLast((e) => e.method === 'sampling/createMessage' && e.server === server);
      assert.equal(refused?.decision, 'denied', server);
      assert.equal(refused?.code, 'RAMPART_POLICY_DENIED');
    }
    // A modern client gets the modern upstream's input request refused instead of passed through.
    const modern = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'modern__test_sampling', arguments: { prompt: 'q' } },
      {
        capabilities: { sampling: {} },
      },
    );
    assert.equal(rpcError(modern).data.code, 'RAMPART_POLICY_DENIED');
  });

  it('lets a permitted server sample', async () => {
    writeFileSync(file, CALLS + SAMPLING);
    assert.equal(gw.rampart.policies!.reload(), true);
    for (const server of ['legacy', 'modern']) {
      const { asked, answer } = await sampleVia(server);
      assert.deepEqual(asked, ['sampling/createMessage'], server);
      assert.match(JSON.stringify(answer.response), /forty-two/);
    }
  });

  it('holds a call for approval once, even when its upstream then asks a 2026-07-28 client for input', async () => {
    writeFileSync(
      file,
      `${CALLS}${SAMPLING}
@id("sampling-needs-a-yes")
@approval
forbid(principal, action == Action::"call", resource == Tool::"legacy__test_sampling");
`,
    );
    assert.equal(gw.rampart.policies!.reload(), true);
    const capabilities = { sampling: {}, elicitation: { form: {} } };
    const call = (extra: Record<string, unknown> = {}) =>
      modernRequest(
        gw.url,
        'tools/call',
        { name: 'legacy__test_sampling', arguments: { prompt: 'q' }, ...extra },
        {
          capabilities,
        },
      );
    const asked = rpcResult(await call());
    const [approvalKey, approval] = Object.entries(
      asked['inputRequests'] as Record<string, { method: string }>,
    )[0]!;
    assert.equal(approval.method, 'elicitation/create');
    // Approved: the upstream call starts, and the legacy upstream asks for sampling.
    const sampling = rpcResult(
      await call({
        requestState: asked['requestState'],
        inputResponses: { [approvalKey]: { action: 'accept', content: { approve: true } } },
      }),
    );
    assert.equal(sampling['resultType'], 'input_required');
    const [samplingKey, samplingRequest] = Object.entries(
      sampling['inputRequests'] as Record<string, { method: string }>,
    )[0]!;
    assert.equal(samplingRequest.method, 'sampling/createMessage');
    // The retry continues the parked call: not held for approval again.
    const done = rpcResult(
      await call({ requestState: sampling['requestState'], inputResponses: { [samplingKey]: ANSWER } }),
    );
    assert.match(JSON.stringify(done), /forty-two/);
  });
});
