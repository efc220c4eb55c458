// A stdio server whose environment refers to a vault secret is rolled over when `rampart secrets rotate` (another
// process) changes it: a new child with the new value takes the new calls once its handshake is done, the old one
// finishes the call it has in flight and exits. No call fails, nothing is quarantined, clients are not told lists
// changed; confined (sandboxed) and unconfined children alike.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localKeyWrapper, parseMasterKey } from '../../src/vault/master-key.ts';
import { Vault } from '../../src/vault/vault.ts';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { NODE, REPO, startRampart } from '../helpers/rampart.ts';

const ECHO = path.join(REPO, 'test/fixtures/vault-echo-server.ts');
const KEY_ENV = 'RAMPART_ROLLOVER_VAULT_KEY';
const SECRET = 'sk-live-4f9a1c2e7b3d8e6f0a11';
const ROTATED = 'sk-live-rotated-99c0ffee1234';
const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** Runs `rampart secrets rotate NAME` in another process, the new value coming from a variable. */
function rotateFromCli(
  configFile: string,
  name: string,
  value: string,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [
        path.join(REPO, 'src/cli/main.ts'),
        'secrets',
        'rotate',
        name,
        '--from-env',
        'NEW_VALUE',
        '--config',
        configFile,
      ],
      { env: { ...process.env, NEW_VALUE: value } },
      (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
    );
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('stdio rollover on a vault rotation', () => {
  let dir: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-rollover-'));
    chmodSync(dir, 0o755); // a sandboxed child may run as another user: it must reach its bound directory
    process.env[KEY_ENV] = randomBytes(32).toString('base64');
  });
  after(() => {
    delete process.env[KEY_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  for (const confined of [false, true]) {
    it(`rolls a ${confined ? 'sandboxed' : 'unconfined'} child over while calls keep succeeding`, async (t) => {
      const stateDir = path.join(dir, `state-${++n}`);
      const shared = path.join(dir, `shared-${n}`);
      mkdirSync(stateDir);
      mkdirSync(shared);
      const seed = Vault.open(stateDir, localKeyWrapper(parseMasterKey(process.env[KEY_ENV]!, KEY_ENV)));
      await seed.set('API_TOKEN', SECRET, 'secret');
      await seed.set('UNUSED', 'sk-unused-value-0000', 'secret');
      seed.close();
      const vault = { masterKey: { env: KEY_ENV }, pollMs: 50 };
      const servers = [
        {
          name: 'echo',
          command: NODE,
          args: [ECHO],
          env: { VAULT_ECHO_SECRET: `\${vault:API_TOKEN}` },
          sandbox: confined ? { paths: [{ path: shared, mode: 'ro' }] } : 'off',
        },
      ];
      const configFile = path.join(dir, `rampart-${n}.yaml`);
      writeFileSync(configFile, JSON.stringify({ stateDir, vault, servers }));
      const lines: string[] = [];
      const gw = await startRampart({ stateDir, vault, servers }, { logSink: (line) => lines.push(line) });
      t.after(() => gw.stop());
      const upstream = gw.rampart.gateway.upstreams[0]!;
      const client = new LegacyClient(gw.url);
      await client.initialize();
      const toolNames = async () =>
        ((await client.result('tools/list'))['tools'] as { name: string }[]).map((tool) => tool.name);
      const listed = await toolNames();
      let announced = 0;
      const hub = gw.rampart.listeners;
      const listChanged = hub.listChanged.bind(hub);
      hub.listChanged = (kind) => {
        announced++;
        listChanged(kind);
      };

      const failures: string[] = [];
      const digests: string[] = [];
      const call = async () => {
        const answer = await client.request('tools/call', { name: 'echo__secret_digest', arguments: {} });
        const text = (answer.response?.['result'] as { content?: { text: string }[] } | undefined)
          ?.content?.[0]?.text;
        if (text === undefined) failures.push(answer.text.slice(0, 300));
        else digests.push(text);
      };
      await call();
      assert.deepEqual(digests, [digest(SECRET)]);
      const firstPid = upstream.pid!;

      // A call in flight on the old child across the switch: it must complete there.
      const release = path.join(shared, 'release');
      const inFlight = client.request('tools/call', { name: 'echo__wait_for', arguments: { path: release } });
      await until(() => upstream.soleInFlight() !== undefined, 'the held call to reach the child');

      // Only a change to a name the environment refers to rolls the child over.
      assert.equal((await rotateFromCli(configFile, 'UNUSED', 'sk-unused-value-1111')).code, 0);
      await gw.rampart.vault.refresh(); // seen alone, not merged with the next change
      const rotation = rotateFromCli(configFile, 'API_TOKEN', ROTATED);
      let rotated: { code: number; stderr: string } | undefined;
      void rotation.then((r) => {
        rotated = r;
      });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (rotated === undefined || digests.at(-1) !== digest(ROTATED)))
        await call();
      assert.equal(rotated?.code, 0, rotated?.stderr);
      assert.deepEqual(failures, [], 'every call during the rollover succeeded');
      assert.equal(digests.at(-1), digest(ROTATED), 'the new child has the new value');
      const switched = digests.indexOf(digest(ROTATED));
      assert.ok(digests.slice(0, switched).every((d) => d === digest(SECRET)));
      assert.ok(
        digests.slice(switched).every((d) => d === digest(ROTATED)),
        'never back to the old child',
      );
      assert.notEqual(upstream.pid, firstPid, 'a new child');
      assert.equal(upstream.status, 'ready');

      // The old child is still serving its call; released, it answers, then is closed.
      assert.ok(alive(firstPid), 'the old child drains before it is closed');
      writeFileSync(release, '');
      const held = await inFlight;
      const heldText = (held.response?.['result'] as { content: { text: string }[] } | undefined)?.content[0]
        ?.text;
      assert.ok(heldText?.startsWith('released in '), held.text.slice(0, 300));
      await until(() => !alive(firstPid), 'the old child to exit');

      // Same definitions, nothing held back, no list_changed to clients.
      assert.deepEqual(await toolNames(), listed);
      const echoed = await client.result('tools/call', { name: 'echo__echo_secret', arguments: {} });
      assert.deepEqual(echoed['content'], [{ type: 'text', text: 'my key is [REDACTED:API_TOKEN]' }]);
      assert.equal(announced, 0, 'clients were not told the lists changed');
      assert.ok(!gw.events.some((e) => String(e.code ?? '').includes('QUARANTINED')));
      const rollovers = lines.filter((l) => l.includes('"msg":"upstream rolled over to a new child"'));
      assert.equal(rollovers.length, 1, 'one rollover, for the one secret the environment refers to');
      assert.ok(!lines.join('').includes(ROTATED), 'the new value is never logged');
    });
  }
});
