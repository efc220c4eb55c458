// An upstream credential's secret from the vault (`{ vault: NAME }`): it reaches the upstream, a rotation applies
// to the next request without a restart, and an unknown name stops the start naming the config key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../../src/errors.ts';
import { localKeyWrapper, parseMasterKey } from '../../src/vault/master-key.ts';
import { Vault } from '../../src/vault/vault.ts';
import { startEchoHttpUpstream } from '../fixtures/vault-echo-http.ts';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { startRampart } from '../helpers/rampart.ts';

const KEY_ENV = 'RAMPART_CREDENTIAL_VAULT_KEY';
const SECRET = 'sk-live-4f9a1c2e7b3d8e6f0a11';
const ROTATED = 'sk-live-rotated-99c0ffee1234';

describe('upstream credentials from the vault', () => {
  let dir: string;
  let stateDir: string;
  const openVault = () =>
    Vault.open(stateDir, localKeyWrapper(parseMasterKey(process.env[KEY_ENV]!, KEY_ENV)));
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-vault-credentials-'));
    process.env[KEY_ENV] = randomBytes(32).toString('base64');
    stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const vault = openVault();
    await vault.set('API_TOKEN', SECRET, 'secret');
    vault.close();
  });
  after(() => {
    delete process.env[KEY_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  const credentials = (name: string) => ({
    type: 'static',
    header: 'x-api-key',
    scheme: '',
    secret: { vault: name },
  });

  it('sends a static credential from the vault and the rotated value from the next request on', async (t) => {
    const upstream = await startEchoHttpUpstream();
    t.after(() => upstream.close());
    const gw = await startRampart({
      stateDir,
      vault: { masterKey: { env: KEY_ENV } },
      servers: [{ name: 'api', url: upstream.url, credentials: credentials('API_TOKEN') }],
    });
    t.after(() => gw.stop());
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const whoami = async () =>
      (await client.result('tools/call', { name: 'api__whoami', arguments: {} }))['content'];

    assert.deepEqual(await whoami(), [{ type: 'text', text: 'called with key [REDACTED:API_TOKEN]' }]);
    assert.deepEqual(upstream.keys, [SECRET]);

    // Rotated through another handle on the vault, as `rampart secrets rotate` in another process does.
    const vault = openVault();
    await vault.rotate('API_TOKEN', ROTATED, 60_000);
    vault.close();
    await gw.rampart.vault.refresh();
    assert.deepEqual(await whoami(), [{ type: 'text', text: 'called with key [REDACTED:API_TOKEN]' }]);
    assert.deepEqual(upstream.keys, [SECRET, ROTATED]);
  });

  it('refuses to start on an unknown name, naming the credential key', async () => {
    await assert.rejects(
      startRampart({
        stateDir,
        vault: { masterKey: { env: KEY_ENV } },
        servers: [{ name: 'api', url: 'http://127.0.0.1:9/mcp', credentials: credentials('NOT_THERE') }],
      }),
      (err: unknown) =>
        err instanceof RampartError &&
        err.code === 'RAMPART_VAULT_SECRET_UNKNOWN' &&
        err.message.startsWith('servers[0].credentials.secret: '),
    );
  });
});
