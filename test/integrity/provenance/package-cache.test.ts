// The package cache: a verified tarball is unpacked into `<cacheDir>/<sha512>/`, made read-only, and run from
// there with this Node; a changed, added or removed file stops it from running again; dependencies come from the
// allowed registry without lifecycle scripts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../../../src/errors.ts';
import {
  type CacheEntry,
  installIntoCache,
  openCacheEntry,
  recheckCacheEntry,
  removeTree,
} from '../../../src/integrity/provenance/package-cache.ts';
import { packageCommand } from '../../../src/integrity/provenance/package-launch.ts';
import { parsePackageSpec } from '../../../src/integrity/provenance/package-spec.ts';
import { verifyPackage } from '../../../src/integrity/provenance/verify-package.ts';
import {
  ECHO,
  FIXTURES,
  integrityOf,
  type LoopbackRegistry,
  packDirectory,
  publishEcho,
  startLoopbackRegistry,
} from './loopback-registry.ts';

const KEYS = path.join(FIXTURES, 'keys.json');

function tampered(err: unknown): boolean {
  return err instanceof RampartError && err.code === 'RAMPART_PACKAGE_CACHE_TAMPERED';
}

/** Runs the entry's bin as Rampart would and asks it to initialize; resolves with its first answer. */
async function runOnce(entry: CacheEntry): Promise<Record<string, unknown>> {
  const { command, args } = packageCommand(entry, []);
  const child = spawn(command, args, {
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })}\n`);
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  child.kill();
  return JSON.parse(out.split('\n')[0]!) as Record<string, unknown>;
}

describe('package cache', () => {
  let registry: LoopbackRegistry;
  let work: string;
  before(async () => {
    registry = await startLoopbackRegistry();
    await publishEcho(registry);
    work = mkdtempSync(path.join(tmpdir(), 'rampart-cache-'));
  });
  after(async () => {
    await registry.close();
    removeTree(work);
  });

  const options = () => ({ registries: [registry.url], requireProvenance: false, registryKeys: KEYS });
  let counter = 0;
  async function install(): Promise<{ cacheDir: string; entry: CacheEntry }> {
    const cacheDir = path.join(work, `cache${counter++}`);
    const verified = await verifyPackage(ECHO, undefined, options());
    const entry = await installIntoCache({ cacheDir, spec: ECHO, ...verified, bin: undefined });
    return { cacheDir, entry };
  }

  it('unpacks into a read-only entry named by the tarball SHA-512 and runs its bin with this Node', async () => {
    const { cacheDir, entry } = await install();
    assert.equal(entry.dir, path.join(cacheDir, entry.verification.tarballSha512));
    assert.equal(entry.bin.name, 'echo-mcp');
    assert.equal(entry.bin.file, path.join(entry.dir, 'package', 'bin', 'echo-mcp.js'));
    assert.equal(statSync(entry.bin.file).mode & 0o222, 0);
    assert.equal(statSync(path.join(entry.dir, 'package')).mode & 0o222, 0);
    assert.deepEqual(packageCommand(entry, ['--x']).args, [entry.bin.file, '--x']);
    assert.equal(packageCommand(entry, []).command, process.execPath);
    const answer = await runOnce(entry);
    assert.deepEqual((answer['result'] as { serverInfo: unknown }).serverInfo, {
      name: 'echo-mcp',
      version: '1.0.0',
    });
    // Opened again (a restart of Rampart), the intact entry is used as it is, without the registry.
    const requests = registry.requests.length;
    const reopened = openCacheEntry(cacheDir, entry.verification.tarballSha512, ECHO, undefined);
    assert.equal(reopened?.dir, entry.dir);
    assert.deepEqual(reopened?.verification, entry.verification);
    assert.equal(registry.requests.length, requests);
  });

  it('detects a modified, an added and a removed file, and then does not run the package', async () => {
    const edits: Array<[string, (entry: CacheEntry) => void]> = [
      [
        'modified',
        (entry) => {
          chmodSync(entry.bin.file, 0o644);
          writeFileSync(entry.bin.file, `${readFileSync(entry.bin.file, 'utf8')}\nprocess.exit(3);\n`);
        },
      ],
      [
        'added',
        (entry) => {
          chmodSync(path.join(entry.dir, 'package', 'bin'), 0o755);
          writeFileSync(path.join(entry.dir, 'package', 'bin', 'extra.js'), '');
        },
      ],
      [
        'removed',
        (entry) => {
          chmodSync(path.join(entry.dir, 'package'), 0o755);
          removeTree(path.join(entry.dir, 'package', 'package.json'));
        },
      ],
    ];
    for (const [label, edit] of edits) {
      const { cacheDir, entry } = await install();
      recheckCacheEntry(entry);
      edit(entry);
      assert.throws(() => recheckCacheEntry(entry), tampered, label);
      assert.throws(() => packageCommand(entry, []), tampered, label);
      assert.throws(
        () => openCacheEntry(cacheDir, entry.verification.tarballSha512, ECHO, undefined),
        tampered,
      );
    }
  });

  it('refuses a bin the package does not have before caching anything', async () => {
    const cacheDir = path.join(work, 'nobin');
    const verified = await verifyPackage(ECHO, undefined, options());
    await assert.rejects(
      installIntoCache({ cacheDir, spec: ECHO, ...verified, bin: 'nope' }),
      (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_PACKAGE_BIN',
    );
    assert.equal(existsSync(path.join(cacheDir, verified.verification.tarballSha512)), false);
  });

  it('installs dependencies from the allowed registry without running lifecycle scripts', async () => {
    const spec = parsePackageSpec('npm:@rampart-test/with-dep@1.0.0');
    const src = mkdtempSync(path.join(work, 'src-'));
    const manifest = {
      name: spec.name,
      version: spec.version,
      bin: { 'with-dep': 'cli.js' },
      dependencies: { 'is-number': '^7.0.0' },
      scripts: { postinstall: "node -e \"require('fs').writeFileSync('POSTINSTALL_RAN', '')\"" },
    };
    writeFileSync(path.join(src, 'package.json'), JSON.stringify(manifest));
    writeFileSync(
      path.join(src, 'cli.js'),
      "process.stdout.write(String(require('is-number')(5)) + '\\n');\n",
    );
    const tarball = await packDirectory(src, ['package.json', 'cli.js']);
    registry.publish(
      spec.name,
      spec.version,
      { ...manifest, dist: { integrity: integrityOf(tarball) } },
      tarball,
    );
    const verified = await verifyPackage(spec, undefined, options());
    assert.deepEqual(
      verified.verification.findings.map((f) => f.code),
      ['PACKAGE_SIGNATURE_ABSENT', 'PACKAGE_PROVENANCE_ABSENT', 'PACKAGE_INSTALL_SCRIPTS_SKIPPED'],
    );
    const entry = await installIntoCache({
      cacheDir: path.join(work, 'deps'),
      spec,
      ...verified,
      bin: undefined,
    });
    const packageDir = path.join(entry.dir, 'package');
    const dependency = JSON.parse(
      readFileSync(path.join(packageDir, 'node_modules/is-number/package.json'), 'utf8'),
    );
    assert.equal(dependency.version, '7.0.0');
    assert.ok(registry.requests.includes('/is-number/-/is-number-7.0.0.tgz'));
    assert.equal(existsSync(path.join(packageDir, 'POSTINSTALL_RAN')), false);
    assert.ok(entry.verification.findings.some((f) => f.code === 'PACKAGE_DEPENDENCIES_UNPINNED'));
    // The dependencies are part of the checked tree.
    chmodSync(path.join(packageDir, 'node_modules/is-number/index.js'), 0o644);
    writeFileSync(path.join(packageDir, 'node_modules/is-number/index.js'), 'module.exports = () => true;\n');
    assert.throws(() => recheckCacheEntry(entry), tampered);
  });
});
