// HTTP upstream transport security at config load: plain http only to loopback unless explicitly allowed, TLS
// settings only on https, pins in the curl `sha256/<base64>` form, and `tls.ca` relative to the config file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { type HttpServerConfig, isStdioServer } from '../../src/config/schema.ts';
import { tofuEnabled } from '../../src/config/server-tls-schema.ts';

const PIN = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;

function serverYaml(lines: string): string {
  return `servers:\n  - name: up\n${lines
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`;
}

function load(lines: string, file = '/srv/rampart/rampart.yaml'): HttpServerConfig {
  const server = parseConfigText(serverYaml(lines), file).servers[0]!;
  assert.ok(!isStdioServer(server));
  return server;
}

function issues(lines: string): { key: string; line: number }[] {
  try {
    parseConfigText(serverYaml(lines), 'rampart.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, 'RAMPART_CONFIG_INVALID');
    return error.issues.map(({ key, line }) => ({ key, line }));
  }
  assert.fail('the config was accepted');
}

describe('HTTP upstream transport security (config)', () => {
  it('refuses plain http to a host that is not loopback, naming servers[0].url', () => {
    for (const url of [
      'http://mcp.example.com/mcp',
      'http://10.0.0.5:8080/mcp',
      'http://[2001:db8::1]/mcp',
    ]) {
      assert.deepEqual(issues(`url: ${url}`), [{ key: 'servers[0].url', line: 3 }], url);
    }
  });

  it('allows plain http to loopback: 127.0.0.0/8, ::1 and localhost', () => {
    for (const url of [
      'http://127.0.0.1:3001/mcp',
      'http://127.4.5.6/mcp',
      'http://[::1]:3001/mcp',
      'http://localhost:3001/mcp',
    ]) {
      assert.equal(load(`url: ${url}`).allowInsecureHttp, false, url);
    }
  });

  it('accepts plain http anywhere with allowInsecureHttp: true', () => {
    const server = load('url: http://mcp.example.com/mcp\nallowInsecureHttp: true');
    assert.equal(server.allowInsecureHttp, true);
  });

  it('refuses tls settings on a plain http URL', () => {
    assert.deepEqual(issues(`url: http://127.0.0.1:3001/mcp\ntls:\n  pins: ["${PIN}"]`), [
      { key: 'servers[0].tls.pins', line: 5 },
    ]);
    assert.deepEqual(issues('url: http://127.0.0.1:3001/mcp\ntls: { ca: ca.pem }'), [
      { key: 'servers[0].tls.ca', line: 4 },
    ]);
  });

  it('accepts pins, ca, servername and tofu on https, and resolves ca against the config directory', () => {
    const server = load(
      `url: https://10.1.2.3/mcp\ntls:\n  pins: ["${PIN}"]\n  ca: certs/ca.pem\n  servername: mcp.internal\n  tofu: true`,
    );
    assert.deepEqual(server.tls, {
      pins: [PIN],
      ca: '/srv/rampart/certs/ca.pem',
      servername: 'mcp.internal',
      tofu: true,
    });
    assert.equal(load('url: https://h/mcp\ntls: { ca: /etc/ca.pem }').tls?.ca, '/etc/ca.pem');
  });

  it('refuses malformed pins and unknown tls keys', () => {
    assert.deepEqual(issues('url: https://h/mcp\ntls:\n  pins: ["sha1/abc"]'), [
      { key: 'servers[0].tls.pins[0]', line: 5 },
    ]);
    assert.deepEqual(issues(`url: https://h/mcp\ntls:\n  pins: ["${PIN.slice(0, -2)}="]`), [
      { key: 'servers[0].tls.pins[0]', line: 5 },
    ]);
    assert.deepEqual(issues('url: https://h/mcp\ntls:\n  pins: []'), [
      { key: 'servers[0].tls.pins', line: 5 },
    ]);
    assert.deepEqual(issues('url: https://h/mcp\ntls:\n  pin: x'), [{ key: 'servers[0].tls.pin', line: 5 }]);
  });

  it('defaults first-use pinning to on without pins and off with them', () => {
    assert.equal(tofuEnabled(undefined), true);
    assert.equal(tofuEnabled({ ca: '/ca.pem' }), true);
    assert.equal(tofuEnabled({ pins: [PIN] }), false);
    assert.equal(tofuEnabled({ pins: [PIN], tofu: true }), true);
    assert.equal(tofuEnabled({ tofu: false }), false);
  });
});
