// Server-to-client requests from a legacy upstream (server-everything's sampling tool) reach the client whose
// request caused them: on the POST stream for legacy clients, as MRTR input_required for modern clients.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest, rpcError } from '../helpers/mcp-client.ts';
import { type Started, startRampart } from '../helpers/rampart.ts';

const SAMPLING_ANSWER = {
  role: 'assistant',
  content: { type: 'text', text: 'sampled-by-client' },
  model: 'test-model',
  stopReason: 'endTurn',
};

describe('server-to-client requests through Rampart', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({
      servers: [
        { name: 'everything', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] },
      ],
    });
  });
  after(() => gw.stop());

  it('routes sampling to a legacy client that declared it, on the request stream', async () => {
    const client = new LegacyClient(gw.url, { sampling: {} });
    await client.initialize();
    const seen: string[] = [];
    const answer = await client.request(
      'tools/call',
      { name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } },
      {
        onRequest: (message) => {
          seen.push(String(message.method));
          return SAMPLING_ANSWER;
        },
      },
    );
    assert.deepEqual(seen, ['sampling/createMessage']);
    assert.match(JSON.stringify(answer.response?.['result']), /sampled-by-client/);
    await client.close();
  });

  it('refuses sampling for a legacy client that did not declare it', async () => {
    const client = new LegacyClient(gw.url, {});
    await client.initialize();
    let asked = false;
    const answer = await client.request(
      'tools/call',
      { name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } },
      {
        onRequest: () => {
          asked = true;
          return SAMPLING_ANSWER;
        },
      },
    );
    assert.equal(asked, false);
    assert.doesNotMatch(JSON.stringify(answer.response), /sampled-by-client/);
    await client.close();
  });

  it('bridges to a modern client as MRTR input_required with a signed requestState', async () => {
    const params = {
      name: 'everything__trigger-sampling-request',
      arguments: { prompt: 'hi', maxTokens: 5 },
    };
    const first = await modernRequest(gw.url, 'tools/call', params, { capabilities: { sampling: {} } });
    const pending = first.response?.['result'] as Record<string, unknown>;
    assert.equal(pending['resultType'], 'input_required');
    const requests = pending['inputRequests'] as Record<string, { method: string }>;
    const [key, input] = Object.entries(requests)[0]!;
    assert.equal(input.method, 'sampling/createMessage');
    const state = String(pending['requestState']);

    const tampered = `${state.slice(0, -3)}AAA`;
    const bad = await modernRequest(
      gw.url,
      'tools/call',
      { ...params, requestState: tampered, inputResponses: { [key]: SAMPLING_ANSWER } },
      { capabilities: { sampling: {} } },
    );
    assert.equal(rpcError(bad).data.code, 'RAMPART_INVALID_REQUEST_STATE');

    const retry = await modernRequest(
      gw.url,
      'tools/call',
      { ...params, requestState: state, inputResponses: { [key]: SAMPLING_ANSWER } },
      { capabilities: { sampling: {} } },
    );
    const done = retry.response?.['result'] as Record<string, unknown>;
    assert.equal(done['resultType'], 'complete');
    assert.match(JSON.stringify(done), /sampled-by-client/);
  });
});
