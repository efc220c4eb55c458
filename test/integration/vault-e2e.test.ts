// The vault in a running gateway: a server that echoes the secret it was given has it redacted on the way out (and
// from Rampart's log and audit log); a canary in a call's arguments or in a result blocks the call and raises a
// critical alert naming the canary, never its value; a reference to an unknown secret stops the start; and an HTTP
// header secret rotated from the CLI in another process reaches the upstream while calls keep succeeding.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { readMasterKey } from '../../src/audit/privacy/master-key.ts';
import { showEvent } from '../../src/audit/privacy/show.ts';
import { RampartError } from '../../src/errors.ts';
import { localKeyWrapper, parseMasterKey } from '../../src/vault/master-key.ts';
import { Vault } from '../../src/vault/vault.ts';
import { startEchoHttpUpstream } from '../fixtures/vault-echo-http.ts';
import { LegacyClient, rpcError } from '../helpers/mcp-client.ts';
import { NODE, REPO, startRampart } from '../helpers/rampart.ts';

/** A `${vault:NAME}` reference as the config spells it. */
const ref = (name: string) => `\${vault:${name}}`;

const ECHO = path.join(REPO, 'test/fixtures/vault-echo-server.ts');
const KEY_ENV = 'RAMPART_E2E_VAULT_KEY';
const SECRET = 'sk-live-4f9a1c2e7b3d8e6f0a11';
const ROTATED = 'sk-live-rotated-99c0ffee1234';
const CANARY = 'AKIAQ7HONEYPOT0CANARY';

async function auditLeaves(
  stateDir: string,
): Promise<Array<{ seq: number; event: Record<string, unknown> }>> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const out: Array<{ seq: number; event: Record<string, unknown> }> = [];
      for await (const entry of reader.entries())
        out.push({ seq: entry.seq, event: parseLeaf(entry.leaf)!.event as Record<string, unknown> });
      return out;
    });
  } finally {
    await store.close();
  }
}

