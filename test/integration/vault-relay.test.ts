// What an upstream sends outside a result passes the vault too: a secret in a progress notification, a log
// notification, an elicitation request or an error reaches the client only as `[REDACTED:NAME]`; a canary in a
// notification withholds it and raises the critical `vault.canary` alert.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localKeyWrapper, parseMasterKey } from '../../src/vault/master-key.ts';
import { Vault } from '../../src/vault/vault.ts';
import { auditEvents } from '../helpers/audit-events.ts';
import { LegacyClient, type Message, rpcError } from '../helpers/mcp-client.ts';
import { NODE, REPO, startRampart } from '../helpers/rampart.ts';

const ECHO = path.join(REPO, 'test/fixtures/vault-echo-server.ts');
const KEY_ENV = 'RAMPART_RELAY_VAULT_KEY';
const SECRET = 'sk-live-4f9a1c2e7b3d8e6f0a11';
const CANARY = 'AKIAQ7HONEYPOT0CANARY';

describe('upstream messages outside results', () => {
  let dir: string;
  let stateDir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-relay-'));
    process.env[KEY_ENV] = randomBytes(32).toString('base64');
    stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const vault = Vault.open(stateDir, localKeyWrapper(parseMasterKey(process.env[KEY_ENV]!, KEY_ENV)));
    await vault.set('API_TOKEN', SECRET, 'secret');
    await vault.set('HONEYPOT', CANARY, 'canary');
    vault.close();
  });
  after(() => {
    delete process.env[KEY_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  it('redacts a secret in progress, log notifications, an elicitation request and an error; a canary raises the alert', async (t) => {
    const lines: string[] = [];
    const gw = await startRampart(
      {
        stateDir,
        vault: { masterKey: { env: KEY_ENV } },
        servers: [
          { name: 'echo', command: NODE, args: [ECHO], env: { VAULT_ECHO_SECRET: `\${vault:API_TOKEN}` } },
        ],
      },
      { logSink: (line) => lines.push(line) },
    );
    t.after(() => gw.stop());
    const client = new LegacyClient(gw.url, { elicitation: { form: {} } });
    await client.initialize();
    await client.result('logging/setLevel', { level: 'debug' });

    const asked: Message[] = [];
    const answer = await client.request(
      'tools/call',
      { name: 'echo__leak', arguments: {}, _meta: { progressToken: 'p1' } },
      {
        onRequest: (request) => {
          asked.push(request);
          return { action: 'decline' };
        },
      },
    );
    assert.ok(!answer.text.includes(SECRET), 'the secret never reaches the client');
    const progress = answer.messages.find((m) => m.method === 'notifications/progress');
    assert.deepEqual(progress?.['params'], {
      progressToken: 'p1',
      progress: 1,
      message: 'using [REDACTED:API_TOKEN]',
    });
    const log = answer.messages.find((m) => m.method === 'notifications/message');
    assert.ok(log);
    assert.deepEqual((log['params'] as Record<string, unknown>)['data'], {
      note: 'key [REDACTED:API_TOKEN]',
    });
    assert.equal(asked.length, 1);
    assert.equal(asked[0]?.method, 'elicitation/create');
    assert.equal(
      (asked[0]['params'] as Record<string, unknown>)['message'],
      'May I use [REDACTED:API_TOKEN]?',
    );
    const error = rpcError(answer);
    assert.equal(error.code, -32000);
    assert.equal(error.message, 'failed with [REDACTED:API_TOKEN] after decline');
    assert.deepEqual(error.data, { key: '[REDACTED:API_TOKEN]' });

    // A canary in a log notification: the notification is withheld, the call itself answers, the alert is raised.
    const honeypot = path.join(dir, 'aws-credentials');
    writeFileSync(honeypot, `aws_access_key_id = ${CANARY}\n`);
    const logged = await client.request('tools/call', {
      name: 'echo__log_file',
      arguments: { path: honeypot },
    });
    assert.ok(!logged.text.includes(CANARY));
    assert.equal(logged.messages.filter((m) => m.method === 'notifications/message').length, 0);
    assert.deepEqual((logged.response?.['result'] as Record<string, unknown> | undefined)?.['content'], [
      { type: 'text', text: 'logged' },
    ]);
    await gw.rampart.stop();
    const logText = lines.join('');
    assert.match(logText, /"rule":"vault\.canary","severity":"critical"/);
    assert.ok(!logText.includes(CANARY) && !logText.includes(SECRET), 'nor does the log');
    const events = await auditEvents(stateDir);
    const alerts = events
      .filter((e) => e['decision'] === 'alert_raised')
      .map((e) => e['detail'] as Record<string, unknown>);
    assert.deepEqual(
      alerts.map((d) => {
        const evidence = d['evidence'] as Record<string, string>;
        return [d['rule'], d['severity'], evidence['canaries'], evidence['direction'], evidence['method']];
      }),
      [['vault.canary', 'critical', 'HONEYPOT', 'upstream', 'notifications/message']],
    );
    assert.ok(!JSON.stringify(events).includes(CANARY), 'no audit event carries the canary value');
  });
});
