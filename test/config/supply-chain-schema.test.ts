// `package` servers and the `supplyChain` section: refused specs name the key, and the defaults are safe.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { isPackageServer, isStdioServer } from '../../src/config/schema.ts';

const PIN = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;

function issues(text: string): Array<{ key: string; line: number }> {
  try {
    parseConfigText(text, '/srv/rampart.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'RAMPART_CONFIG_INVALID');
    return err.issues.map((i) => ({ key: i.key, line: i.line }));
  }
  assert.fail('the config was accepted');
}

test('a stdio server may name an exact npm package with its integrity pin instead of a command', () => {
  const config = parseConfigText(
    `servers:\n  - name: memory\n    package: npm:@modelcontextprotocol/server-memory@2026.8.31\n    packageIntegrity: ${PIN}\n    args: [--flag]\n`,
    '/srv/rampart.yaml',
  );
  const [server] = config.servers;
  assert.ok(server && isStdioServer(server) && isPackageServer(server));
  assert.equal(server.packageIntegrity, PIN);
  assert.deepEqual(server.args, ['--flag']);
  assert.deepEqual(config.supplyChain, {
    registries: ['https://registry.npmjs.org'],
    requireProvenance: false,
  });
});

test('tags, ranges, git, file and URL specs are refused naming the key and its line', () => {
  for (const spec of ['npm:x@latest', 'npm:x@^1.0.0', 'git+https://h/r.git', 'file:./x', 'https://h/x.tgz']) {
    const text = `servers:\n  - name: a\n    package: "${spec}"\n    packageIntegrity: ${PIN}\n`;
    assert.deepEqual(issues(text), [{ key: 'servers[0].package', line: 3 }], spec);
  }
});

test('a package needs its pin; command and package exclude each other; bin and the pin need a package', () => {
  assert.deepEqual(issues('servers:\n  - name: a\n    package: npm:x@1.0.0\n'), [
    { key: 'servers[0].packageIntegrity', line: 2 },
  ]);
  assert.deepEqual(
    issues(
      `servers:\n  - name: a\n    command: node\n    package: npm:x@1.0.0\n    packageIntegrity: ${PIN}\n`,
    ),
    [{ key: 'servers[0].package', line: 4 }],
  );
  assert.deepEqual(issues('servers:\n  - name: a\n    command: node\n    bin: x\n'), [
    { key: 'servers[0].bin', line: 4 },
  ]);
  assert.deepEqual(
    issues('servers:\n  - name: a\n    package: npm:x@1.0.0\n    packageIntegrity: sha1-abc\n'),
    [{ key: 'servers[0].packageIntegrity', line: 4 }],
  );
  assert.deepEqual(issues('servers:\n  - name: a\n    args: []\n'), [{ key: 'servers[0]', line: 2 }]);
});

test('registries must be https, except on loopback, and carry no credentials', () => {
  const base = 'servers:\n  - name: a\n    command: x\nsupplyChain:\n  registries:\n';
  for (const url of [
    'http://registry.example',
    'http://10.0.0.1:4873',
    'https://u:p@registry.example',
    'nope',
  ]) {
    assert.deepEqual(issues(`${base}    - "${url}"\n`), [{ key: 'supplyChain.registries[0]', line: 6 }], url);
  }
  const config = parseConfigText(
    `${base}    - http://127.0.0.1:4873\n    - https://npm.internal.example/registry\n  requireProvenance: true\n`,
    '/srv/rampart.yaml',
  );
  assert.deepEqual(config.supplyChain.registries, [
    'http://127.0.0.1:4873',
    'https://npm.internal.example/registry',
  ]);
  assert.equal(config.supplyChain.requireProvenance, true);
});