describe('the vault in the gateway', () => {
  let dir: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-vault-e2e-'));
    process.env[KEY_ENV] = randomBytes(32).toString('base64');
  });
  after(() => {
    delete process.env[KEY_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh state directory whose vault holds API_TOKEN (a secret) and HONEYPOT (a canary). */
  const seededState = async (): Promise<string> => {
    const stateDir = path.join(dir, `state-${++n}`);
    mkdirSync(stateDir);
    const vault = Vault.open(stateDir, localKeyWrapper(parseMasterKey(process.env[KEY_ENV]!, KEY_ENV)));
    await vault.set('API_TOKEN', SECRET, 'secret');
    await vault.set('HONEYPOT', CANARY, 'canary');
    vault.close();
    return stateDir;
  };
  const echoServer = {
    name: 'echo',
    command: NODE,
    args: [ECHO],
    env: { VAULT_ECHO_SECRET: ref('API_TOKEN') },
  };

  /** Rampart in front of the echo server with full audit payloads, its log lines collected, and a client. */
  const startEcho = async (stateDir: string) => {
    const lines: string[] = [];
    const gw = await startRampart(
      {
        stateDir,
        vault: { masterKey: { env: KEY_ENV } },
        audit: { payloads: 'full' },
        servers: [echoServer],
      },
      { logSink: (line) => lines.push(line) },
    );
    const client = new LegacyClient(gw.url);
    await client.initialize();
    return { gw, client, lines };
  };

  it('gives a stdio server its secret and redacts it from the result, the log and the audit log', async (t) => {
    const stateDir = await seededState();
    const { gw, client, lines } = await startEcho(stateDir);
    t.after(() => gw.stop());

    const echoed = await client.result('tools/call', { name: 'echo__echo_secret', arguments: {} });
    assert.deepEqual(echoed['content'], [{ type: 'text', text: 'my key is [REDACTED:API_TOKEN]' }]);
    // Encoded forms too: base64 and URL-encoding of the value.
    const b64 = Buffer.from(SECRET).toString('base64');
    const encoded = await client.result('tools/call', {
      name: 'echo__echo',
      arguments: { text: `b64=${b64} url=${encodeURIComponent(SECRET)}` },
    });
    assert.deepEqual(encoded['content'], [
      { type: 'text', text: 'b64=[REDACTED:API_TOKEN] url=[REDACTED:API_TOKEN]' },
    ]);
    const event = gw.events.find((e) => e.name === 'echo__echo_secret');
    assert.ok(event?.ruleIds.includes('vault:redacted:API_TOKEN'));
    await gw.rampart.stop();

    const log = lines.join('');
    assert.match(
      log,
      /starting with key \[REDACTED:API_TOKEN\]/,
      'the child stderr line is logged, redacted',
    );
    assert.ok(!log.includes(SECRET) && !log.includes(b64), 'no log line carries the secret');

    const leaves = await auditLeaves(stateDir);
    assert.ok(!JSON.stringify(leaves).includes(SECRET));
    const store = openAuditStore(stateDir);
    t.after(() => store.close());
    const calls = leaves.filter((l) => l.event['method'] === 'tools/call');
    assert.equal(calls.length, 2);
    for (const { seq, event: e } of calls) {
      const shown = await showEvent(store, readMasterKey(stateDir), { seq });
      assert.equal(shown.ok, true);
      const payloads = JSON.stringify(shown.payloads);
      assert.ok(
        !payloads.includes(SECRET) && !payloads.includes(b64),
        `payloads of ${e['name']} carry no secret`,
      );
      assert.match(payloads, /\[REDACTED:API_TOKEN\]/);
    }
  });

  it('blocks a canary in the arguments or in a result and raises a critical alert naming it', async (t) => {
    const stateDir = await seededState();
    const honeypot = path.join(dir, `aws-credentials-${n}`);
    writeFileSync(honeypot, `[default]\naws_access_key_id = ${CANARY}\n`);
    const { gw, client, lines } = await startEcho(stateDir);
    t.after(() => gw.stop());

    // Exfiltration attempt: the canary in the arguments of a call.
    const out = await client.request('tools/call', {
      name: 'echo__echo',
      arguments: { text: `creds: ${CANARY}` },
    });
    const error = rpcError(out);
    assert.equal(error.data.code, 'RAMPART_CANARY_DETECTED');
    assert.equal(error.data['ruleId'], 'vault:canary');
    assert.ok(!JSON.stringify(error).includes('HONEYPOT'), 'the caller is not told which canary it tripped');
    // The canary in what a tool returns: the result is withheld.
    const read = await client.request('tools/call', {
      name: 'echo__read_file',
      arguments: { path: honeypot },
    });
    assert.equal(rpcError(read).data.code, 'RAMPART_CANARY_DETECTED');
    assert.ok(!read.text.includes(CANARY));

    const denied = gw.events.filter((e) => e.code === 'RAMPART_CANARY_DETECTED');
    assert.equal(denied.length, 2);
    for (const e of denied) {
      assert.equal(e.decision, 'denied');
      assert.ok(e.ruleIds.includes('vault:canary:HONEYPOT'));
    }
    await gw.rampart.stop();

    const leaves = await auditLeaves(stateDir);
    const alerts = leaves.filter((l) => l.event['decision'] === 'alert_raised');
    assert.equal(alerts.length, 2);
    const details = alerts.map((a) => a.event['detail'] as Record<string, unknown>);
    assert.deepEqual(
      details.map((d) => [d['rule'], d['severity'], (d['evidence'] as Record<string, string>)['canaries']]),
      [
        ['vault.canary', 'critical', 'HONEYPOT'],
        ['vault.canary', 'critical', 'HONEYPOT'],
      ],
    );
    assert.deepEqual(
      details.map((d) => (d['evidence'] as Record<string, string>)['direction']),
      ['request', 'response'],
    );
    assert.ok(!JSON.stringify(leaves).includes(CANARY), 'no audit event carries the canary value');
    const store = openAuditStore(stateDir);
    t.after(() => store.close());
    const call = leaves.find((l) => l.event['code'] === 'RAMPART_CANARY_DETECTED')!;
    const shown = await showEvent(store, readMasterKey(stateDir), { seq: call.seq });
    assert.ok(!JSON.stringify(shown.payloads).includes(CANARY));
    assert.match(JSON.stringify(shown.payloads), /\[REDACTED:HONEYPOT\]/);
    const log = lines.join('');
    assert.match(log, /"rule":"vault\.canary"/);
    assert.ok(!log.includes(CANARY));
  });

  it('refuses to start on a reference to an unknown secret, naming the key', async () => {
    const stateDir = await seededState();
    await assert.rejects(
      startRampart({
        stateDir,
        vault: { masterKey: { env: KEY_ENV } },
        servers: [{ ...echoServer, env: { VAULT_ECHO_SECRET: 'x', OTHER: `Bearer ${ref('NOT_THERE')}` } }],
      }),
      (err: unknown) =>
        err instanceof RampartError &&
        err.code === 'RAMPART_VAULT_SECRET_UNKNOWN' &&
        err.message.includes('servers[0].env.OTHER'),
    );
    await assert.rejects(
      startRampart({
        stateDir,
        vault: { masterKey: { env: `${KEY_ENV}_UNSET` } },
        servers: [echoServer],
      }),
      (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_VAULT_LOCKED',
    );
    // A canary is bait, never a credential.
    await assert.rejects(
      startRampart({
        stateDir,
        vault: { masterKey: { env: KEY_ENV } },
        servers: [{ ...echoServer, env: { VAULT_ECHO_SECRET: ref('HONEYPOT') } }],
      }),
      (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_VAULT_SECRET_INVALID',
    );
  });

  it('rotates an HTTP header secret from another process while calls keep succeeding', async (t) => {
    const stateDir = await seededState();
    const upstream = await startEchoHttpUpstream();
    t.after(() => upstream.close());
    const vault = { masterKey: { env: KEY_ENV }, pollMs: 50 };
    const servers = [{ name: 'api', url: upstream.url, headers: { 'x-api-key': ref('API_TOKEN') } }];
    const configFile = path.join(dir, `rampart-${n}.yaml`);
    writeFileSync(configFile, JSON.stringify({ stateDir, vault, servers }));
    const gw = await startRampart({ stateDir, vault, servers });
    t.after(() => gw.stop());
    const client = new LegacyClient(gw.url);
    await client.initialize();

    const failures: string[] = [];
    let calls = 0;
    const call = async () => {
      calls++;
      const answer = await client.request('tools/call', { name: 'api__whoami', arguments: {} });
      const text = (answer.response?.['result'] as { content?: { text: string }[] } | undefined)?.content?.[0]
        ?.text;
      if (text !== 'called with key [REDACTED:API_TOKEN]') failures.push(answer.text.slice(0, 300));
    };
    await call();
    const rotation = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        NODE,
        [
          path.join(REPO, 'src/cli/main.ts'),
          'secrets',
          'rotate',
          'API_TOKEN',
          '--from-env',
          'NEW_TOKEN',
          '--config',
          configFile,
        ],
        { env: { ...process.env, NEW_TOKEN: ROTATED } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
    let rotated: { code: number; stdout: string; stderr: string } | undefined;
    void rotation.then((r) => {
      rotated = r;
    });
    // Calls run back to back through the rotation and until the upstream has seen the new value.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (rotated === undefined || upstream.keys.at(-1) !== ROTATED)) await call();
    assert.equal(rotated?.code, 0, rotated?.stderr);
    assert.match(rotated!.stdout, /rotated API_TOKEN to version 2/);
    assert.ok(!rotated!.stdout.includes(ROTATED) && !rotated!.stderr.includes(ROTATED));
    assert.deepEqual(failures, [], 'every call succeeded and came back redacted');
    assert.equal(upstream.keys[0], SECRET);
    assert.equal(upstream.keys.at(-1), ROTATED, 'the upstream sees the new value');
    const switched = upstream.keys.indexOf(ROTATED);
    assert.ok(upstream.keys.slice(0, switched).every((k) => k === SECRET));
    assert.ok(
      upstream.keys.slice(switched).every((k) => k === ROTATED),
      'never back to the old value',
    );
    assert.ok(calls >= 2);
  });
});
