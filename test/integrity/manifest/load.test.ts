// loadVerifiedManifest as the gateway calls it: files relative to the config directory, every configured route
// verified, and the manifest's validity window checked against a frozen clock.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ManifestConfig } from '../../../src/config/manifest-schema.ts';
import { buildManifest } from '../../../src/integrity/manifest/build.ts';
import {
  generateManifestKeyPair,
  keyIdOf,
  loadPublicKey,
  signManifest,
} from '../../../src/integrity/manifest/ed25519.ts';
import { serializeManifest } from '../../../src/integrity/manifest/format.ts';
import { loadVerifiedManifest } from '../../../src/integrity/manifest/load.ts';
import { makeBundle, makeLeaf, makeSigstoreWorld } from '../../helpers/sigstore.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const ISSUER = 'https://accounts.example.test';
const SUBJECT = 'release@acme.example';
const SERVED = {
  tools: [{ name: 'read_file', description: 'Read a file' }],
  prompts: [],
  resourceTemplates: [],
  instructions: 'Be careful.',
  identity: { name: 'files-server' },
};

function manifestText(issuedAt: Date, expiresAt?: Date): string {
  return serializeManifest(
    buildManifest(SERVED, { server: 'files', publisher: 'Acme Tools', issuedAt, expiresAt }),
  );
}

describe('loadVerifiedManifest', () => {
  let dir: string;
  const publisher = generateManifestKeyPair();
  const other = generateManifestKeyPair();
  const world = makeSigstoreWorld(NOW);

  /** Writes a manifest and its Ed25519 signature under `name`. */
  function signed(name: string, text: string, key = publisher.privateKeyPem): void {
    writeFileSync(path.join(dir, `${name}.json`), text);
    writeFileSync(path.join(dir, `${name}.json.sig`), signManifest(Buffer.from(text), key));
  }

  const ed25519 = (name: string): ManifestConfig => ({
    file: `${name}.json`,
    signature: `${name}.json.sig`,
    publisherKeys: ['keys/other.pub', 'keys/publisher.pub'],
  });

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-manifest-load-'));
    writeFileSync(path.join(dir, 'publisher.pub'), publisher.publicKeyPem);
    const keys = path.join(dir, 'keys');
    mkdirSync(keys);
    writeFileSync(path.join(keys, 'publisher.pub'), publisher.publicKeyPem);
    writeFileSync(path.join(keys, 'other.pub'), other.publicKeyPem);
    signed('good', manifestText(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 30 * DAY)));
    signed('expired', manifestText(new Date(NOW.getTime() - 60 * DAY), new Date(NOW.getTime() - DAY)));
    signed('future', manifestText(new Date(NOW.getTime() + DAY)));
    signed('skewed', manifestText(new Date(NOW.getTime() + 60_000)));
    signed('not-a-manifest', '{"hello": "world"}\n');

    const text = manifestText(new Date(NOW.getTime() - DAY));
    writeFileSync(path.join(dir, 'keyless.json'), text);
    const signer = makeLeaf({
      ca: world.ca,
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + 600_000),
      oidcIssuer: ISSUER,
      email: SUBJECT,
      ctlog: world.ctlog,
    });
    const bundle = makeBundle({
      artifact: Buffer.from(text),
      leaf: signer,
      tlog: world.tlog,
      tlogName: world.tlogName,
      integratedTime: new Date(NOW.getTime() + 60_000),
      version: '0.3',
    });
    writeFileSync(path.join(dir, 'keyless.sigstore.json'), JSON.stringify(bundle));
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(world.root()));
    writeFileSync(
      path.join(dir, 'keyless.json.sig'),
      signManifest(Buffer.from(text), publisher.privateKeyPem),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sigstore = (identities = [{ issuer: ISSUER, subject: SUBJECT }]): ManifestConfig => ({
    file: 'keyless.json',
    bundle: 'keyless.sigstore.json',
    trustedRoot: 'trusted_root.json',
    identities,
  });

  it('verifies an Ed25519-signed manifest with paths relative to the config directory', async () => {
    const result = await loadVerifiedManifest(ed25519('good'), dir, NOW);
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.manifest.server, 'files');
    assert.equal(result.signer, `ed25519:${keyIdOf(loadPublicKey(publisher.publicKeyPem))}`);
    const bytes = Buffer.from(
      manifestText(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 30 * DAY)),
    );
    assert.equal(result.manifestSha256, createHash('sha256').update(bytes).digest('hex'));
  });

  it('refuses an expired manifest, and one issued in the future beyond clock skew', async () => {
    const expired = await loadVerifiedManifest(ed25519('expired'), dir, NOW);
    assert.equal(!expired.ok && expired.code, 'RAMPART_MANIFEST_EXPIRED');
    const future = await loadVerifiedManifest(ed25519('future'), dir, NOW);
    assert.equal(!future.ok && future.code, 'RAMPART_MANIFEST_NOT_YET_VALID');
    assert.equal((await loadVerifiedManifest(ed25519('skewed'), dir, NOW)).ok, true);
    // The same manifest, a month later by the injected clock, has expired.
    const later = await loadVerifiedManifest(ed25519('good'), dir, new Date(NOW.getTime() + 31 * DAY));
    assert.equal(!later.ok && later.code, 'RAMPART_MANIFEST_EXPIRED');
  });

  it('refuses a manifest signed with a key that is not configured', async () => {
    const config = { ...ed25519('good'), publisherKeys: ['keys/other.pub'] };
    const result = await loadVerifiedManifest(config, dir, NOW);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_SIGNATURE');
  });

  it('refuses a validly signed file that is not a manifest', async () => {
    const result = await loadVerifiedManifest(ed25519('not-a-manifest'), dir, NOW);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_INVALID');
  });

  it('names a missing file', async () => {
    const result = await loadVerifiedManifest({ ...ed25519('good'), file: 'absent.json' }, dir, NOW);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_UNREADABLE');
    assert.match(!result.ok ? result.reason : '', /absent\.json \(ENOENT\)/);
  });

  it('verifies a Sigstore bundle and names the signer', async () => {
    const result = await loadVerifiedManifest(sigstore(), dir, NOW);
    assert.equal(result.ok && result.signer, `sigstore:${SUBJECT} (issuer ${ISSUER})`);
    const stranger = await loadVerifiedManifest(
      sigstore([{ issuer: ISSUER, subject: 'eve@acme.example' }]),
      dir,
      NOW,
    );
    assert.equal(!stranger.ok && stranger.code, 'RAMPART_MANIFEST_UNTRUSTED_IDENTITY');
  });

  it('requires every configured route to verify', async () => {
    const both: ManifestConfig = {
      ...sigstore(),
      signature: 'keyless.json.sig',
      publisherKeys: ['publisher.pub'],
    };
    const result = await loadVerifiedManifest(both, dir, NOW);
    assert.equal(result.ok && result.signer.split(', ').length, 2);
    const oneBad = await loadVerifiedManifest({ ...both, publisherKeys: ['keys/other.pub'] }, dir, NOW);
    assert.equal(!oneBad.ok && oneBad.code, 'RAMPART_MANIFEST_SIGNATURE');
  });

  it('refuses a configuration with no complete route', async () => {
    const result = await loadVerifiedManifest({ file: 'good.json' }, dir, NOW);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_KEY_INVALID');
  });
});
