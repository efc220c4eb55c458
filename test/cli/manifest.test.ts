// `rampart manifest build|sign|verify|keygen` as a publisher and an operator run them: the real CLI in a child
// process, its files, output and exit codes (0 ok, 1 verification failed, 2 usage).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { manifestCommand } from '../../src/cli/manifest.ts';
import { buildManifest } from '../../src/integrity/manifest/build.ts';
import { parseManifest, serializeManifest } from '../../src/integrity/manifest/format.ts';
import { contractHash } from '../../src/integrity/pins.ts';
import { makeBundle, makeLeaf, makeSigstoreWorld } from '../helpers/sigstore.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

function rampart(cwd: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [path.join(REPO, 'src/cli/main.ts'), 'manifest', ...args], {
    encoding: 'utf8',
    cwd,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const DEFINITIONS = {
  tools: [
    { name: 'read_file', description: 'Read a file', inputSchema: { type: 'object' } },
    { name: 'write_file', description: 'Write a file', inputSchema: { type: 'object' } },
  ],
  prompts: [{ name: 'summarise' }],
  resourceTemplates: [],
  instructions: 'Read before you write.',
  serverInfo: { name: 'files-server', version: '1.0.0' },
};

describe('rampart manifest', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-manifest-cli-'));
    writeFileSync(path.join(dir, 'definitions.json'), JSON.stringify(DEFINITIONS));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keygen writes a private key only its owner can read, and refuses to overwrite it', () => {
    const run = rampart(dir, 'keygen', '--out', 'acme');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /key id [0-9a-f]{64}/);
    assert.equal(statSync(path.join(dir, 'acme.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(dir, 'acme.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    assert.doesNotMatch(run.out + run.err, /PRIVATE KEY/);
    assert.equal(rampart(dir, 'keygen', '--out', 'acme').code, 1);
    assert.equal(rampart(dir, 'keygen', '--out', 'other').code, 0);
  });

  it('build prints a manifest of the definitions; sign and verify accept it', () => {
    const built = rampart(
      dir,
      'build',
      '--from',
      'definitions.json',
      '--server',
      'files',
      '--publisher',
      'Acme',
    );
    assert.equal(built.code, 0, built.err);
    const manifest = parseManifest(built.out);
    assert.equal(manifest.server, 'files');
    assert.deepEqual(manifest.identity, { name: 'files-server' });
    assert.deepEqual(
      manifest.tools.map((t) => [t.name, t.sha256]),
      DEFINITIONS.tools.map((t) => [t.name, contractHash(t)]),
    );
    writeFileSync(path.join(dir, 'manifest.json'), built.out);

    const signed = rampart(dir, 'sign', '--key', 'acme.key', 'manifest.json');
    assert.equal(signed.code, 0, signed.err);
    assert.ok(existsSync(path.join(dir, 'manifest.json.sig')));
    const verified = rampart(
      dir,
      'verify',
      'manifest.json',
      '--signature',
      'manifest.json.sig',
      '--key',
      'acme.pub',
    );
    assert.equal(verified.code, 0, verified.err);
    assert.match(
      verified.out,
      /^ok: manifest of "files" .* signed by ed25519:[0-9a-f]{64}; 2 tools, 1 prompts/,
    );
    // Several keys may be trusted; one of them must have signed.
    const keys = ['--key', 'other.pub', '--key', 'acme.pub'];
    const either = rampart(dir, 'verify', 'manifest.json', '--signature', 'manifest.json.sig', ...keys);
    assert.equal(either.code, 0, either.err);
  });

  it('verify fails with exit 1 for a changed byte or another key', () => {
    const text = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    writeFileSync(path.join(dir, 'tampered.json'), text.replace('"Acme"', '"Acmf"'));
    const tampered = rampart(
      dir,
      'verify',
      'tampered.json',
      '--signature',
      'manifest.json.sig',
      '--key',
      'acme.pub',
    );
    assert.equal(tampered.code, 1);
    assert.match(tampered.err, /RAMPART_MANIFEST_SIGNATURE/);
    const wrongKey = rampart(
      dir,
      'verify',
      'manifest.json',
      '--signature',
      'manifest.json.sig',
      '--key',
      'other.pub',
    );
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.err, /RAMPART_MANIFEST_SIGNATURE/);
  });

  it('verify fails with exit 1 for an expired manifest', () => {
    const expired = buildManifest(
      { tools: [], prompts: [], resourceTemplates: [], instructions: undefined, identity: undefined },
      {
        server: 'files',
        publisher: 'Acme',
        issuedAt: new Date('2020-01-01T00:00:00Z'),
        expiresAt: new Date('2020-02-01T00:00:00Z'),
      },
    );
    writeFileSync(path.join(dir, 'expired.json'), serializeManifest(expired));
    assert.equal(rampart(dir, 'sign', '--key', 'acme.key', 'expired.json').code, 0);
    const run = rampart(
      dir,
      'verify',
      'expired.json',
      '--signature',
      'expired.json.sig',
      '--key',
      'acme.pub',
    );
    assert.equal(run.code, 1);
    assert.match(run.err, /RAMPART_MANIFEST_EXPIRED/);
  });

  it('sign refuses a key that is not Ed25519 and a file that is not a manifest', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path.join(dir, 'ec.key'), ec.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const run = rampart(dir, 'sign', '--key', 'ec.key', 'manifest.json', '--out', 'ec.sig');
    assert.equal(run.code, 1);
    assert.match(run.err, /RAMPART_MANIFEST_KEY_INVALID/);
    assert.ok(!existsSync(path.join(dir, 'ec.sig')));
    const notManifest = rampart(dir, 'sign', '--key', 'acme.key', 'definitions.json');
    assert.equal(notManifest.code, 1);
    assert.match(notManifest.err, /RAMPART_MANIFEST_INVALID/);
  });

  it('verify checks a Sigstore bundle against a trusted root file and the signer identity', async () => {
    const now = new Date();
    const world = makeSigstoreWorld(now);
    const text = readFileSync(path.join(dir, 'manifest.json'));
    const leaf = makeLeaf({
      ca: world.ca,
      notBefore: now,
      notAfter: new Date(now.getTime() + 600_000),
      oidcIssuer: 'https://accounts.example.test',
      email: 'release@acme.example',
      ctlog: world.ctlog,
    });
    const bundle = makeBundle({
      artifact: text,
      leaf,
      tlog: world.tlog,
      tlogName: world.tlogName,
      integratedTime: new Date(now.getTime() + 1000),
      version: '0.3',
    });
    writeFileSync(path.join(dir, 'manifest.sigstore.json'), JSON.stringify(bundle));
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(world.root()));
    const args = [
      'verify',
      'manifest.json',
      '--bundle',
      'manifest.sigstore.json',
      '--trusted-root',
      'trusted_root.json',
    ];
    const ok = rampart(
      dir,
      ...args,
      '--issuer',
      'https://accounts.example.test',
      '--subject',
      'release@acme.example',
    );
    assert.equal(ok.code, 0, ok.err);
    assert.match(
      ok.out,
      /signed by sigstore:release@acme\.example \(issuer https:\/\/accounts\.example\.test\)/,
    );
    const stranger = rampart(
      dir,
      ...args,
      '--issuer',
      'https://accounts.example.test',
      '--subject',
      'eve@acme.example',
    );
    assert.equal(stranger.code, 1);
    assert.match(stranger.err, /RAMPART_MANIFEST_UNTRUSTED_IDENTITY/);
    // --subject-regex, in-process (absolute paths: the process's cwd is not `dir` here).
    const absolute = args.map((a) => (a.endsWith('.json') ? path.join(dir, a) : a));
    const quiet = { out: () => {}, err: () => {} };
    const issuer = ['--issuer', 'https://accounts.example.test'];
    assert.equal(
      await manifestCommand([...absolute, ...issuer, '--subject-regex', 'release@acme\\.example'], quiet),
      0,
    );
    assert.equal(await manifestCommand([...absolute, ...issuer, '--subject-regex', 'release'], quiet), 1);
  });

  it('exits 2 on usage problems', async () => {
    assert.equal(rampart(dir).code, 2);
    const noRoute = rampart(dir, 'verify', 'manifest.json');
    assert.equal(noRoute.code, 2);
    assert.match(noRoute.err, /give --signature and --key/);
    // The rest in-process: the same function main.ts calls, without a process start per case.
    const quiet = { out: () => {}, err: () => {} };
    const inDir = (...args: string[]) =>
      manifestCommand(
        args.map((a) => (a.endsWith('.json') ? path.join(dir, a) : a)),
        quiet,
      );
    assert.equal(await inDir('frobnicate'), 2);
    assert.equal(await inDir('build', '--from', 'definitions.json'), 2);
    assert.equal(await inDir('verify', 'manifest.json', '--bundle', 'b.json', '--trusted-root', 'r.json'), 2);
    assert.equal(await inDir('verify', 'manifest.json', '--signature', 'manifest.json.sig'), 2);
    assert.equal(await inDir('sign', 'manifest.json'), 2);
    assert.equal(await inDir('keygen', '--bogus'), 2);
    assert.equal(
      await inDir(
        'build',
        '--from',
        'definitions.json',
        '--server',
        's',
        '--publisher',
        'p',
        '--expires',
        'soon',
      ),
      2,
    );
  });
});
