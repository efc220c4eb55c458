// `${vault:NAME}` references: found with the config key they sit under, malformed ones refused, and resolved live
// (at every read) in the server entry Rampart's upstream uses, never in the config itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.ts';
import { bindVaultReferences, vaultReferences } from '../../src/vault/references.ts';

/** A `${vault:NAME}` reference as the config spells it. */
const ref = (name: string) => `\${vault:${name}}`;

const config = (servers: unknown[]) => configSchema.parse({ servers });

describe('vault references', () => {
  it('lists every reference in stdio env and http headers values with its key', () => {
    const refs = vaultReferences(
      config([
        { name: 'a', command: 'node', env: { KEY: ref('A_KEY'), PLAIN: 'x' } },
        { name: 'b', url: 'http://127.0.0.1:1/mcp', headers: { authorization: `Bearer ${ref('B_TOKEN')}` } },
      ]),
    );
    assert.deepEqual(refs, [
      { path: 'servers[0].env.KEY', name: 'A_KEY' },
      { path: 'servers[1].headers.authorization', name: 'B_TOKEN' },
    ]);
  });

  it('refuses a malformed reference, naming its key', () => {
    assert.throws(
      () => vaultReferences(config([{ name: 'a', command: 'node', env: { KEY: ref('bad name') } }])),
      (err: unknown) =>
        (err as { code?: string }).code === 'RAMPART_VAULT_SECRET_INVALID' &&
        (err as Error).message.startsWith('servers[0].env.KEY:'),
    );
  });

  it('resolves references at every read, leaving the config entry untouched', () => {
    const [server] = config([
      {
        name: 'b',
        url: 'http://127.0.0.1:1/mcp',
        headers: { authorization: `Bearer ${ref('T')}`, plain: 'p' },
      },
    ]).servers;
    let current = 'value-one';
    const bound = bindVaultReferences(server!, (name) => (name === 'T' ? current : 'unexpected'));
    const headers = (bound as { headers: Record<string, string> }).headers;
    assert.deepEqual({ ...headers }, { authorization: 'Bearer value-one', plain: 'p' });
    current = 'value-two';
    assert.deepEqual({ ...headers }, { authorization: 'Bearer value-two', plain: 'p' });
    assert.deepEqual((server as { headers: Record<string, string> }).headers, {
      authorization: `Bearer ${ref('T')}`,
      plain: 'p',
    });
    const [unreferenced] = config([{ name: 'a', command: 'node', env: { X: 'y' } }]).servers;
    assert.equal(
      bindVaultReferences(unreferenced!, () => 'z'),
      unreferenced,
    );
  });
});
