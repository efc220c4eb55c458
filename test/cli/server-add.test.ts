// `rampart server add`: verifies a package from the (loopback) registry, caches it, and appends a pinned `package`
// server to the config file with its comments and layout kept; tags and ranges are refused before anything runs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serverCommand } from '../../src/cli/server-add.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { isPackageServer } from '../../src/config/schema.ts';
import { removeTree } from '../../src/integrity/provenance/package-cache.ts';
import {
  FIXTURES,
  integrityOf,
  type LoopbackRegistry,
  publishEcho,
  startLoopbackRegistry,
} from '../integrity/provenance/loopback-registry.ts';

describe('rampart server add', () => {
  let registry: LoopbackRegistry;
  let dir: string;
  let echoPin: string;
  before(async () => {
    registry = await startLoopbackRegistry();
    echoPin = integrityOf(await publishEcho(registry));
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-server-add-'));
  });
  after(async () => {
    await registry.close();
    removeTree(dir);
  });

  function configFile(name: string): string {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      [
        '# Rampart in front of local tools.',
        'listen: { host: 127.0.0.1, port: 8787 }  # loopback only',
        'stateDir: state',
        '',
        'servers:',
        '  # the first server',
        '  - name: local',
        '    command: node',
        '    args: ["server.js"]',
        '',
        'supplyChain:',
        `  registries: ["${registry.url}"]`,
        `  registryKeys: ${path.join(FIXTURES, 'keys.json')}`,
        '  cacheDir: packages   # beside this file',
        '',
      ].join('\n'),
    );
    return file;
  }

  async function run(args: string[]) {
    let out = '';
    let err = '';
    const code = await serverCommand(args, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });
    return { code, out, err };
  }

  it('writes the pinned package server into the config, keeping every other byte of it', async () => {
    const file = configFile('add.yaml');
    const before = readFileSync(file, 'utf8');
    const added = await run(['add', 'npm:@rampart-test/echo-mcp@1.0.0', '--config', file]);
    assert.equal(added.code, 0, added.out + added.err);
    assert.match(added.out, /registry signature: absent/);
    assert.match(added.out, /PACKAGE_PROVENANCE_ABSENT/);
    const text = readFileSync(file, 'utf8');
    const entry = [
      '  # added by rampart server add: provenance absent; registry signature absent',
      '  - name: echo-mcp',
      '    package: npm:@rampart-test/echo-mcp@1.0.0',
      `    packageIntegrity: ${echoPin}`,
      '',
    ].join('\n');
    assert.equal(text, before.replace('    args: ["server.js"]\n', `    args: ["server.js"]\n${entry}`));
    const config = loadConfigFile(file);
    const server = config.servers.find((s) => s.name === 'echo-mcp');
    assert.ok(server && isPackageServer(server));
    assert.equal(server.packageIntegrity, echoPin);
    // The package is in the cache beside the config, ready for `rampart serve`.
    const hex = Buffer.from(echoPin.slice('sha512-'.length), 'base64').toString('hex');
    assert.ok(existsSync(path.join(dir, 'packages', hex, 'package', 'bin', 'echo-mcp.js')));

    const again = await run(['add', 'npm:@rampart-test/echo-mcp@1.0.0', '--config', file]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already configured/);
    assert.equal(readFileSync(file, 'utf8'), text);
  });

  it('prints the provenance facts, and writes nothing when the package cannot be installed', async () => {
    const file = configFile('facts.yaml');
    const before = readFileSync(file, 'utf8');
    const { code, out, err } = await run(['add', 'npm:sigstore@0.4.0', '--config', file, '--name', 'sig']);
    assert.match(out, /provenance: +verified/);
    assert.match(out, /source repository: +https:\/\/github\.com\/sigstore\/sigstore-js/);
    assert.match(out, /builder: +https:\/\/github\.com\/npm\/cli@9\.2\.0/);
    // Its one dependency is not on the loopback registry: the install fails and the config stays as it was.
    assert.equal(code, 1);
    assert.match(err, /RAMPART_PACKAGE_INSTALL_FAILED/);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('refuses tags, ranges and non-registry specs without touching the registry or the file', async () => {
    const file = configFile('refuse.yaml');
    const before = readFileSync(file, 'utf8');
    const requests = registry.requests.length;
    for (const spec of [
      'npm:is-number@latest',
      'npm:is-number@^7.0.0',
      'npm:is-number',
      'git+https://h/r.git',
    ]) {
      const { code, err } = await run(['add', spec, '--config', file]);
      assert.equal(code, 2, spec);
      assert.match(err, /RAMPART_PACKAGE_SPEC/, spec);
    }
    assert.equal(registry.requests.length, requests);
    assert.equal(readFileSync(file, 'utf8'), before);
    assert.equal((await run(['add'])).code, 2);
    assert.equal((await run(['remove', 'npm:x@1.0.0'])).code, 2);
  });
});
