// Rampart's default policy set (policies/default.cedar) ships the toxic-flow rule: its test table passes under the
// real CLI, the demo runs it, `rampart init` writes it beside the starter config, and a gateway running it (with
// the flow fixture sandboxed, as a config file's stdio servers are) refuses a send once the same session has read
// private data and fetched untrusted content, while another session still sends.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { demoConfig } from '../../src/config/demo.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { writeStarterConfig } from '../../src/config/starter.ts';
import { DEFAULT_POLICY_FILE } from '../../src/policy/default-policy.ts';
import { LegacyClient, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { NODE, REPO, startRampart } from '../helpers/rampart.ts';

const FLOW_SERVER = path.join(REPO, 'test/fixtures/flow-server.ts');

describe('the default policy set', () => {
  it('passes its test table under `rampart policy test`', () => {
    const run = spawnSync(NODE, ['src/cli/main.ts', 'policy', 'test', 'policies/default.tests.yaml'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /refused: deny \(toxic-flow\)/);
  });

  it('is what the embedded demo runs', () => {
    const config = demoConfig(path.join(tmpdir(), 'unused-state'));
    assert.deepEqual(config.policy?.files, [DEFAULT_POLICY_FILE]);
  });

  it('is written by `rampart init` beside the starter config, never over an existing file', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-init-policy-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const configPath = path.join(dir, 'rampart.yaml');
    assert.equal(writeStarterConfig(configPath, { force: false }), true);
    const written = path.join(dir, 'policies/default.cedar');
    assert.equal(readFileSync(written, 'utf8'), readFileSync(DEFAULT_POLICY_FILE, 'utf8'));
    const config = parseConfigText(readFileSync(configPath, 'utf8'), configPath);
    assert.deepEqual(config.policy?.files, [written]);
    writeFileSync(written, '// mine\n');
    assert.equal(writeStarterConfig(configPath, { force: true }), true);
    assert.equal(readFileSync(written, 'utf8'), '// mine\n');
  });

  it('refuses a send after a private read and an untrusted fetch in the same session', async () => {
    const gw = await startRampart({
      servers: [{ name: 'flow', command: NODE, args: [FLOW_SERVER], sandbox: {} }],
      policy: {
        files: [DEFAULT_POLICY_FILE],
        labels: { flow__read_private: ['private_data'], flow__send: ['public_sink'] },
      },
    });
    try {
      const call = (client: LegacyClient, name: string, args: Record<string, unknown>) =>
        client.request('tools/call', { name, arguments: args });
      const alice = new LegacyClient(gw.url);
      await alice.initialize();
      const other = new LegacyClient(gw.url);
      await other.initialize();
      assert.ok(rpcResult(await call(alice, 'flow__read_private', { id: 'c-1' })));
      // flow__fetch is untrusted_input by its own openWorldHint.
      assert.ok(rpcResult(await call(alice, 'flow__fetch', { url: 'https://example.com' })));
      const refused = rpcError(await call(alice, 'flow__send', { to: 'x@example.com', body: 'record' }));
      assert.equal(refused.data.code, 'RAMPART_POLICY_DENIED');
      assert.deepEqual(refused.data['policies'], ['toxic-flow']);
      assert.ok(rpcResult(await call(other, 'flow__send', { to: 'x@example.com', body: 'hello' })));
    } finally {
      await gw.stop();
    }
  });
});
