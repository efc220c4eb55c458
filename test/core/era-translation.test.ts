// Translation between eras in both directions, with the project's fixture as a modern-only or legacy-only
// upstream: a modern upstream's input_required reaches a legacy client as a real sampling request, a modern
// client sees the modern upstream's MRTR untouched, and a legacy upstream's request reaches a modern client as MRTR.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { FIXTURE, fixtureServer, NODE, type Started, startRampart } from '../helpers/rampart.ts';

const ANSWER = {
  role: 'assistant',
  content: { type: 'text', text: 'forty-two' },
  model: 'm',
  stopReason: 'endTurn',
};

async function mrtrRoundTrip(url: string, name: string): Promise<Record<string, unknown>> {
  const params = { name, arguments: { prompt: 'question' } };
  const first = await modernRequest(url, 'tools/call', params, { capabilities: { sampling: {} } });
  const pending = first.response?.['result'] as Record<string, unknown>;
  assert.equal(pending['resultType'], 'input_required', first.text);
  const [key] = Object.keys(pending['inputRequests'] as object);
  const retry = await modernRequest(
    url,
    'tools/call',
    { ...params, requestState: pending['requestState'], inputResponses: { [key!]: ANSWER } },
    { capabilities: { sampling: {} } },
  );
  return retry.response?.['result'] as Record<string, unknown>;
}

describe('era translation', () => {
  let gw: Started;
  let httpFixture: ChildProcess;
  before(async () => {
    httpFixture = spawn(NODE, [FIXTURE, '--transport', 'http', '--port', '0', '--era', 'modern'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      httpFixture.stderr?.on('data', (chunk: Buffer) => {
        const match = /listening (http:\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]!);
      });
      httpFixture.once('exit', () => reject(new Error('fixture exited')));
    });
    gw = await startRampart({
      servers: [
        fixtureServer('modern', 'modern'),
        fixtureServer('legacy', 'legacy'),
        { name: 'remote', url },
      ],
    });
  });
  after(async () => {
    await gw.stop();
    httpFixture.kill('SIGTERM');
  });

  it('detects each upstream era once (stdio probe and HTTP probe)', () => {
    const eras = Object.fromEntries(gw.rampart.gateway.upstreams.map((u) => [u.name, u.era]));
    assert.deepEqual(eras, { modern: 'modern', legacy: 'legacy', remote: 'modern' });
  });

  for (const server of ['modern', 'remote']) {
    it(`turns a modern upstream's input_required into a sampling request for a legacy client (${server})`, async () => {
      const client = new LegacyClient(gw.url, { sampling: {} });
      await client.initialize();
      const asked: string[] = [];
      const answer = await client.request(
        'tools/call',
        { name: `${server}__test_sampling`, arguments: { prompt: 'question' } },
        {
          onRequest: (message) => {
            asked.push(String(message.method));
            return ANSWER;
          },
        },
      );
      assert.deepEqual(asked, ['sampling/createMessage']);
      assert.match(JSON.stringify(answer.response?.['result']), /forty-two/);
      await client.close();
    });

    it(`passes a modern upstream's MRTR through to a modern client (${server})`, async () => {
      const result = await mrtrRoundTrip(gw.url, `${server}__test_sampling`);
      assert.equal(result['resultType'], 'complete');
      assert.match(JSON.stringify(result), /forty-two/);
    });
  }

  it("turns a legacy upstream's sampling request into MRTR for a modern client", async () => {
    const result = await mrtrRoundTrip(gw.url, 'legacy__test_sampling');
    assert.equal(result['resultType'], 'complete');
    assert.match(JSON.stringify(result), /forty-two/);
  });

  it('validates Mcp-Param-* headers against x-mcp-header arguments and forwards them to a modern HTTP upstream', async () => {
    const args = { region: 'eu-west1', priority: 3, verbose: true, query: 'q' };
    const headers = {
      'mcp-param-region': 'eu-west1',
      'mcp-param-priority': '3',
      'mcp-param-verbose': 'true',
    };
    // The fixture over HTTP checks the same headers itself: success proves Rampart forwarded them.
    const ok = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'remote__test_header_params', arguments: args },
      { headers },
    );
    assert.equal(ok.status, 200);
    assert.match(JSON.stringify(rpcResult(ok)), /header params accepted/);
    const missing = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'remote__test_header_params', arguments: args },
      {
        headers: { 'mcp-param-region': 'eu-west1' },
      },
    );
    assert.equal(missing.status, 400);
    assert.equal(rpcError(missing).code, -32020);
    const wrong = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'modern__test_header_params', arguments: args },
      {
        headers: { ...headers, 'mcp-param-region': '=?base64?SGVsbG8?=' },
      },
    );
    assert.equal(wrong.status, 400);
    assert.equal(rpcError(wrong).data.code, 'RAMPART_HEADER_MISMATCH');
  });

  it('refuses to ask a client for input it did not declare', async () => {
    const answer = await modernRequest(gw.url, 'tools/call', {
      name: 'legacy__test_sampling',
      arguments: { prompt: 'q' },
    });
    // The upstream's sampling request is refused inside Rampart (never turned into input_required); the upstream
    // relays the refusal, which a modern client receives as -32021 (missing client capability) with HTTP 400.
    assert.equal(answer.status, 400);
    assert.equal(rpcError(answer).code, -32021);
  });
});
