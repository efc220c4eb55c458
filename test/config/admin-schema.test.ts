// The `admin` section: defaults, and the cross-check that it cannot run without `auth` (approvers authenticate
// with access tokens; there are no static admin credentials).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfigText } from '../../src/config/load.ts';

const SERVERS = 'servers:\n  - name: pay\n    command: node\n';
const AUTH =
  'auth:\n  resource: https://rampart.example/mcp\n  issuers:\n    - issuer: https://idp.example\n';

describe('admin config', () => {
  it('fills in loopback, port 8788 and the rampart:admin scope', () => {
    const config = parseConfigText(`${SERVERS}${AUTH}admin: {}\n`, '/srv/rampart.yaml');
    assert.deepEqual(config.admin, { host: '127.0.0.1', port: 8788, requiredScope: 'rampart:admin' });
    assert.equal(parseConfigText(`${SERVERS}${AUTH}`, '/srv/rampart.yaml').admin, undefined);
  });

  it('refuses admin without auth, pointing at the admin key', () => {
    const text = `${SERVERS}admin:\n  port: 9000\n`;
    assert.throws(
      () => parseConfigText(text, 'rampart.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'RAMPART_CONFIG_INVALID');
        assert.deepEqual(
          err.issues.map((issue) => [issue.key, issue.line]),
          [['admin', 4]],
        );
        return true;
      },
    );
  });

  it('rejects a scope with spaces and unknown keys', () => {
    for (const admin of ['admin: { requiredScope: "a b" }', 'admin: { password: hunter2 }']) {
      assert.throws(() => parseConfigText(`${SERVERS}${AUTH}${admin}\n`, 'rampart.yaml'), ConfigError);
    }
  });
});
