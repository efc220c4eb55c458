import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { loadConfigFile, parseConfigText } from '../../src/config/load.ts';
import { isStdioServer } from '../../src/config/schema.ts';

const ISSUE_EXAMPLE = `listen: { host: 127.0.0.1, port: 8787 }
servers:
  - name: everything
    command: npx
    args: ["-y", "@modelcontextprotocol/server-everything"]
  - name: remote
    url: http://127.0.0.1:3001/mcp
`;

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError, but the config was accepted');
}

function issuesOf(text: string) {
  const error = configErrorOf(() => parseConfigText(text, 'rampart.yaml'));
  assert.equal(error.code, 'RAMPART_CONFIG_INVALID');
  return error.issues.map(({ line, column, key }) => ({ line, column, key }));
}

test('the example from the issue parses and gets every default filled in', () => {
  const config = parseConfigText(ISSUE_EXAMPLE, '/srv/rampart/rampart.yaml');
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8787, path: '/mcp' });
  assert.equal(config.separator, '__');
  assert.equal(config.log.level, 'info');
  assert.equal(config.limits.maxSessions, 1000);
  assert.equal(config.servers.length, 2);
  const [everything, remote] = config.servers;
  assert.ok(everything && isStdioServer(everything));
  assert.deepEqual(everything.args, ['-y', '@modelcontextprotocol/server-everything']);
  assert.equal(everything.era, 'auto');
  assert.equal(everything.restart.initialDelayMs, 250);
  assert.ok(remote && !isStdioServer(remote));
  assert.equal(remote.transport, 'streamable-http');
  assert.equal(remote.timeouts.requestMs, 60_000);
});

test('an unknown key is an error naming the key and its line', () => {
  const text = 'listen:\n  host: 127.0.0.1\n  prot: 8787\nservers:\n  - name: a\n    command: x\n';
  assert.deepEqual(issuesOf(text), [{ line: 3, column: 3, key: 'listen.prot' }]);
});

test('an unknown key inside a server entry names the entry', () => {
  const text = 'servers:\n  - name: a\n    command: x\n    argz: []\n';
  assert.deepEqual(issuesOf(text), [{ line: 4, column: 5, key: 'servers[0].argz' }]);
});

test('a wrong type points at the key path and line', () => {
  const text = 'servers:\n  - name: a\n    command: x\n    timeouts:\n      requestMs: soon\n';
  assert.deepEqual(issuesOf(text), [{ line: 5, column: 7, key: 'servers[0].timeouts.requestMs' }]);
});

test('every problem is reported, in source order', () => {
  const text = 'listen:\n  port: "8787"\nservers:\n  - name: a\n    command: x\n    args: y\nbogus: 1\n';
  assert.deepEqual(issuesOf(text), [
    { line: 2, column: 3, key: 'listen.port' },
    { line: 6, column: 5, key: 'servers[0].args' },
    { line: 7, column: 1, key: 'bogus' },
  ]);
});

test('missing servers is an error at the document', () => {
  assert.deepEqual(issuesOf('\nlisten:\n  port: 8787\n'), [{ line: 2, column: 1, key: 'servers' }]);
});

test('an empty file is an error', () => {
  assert.deepEqual(issuesOf(''), [{ line: 1, column: 1, key: '' }]);
});

test('a server with neither command nor url is an error at that entry', () => {
  const text = 'servers:\n  - name: a\n    command: x\n  - name: b\n';
  assert.deepEqual(issuesOf(text), [{ line: 4, column: 5, key: 'servers[1]' }]);
});

test('a server with both command and url is an error at that entry', () => {
  const text = 'servers:\n  - name: a\n    command: x\n    url: http://127.0.0.1:1/mcp\n';
  assert.deepEqual(issuesOf(text), [{ line: 2, column: 5, key: 'servers[0]' }]);
});

test('a YAML syntax error gives its line', () => {
  const error = configErrorOf(() =>
    parseConfigText('servers:\n  - name: a\n    args: [x, y\n', 'rampart.yaml'),
  );
  assert.equal(error.code, 'RAMPART_CONFIG_YAML');
  assert.ok(error.issues.length > 0);
  assert.ok(
    error.issues.every((issue) => issue.line >= 3),
    JSON.stringify(error.issues),
  );
});

test('a key given twice is a YAML error at the second one', () => {
  const error = configErrorOf(() => parseConfigText('servers: []\nlog: {}\nservers: []\n', 'rampart.yaml'));
  assert.equal(error.code, 'RAMPART_CONFIG_YAML');
  assert.equal(error.issues[0]?.line, 3);
});

test('a duplicate server name points at the second server', () => {
  const text =
    'servers:\n  - name: a\n    command: x\n  - name: b\n    command: y\n  - name: a\n    url: http://127.0.0.1:1/mcp\n';
  assert.deepEqual(issuesOf(text), [{ line: 6, column: 5, key: 'servers[2].name' }]);
});

test('two servers with an empty namespace collide', () => {
  const text =
    'servers:\n  - name: a\n    namespace: ""\n    command: x\n  - name: b\n    namespace: ""\n    command: y\n';
  assert.deepEqual(issuesOf(text), [{ line: 6, column: 5, key: 'servers[1].namespace' }]);
});

test('a namespace equal to another server name collides', () => {
  const text = 'servers:\n  - name: a\n    command: x\n  - name: b\n    namespace: a\n    command: y\n';
  assert.deepEqual(issuesOf(text), [{ line: 5, column: 5, key: 'servers[1].namespace' }]);
});

test('the message lists each issue as file:line:column: key: message', () => {
  const error = configErrorOf(() =>
    parseConfigText('servers:\n  - name: a\n    command: x\n    argz: []\n', 'x.yaml'),
  );
  assert.match(error.message, /^x\.yaml:4:5: servers\[0\]\.argz: /);
});

test('a missing file is RAMPART_CONFIG_NOT_FOUND', () => {
  const error = configErrorOf(() => loadConfigFile(join(tmpdir(), 'rampart-no-such-dir', 'rampart.yaml')));
  assert.equal(error.code, 'RAMPART_CONFIG_NOT_FOUND');
});

test('relative cwd and stateDir are resolved against the config file directory', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rampart.yaml');
  writeFileSync(
    file,
    'stateDir: state\nservers:\n  - name: a\n    command: x\n    cwd: work\n  - name: b\n    command: y\n',
  );
  const config = loadConfigFile(file);
  assert.equal(config.stateDir, join(dir, 'state'));
  const [withCwd, withoutCwd] = config.servers;
  assert.ok(withCwd && isStdioServer(withCwd) && withoutCwd && isStdioServer(withoutCwd));
  assert.equal(withCwd.cwd, join(dir, 'work'));
  assert.equal(withoutCwd.cwd, dir);
});

test('namespaces that overlap through the separator are an error (a and a__b would both claim a__b__tool)', () => {
  const text = 'servers:\n  - name: a\n    command: x\n  - name: a__b\n    command: y\n';
  try {
    parseConfigText(text, 'overlap.yaml');
    assert.fail('expected a config error');
  } catch (err) {
    assert.equal((err as { code: string }).code, 'RAMPART_CONFIG_INVALID');
    const issues = (err as { issues: Array<{ line: number; key: string }> }).issues;
    assert.equal(issues[0]!.line, 4);
    assert.equal(issues[0]!.key, 'servers[1].name');
  }
});
