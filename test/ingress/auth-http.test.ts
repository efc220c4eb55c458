// Authentication at the MCP endpoint: Protected Resource Metadata, 401 challenges, 403 step-up naming the scope,
// sessions bound to the principal that opened them, principals on events, and no token passthrough to stdio or
// HTTP upstreams.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { JsonRpcMessage } from '../../src/core/jsonrpc.ts';
import { type LocalIssuer, startLocalIssuer } from '../helpers/local-issuer.ts';
import { LegacyClient, modernRequest, post, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { fixtureServer, NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';
import { startRecordingUpstream } from '../helpers/recording-upstream.ts';

describe('authentication at the endpoint', () => {
  let idp: LocalIssuer;
  let gw: Started;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  const RESOURCE = 'http://rampart.test/mcp';
  const sent: string[] = [];
  before(async () => {
    idp = await startLocalIssuer(RESOURCE);
    upstream = await startRecordingUpstream();
    gw = await startRampart({
      servers: [
        fixtureServer('fx', 'legacy'),
        { name: 'rec', url: upstream.url },
        fixtureServer('pay', 'legacy'),
      ],
      auth: {
        resource: RESOURCE,
        issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }],
        scopes: { required: ['mcp'], tools: { fx__add: ['math'] }, servers: { pay: ['payments'] } },
        binding: { servers: { pay: 'dpop' } },
      },
    });
    // Record everything Rampart writes to the stdio upstream.
    const fx = gw.rampart.gateway.upstreams[0] as unknown as {
      peer: { transport: { send(m: JsonRpcMessage): Promise<void> } };
    };
    const transport = fx.peer.transport;
    const original = transport.send.bind(transport);
    transport.send = (m: JsonRpcMessage) => {
      sent.push(JSON.stringify(m));
      return original(m);
    };
  });
  after(async () => {
    await gw.stop();
    upstream.server.close();
    await idp.stop();
  });

  it('publishes Protected Resource Metadata at both well-known locations', async () => {
    const origin = new URL(gw.url).origin;
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await request(`${origin}${path}`);
      assert.equal(res.statusCode, 200);
      const doc = (await res.body.json()) as Record<string, unknown>;
      assert.equal(doc['resource'], RESOURCE);
      assert.deepEqual(doc['authorization_servers'], [idp.issuer]);
      assert.deepEqual(doc['scopes_supported'], ['mcp']);
    }
  });

  it('answers a missing or invalid token with 401 and a challenge pointing at the metadata', async () => {
    const missing = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.equal(missing.status, 401);
    const challenge = String(missing.headers['www-authenticate']);
    assert.match(
      challenge,
      /^Bearer resource_metadata="http:\/\/rampart\.test\/\.well-known\/oauth-protected-resource\/mcp", scope="mcp"/,
    );
    assert.doesNotMatch(challenge, /error=/);
    assert.equal(rpcError(missing).data.code, 'RAMPART_TOKEN_MISSING');
    const expired = await idp.sign({ exp: Math.floor(Date.now() / 1000) - 600 });
    const bad = await post(
      gw.url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { headers: { authorization: `Bearer ${expired}` } },
    );
    assert.equal(bad.status, 401);
    assert.match(String(bad.headers['www-authenticate']), /error="invalid_token"/);
    assert.equal(rpcError(bad).data.code, 'RAMPART_TOKEN_EXPIRED');
  });

  it('steps up with 403 insufficient_scope naming the scope the tool needs', async () => {
    const token = await idp.sign({ scope: 'mcp' });
    const answer = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'fx__add', arguments: { a: 1, b: 2 } },
      { headers: { authorization: `Bearer ${token}` } },
    );
    assert.equal(answer.status, 403);
    assert.match(String(answer.headers['www-authenticate']), /error="insufficient_scope"/);
    assert.match(String(answer.headers['www-authenticate']), /scope="mcp math"/);
    const stronger = await idp.sign({ scope: 'mcp math' });
    const ok = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'fx__add', arguments: { a: 1, b: 2 } },
      { headers: { authorization: `Bearer ${stronger}` } },
    );
    assert.equal(ok.status, 200);
  });

  it('gives another principal 404 for a session it did not open, and attributes events to the principal', async () => {
    const alice = `Bearer ${await idp.sign({ sub: 'alice' })}`;
    const bob = `Bearer ${await idp.sign({ sub: 'bob' })}`;
    const client = new LegacyClient(gw.url);
    const init = await post(
      gw.url,
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      },
      { headers: { authorization: alice } },
    );
    client.sessionId = String(init.headers['mcp-session-id']);
    const own = await client.request('tools/list', undefined, { headers: { authorization: alice } });
    assert.equal(own.status, 200);
    const stolen = await client.request('tools/list', undefined, { headers: { authorization: bob } });
    assert.equal(stolen.status, 404);
    assert.equal(rpcError(stolen).data.code, 'RAMPART_SESSION_NOT_FOUND');
    const event = gw.events.findLast((e) => e.method === 'tools/list' && e.decision === 'allowed');
    assert.equal(event?.principal?.subject, 'alice');
    assert.equal(event?.principal?.issuer, idp.issuer);
    assert.equal(event?.principal?.clientId, 'agent-app');
    assert.equal(event?.principal?.binding, 'bearer');
  });

  it('refuses a token revoked with `rampart revoke` by another process, within a second', async () => {
    const token = await idp.sign({ sub: 'dave', jti: 'cli-revoked' });
    const headers = { authorization: `Bearer ${token}` };
    assert.equal((await modernRequest(gw.url, 'tools/list', {}, { headers })).status, 200);
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-revoke-'));
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(
      config,
      `stateDir: ${path.dirname(gw.rampart.store.file)}\nservers:\n  - name: x\n    command: x\n`,
    );
    const run = spawnSync(
      NODE,
      [path.join(REPO, 'src/cli/main.ts'), 'revoke', '--config', config, '--jti', 'cli-revoked'],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const deadline = Date.now() + 3_000;
    let answer = await modernRequest(gw.url, 'tools/list', {}, { headers });
    while (answer.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await modernRequest(gw.url, 'tools/list', {}, { headers });
    }
    assert.equal(answer.status, 401);
    assert.equal(rpcError(answer).data.code, 'RAMPART_TOKEN_REVOKED');
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds an MRTR requestState to the principal: another caller cannot resume it', async () => {
    const alice = { authorization: `Bearer ${await idp.sign({ sub: 'alice' })}` };
    const bob = { authorization: `Bearer ${await idp.sign({ sub: 'bob' })}` };
    const params = { name: 'fx__test_sampling', arguments: { prompt: 'q' } };
    const caps = { sampling: {} };
    const first = await modernRequest(gw.url, 'tools/call', params, { capabilities: caps, headers: alice });
    const pending = first.response?.['result'] as Record<string, unknown>;
    assert.equal(pending['resultType'], 'input_required');
    const [key] = Object.keys(pending['inputRequests'] as object);
    const answer = {
      role: 'assistant',
      content: { type: 'text', text: 'x' },
      model: 'm',
      stopReason: 'endTurn',
    };
    const retry = { ...params, requestState: pending['requestState'], inputResponses: { [key!]: answer } };
    const hijack = await modernRequest(gw.url, 'tools/call', retry, { capabilities: caps, headers: bob });
    assert.equal(rpcError(hijack).data.code, 'RAMPART_INVALID_REQUEST_STATE');
    const own = await modernRequest(gw.url, 'tools/call', retry, { capabilities: caps, headers: alice });
    assert.equal(rpcResult(own)['resultType'], 'complete');
  });

  it("applies a server's binding and scopes to every method that reaches it, not only tools/call", async () => {
    const headers = { authorization: `Bearer ${await idp.sign({ scope: 'mcp payments' })}` };
    const prompt = await modernRequest(
      gw.url,
      'prompts/get',
      { name: 'pay__test_simple_prompt' },
      { headers },
    );
    assert.equal(prompt.status, 401);
    assert.equal(rpcError(prompt).data.code, 'RAMPART_DPOP_REQUIRED');
    const read = await modernRequest(
      gw.url,
      'resources/read',
      { uri: 'rampart://pay/test%3A%2F%2Fstatic-text' },
      { headers },
    );
    assert.equal(read.status, 401);
    assert.equal(rpcError(read).data.code, 'RAMPART_DPOP_REQUIRED');
    const completion = await modernRequest(
      gw.url,
      'completion/complete',
      {
        ref: { type: 'ref/prompt', name: 'pay__test_prompt_with_arguments' },
        argument: { name: 'arg1', value: 'a' },
      },
      { headers },
    );
    assert.equal(completion.status, 401);
    assert.equal(rpcError(completion).data.code, 'RAMPART_DPOP_REQUIRED');
  });

  it('answers hostile method and tool names with a challenge, not an internal error', async () => {
    const missing = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'constructor' });
    assert.equal(missing.status, 401);
    const headers = { authorization: `Bearer ${await idp.sign({})}` };
    const call = await modernRequest(gw.url, 'tools/call', { name: 'toString', arguments: {} }, { headers });
    assert.notEqual(call.status, 500);
    assert.equal(rpcError(call).data.code, 'RAMPART_UNKNOWN_TOOL');
  });

  it('refuses a token minted for several audiences and one that names no subject', async () => {
    const both = `Bearer ${await idp.sign({ aud: [RESOURCE, 'https://other.example/api'] })}`;
    const answer = await modernRequest(gw.url, 'tools/list', {}, { headers: { authorization: both } });
    assert.equal(rpcError(answer).data.code, 'RAMPART_TOKEN_WRONG_AUDIENCE');
    const nobody = `Bearer ${await idp.sign({ sub: '', client_id: undefined })}`;
    const anonymous = await modernRequest(gw.url, 'tools/list', {}, { headers: { authorization: nobody } });
    assert.equal(rpcError(anonymous).data.code, 'RAMPART_TOKEN_MALFORMED');
  });

  it('never passes the client token to a stdio or HTTP upstream', async () => {
    const token = await idp.sign({ sub: 'carol', scope: 'mcp' });
    const headers = { authorization: `Bearer ${token}`, dpop: 'not-a-real-proof' };
    await modernRequest(
      gw.url,
      'tools/call',
      { name: 'fx__echo', arguments: { text: 'hi' } },
      { headers: { authorization: headers.authorization } },
    );
    await modernRequest(
      gw.url,
      'tools/call',
      { name: 'rec__echo', arguments: {} },
      { headers: { authorization: headers.authorization } },
    );
    assert.ok(
      sent.some((line) => line.includes('"text":"hi"')),
      'the stdio upstream received the call',
    );
    assert.ok(!sent.some((line) => line.includes(token)), 'no stdio message carries the token');
    assert.ok(upstream.seen.length > 0, 'the HTTP upstream received requests');
    for (const h of upstream.seen) {
      assert.equal(h['authorization'], undefined);
      assert.equal(h['dpop'], undefined);
      assert.ok(!JSON.stringify(h).includes(token));
    }
  });
});
