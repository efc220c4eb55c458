// Sigstore bundles over a manifest, verified offline against a trusted root file. The test plays Fulcio, Rekor
// and a CT log itself (test/helpers/sigstore.ts), so every bundle here is real: certificates chain, the SCT and
// the signed entry timestamp verify, and v0.2/v0.3 entries carry an inclusion proof with a signed checkpoint.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TrustedIdentity } from '../../../src/integrity/manifest/identity-policy.ts';
import { verifySigstoreBundle } from '../../../src/integrity/manifest/sigstore.ts';
import {
  type Leaf,
  type LeafOptions,
  makeBundle,
  makeLeaf,
  makeLogKey,
  makeSigstoreWorld,
  trustedRoot,
} from '../../helpers/sigstore.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const MINUTE = 60_000;
const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/acme/tools/.github/workflows/release.yml@refs/tags/v1.2.0';
const MANIFEST = Buffer.from('{"rampartManifest":1,"server":"files","publisher":"Acme"}\n');

const world = makeSigstoreWorld(NOW);

function leaf(options: Partial<LeafOptions> = {}): Leaf {
  return makeLeaf({
    ca: world.ca,
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + 10 * MINUTE),
    oidcIssuer: ISSUER,
    uri: WORKFLOW,
    ctlog: world.ctlog,
    ...options,
  });
}

function bundle(
  signer: Leaf,
  options: { version?: '0.1' | '0.2' | '0.3'; at?: Date; tlog?: typeof world.tlog } = {},
) {
  // Through JSON text, as a bundle read from a file would be.
  return JSON.parse(
    JSON.stringify(
      makeBundle({
        artifact: MANIFEST,
        leaf: signer,
        tlog: options.tlog ?? world.tlog,
        tlogName: world.tlogName,
        integratedTime: options.at ?? new Date(NOW.getTime() + MINUTE),
        version: options.version ?? '0.3',
      }),
    ),
  );
}

const TRUSTED: TrustedIdentity[] = [{ issuer: ISSUER, subject: WORKFLOW }];

function codeOf(result: ReturnType<typeof verifySigstoreBundle>): string {
  return result.ok ? 'ok' : result.code;
}

describe('Sigstore manifest bundles', () => {
  it('verifies v0.1, v0.2 and v0.3 bundles and names the signer', () => {
    const signer = leaf();
    for (const version of ['0.1', '0.2', '0.3'] as const) {
      const result = verifySigstoreBundle(MANIFEST, bundle(signer, { version }), world.root(), TRUSTED);
      assert.deepEqual(result, {
        ok: true,
        issuer: ISSUER,
        subject: WORKFLOW,
        signedAt: new Date(NOW.getTime() + MINUTE),
      });
    }
  });

  it('reads the older issuer extension (.1.1) and email subjects', () => {
    const signer = leaf({ uri: undefined, email: 'release@acme.example', issuerExtension: 'v1' });
    const result = verifySigstoreBundle(MANIFEST, bundle(signer), world.root(), [
      { issuer: ISSUER, subject: 'release@acme.example' },
    ]);
    assert.equal(codeOf(result), 'ok');
  });

  it('refuses a manifest changed after signing', () => {
    const tampered = Buffer.from(MANIFEST);
    tampered[tampered.indexOf('Acme')] = 'a'.charCodeAt(0);
    const result = verifySigstoreBundle(tampered, bundle(leaf()), world.root(), TRUSTED);
    assert.equal(codeOf(result), 'RAMPART_MANIFEST_SIGNATURE');
  });

  it('refuses a bundle whose digest was rewritten to match a changed manifest', () => {
    const tampered = Buffer.from(MANIFEST.toString().replace('Acme', 'Evil'));
    const forged = bundle(leaf());
    forged.messageSignature.messageDigest.digest = createHash('sha256').update(tampered).digest('base64');
    const result = verifySigstoreBundle(tampered, forged, world.root(), TRUSTED);
    assert.equal(codeOf(result), 'RAMPART_MANIFEST_SIGNATURE');
  });

  it('refuses an untrusted subject and an untrusted issuer with their own code', () => {
    const signed = bundle(leaf());
    const wrongSubject = verifySigstoreBundle(MANIFEST, signed, world.root(), [
      {
        issuer: ISSUER,
        subject: 'https://github.com/acme/tools/.github/workflows/other.yml@refs/heads/main',
      },
    ]);
    assert.equal(codeOf(wrongSubject), 'RAMPART_MANIFEST_UNTRUSTED_IDENTITY');
    const wrongIssuer = verifySigstoreBundle(MANIFEST, signed, world.root(), [
      { issuer: 'https://accounts.google.com', subject: WORKFLOW },
    ]);
    assert.equal(codeOf(wrongIssuer), 'RAMPART_MANIFEST_UNTRUSTED_IDENTITY');
    assert.match(!wrongIssuer.ok ? wrongIssuer.reason : '', /release\.yml.*issuer https:\/\/token/);
  });

  it('matches a subject regex against the whole subject only', () => {
    const signed = bundle(leaf());
    const release = 'https://github\\.com/acme/tools/\\.github/workflows/release\\.yml@refs/tags/v.*';
    assert.equal(
      codeOf(
        verifySigstoreBundle(MANIFEST, signed, world.root(), [{ issuer: ISSUER, subjectRegex: release }]),
      ),
      'ok',
    );
    // Unanchored, "acme/tools" would match; anchored, it must be the whole SAN.
    assert.equal(
      codeOf(
        verifySigstoreBundle(MANIFEST, signed, world.root(), [
          { issuer: ISSUER, subjectRegex: 'acme/tools' },
        ]),
      ),
      'RAMPART_MANIFEST_UNTRUSTED_IDENTITY',
    );
  });

  it('refuses a signature made after the certificate expired, or before it was valid', () => {
    const signer = leaf();
    const late = verifySigstoreBundle(
      MANIFEST,
      bundle(signer, { at: new Date(NOW.getTime() + 11 * MINUTE) }),
      world.root(),
      TRUSTED,
    );
    assert.equal(codeOf(late), 'RAMPART_MANIFEST_CERT_EXPIRED');
    const early = verifySigstoreBundle(
      MANIFEST,
      bundle(signer, { at: new Date(NOW.getTime() - MINUTE) }),
      world.root(),
      TRUSTED,
    );
    assert.equal(codeOf(early), 'RAMPART_MANIFEST_CERT_EXPIRED');
  });

  it('refuses a certificate from a CA that is not in the trusted root', () => {
    const result = verifySigstoreBundle(MANIFEST, bundle(leaf({ ca: world.rogueCa })), world.root(), TRUSTED);
    assert.equal(codeOf(result), 'RAMPART_MANIFEST_UNTRUSTED_CA');
  });

  it('refuses a CA the trusted root no longer trusted at the signing time', () => {
    const start = new Date(NOW.getTime() - 86_400_000);
    const root = trustedRoot({
      cas: [{ ca: world.ca, start, end: new Date(NOW.getTime() - MINUTE) }],
      tlogs: [{ log: world.tlog, baseUrl: `https://${world.tlogName}`, start }],
      ctlogs: [{ log: world.ctlog, baseUrl: 'https://ctfe.test.invalid', start }],
    });
    assert.equal(
      codeOf(verifySigstoreBundle(MANIFEST, bundle(leaf()), root, TRUSTED)),
      'RAMPART_MANIFEST_UNTRUSTED_CA',
    );
  });

  it('refuses an entry logged by a transparency log the root does not name', () => {
    const result = verifySigstoreBundle(
      MANIFEST,
      bundle(leaf(), { tlog: makeLogKey() }),
      world.root(),
      TRUSTED,
    );
    assert.equal(codeOf(result), 'RAMPART_MANIFEST_SIGNATURE');
  });

  it('requires an SCT exactly when the trusted root names CT logs', () => {
    const unlogged = bundle(leaf({ ctlog: undefined }));
    assert.equal(
      codeOf(verifySigstoreBundle(MANIFEST, unlogged, world.root(), TRUSTED)),
      'RAMPART_MANIFEST_UNTRUSTED_CA',
    );
    assert.equal(
      codeOf(verifySigstoreBundle(MANIFEST, unlogged, world.root({ ctlogs: false }), TRUSTED)),
      'ok',
    );
    // An SCT from a CT log the root does not name is no SCT at all.
    const foreign = bundle(leaf({ ctlog: makeLogKey() }));
    assert.equal(
      codeOf(verifySigstoreBundle(MANIFEST, foreign, world.root(), TRUSTED)),
      'RAMPART_MANIFEST_UNTRUSTED_CA',
    );
  });

  it('refuses a bundle without transparency log entry', () => {
    const bare = bundle(leaf());
    bare.verificationMaterial.tlogEntries = [];
    assert.equal(
      codeOf(verifySigstoreBundle(MANIFEST, bare, world.root(), TRUSTED)),
      'RAMPART_MANIFEST_SIGNATURE',
    );
  });

  it('refuses malformed and unsupported bundles', () => {
    for (const junk of [null, 'bundle', {}, { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }]) {
      assert.equal(
        codeOf(verifySigstoreBundle(MANIFEST, junk, world.root(), TRUSTED)),
        'RAMPART_MANIFEST_BUNDLE_INVALID',
      );
    }
    const dsse = bundle(leaf());
    delete dsse.messageSignature;
    dsse.dsseEnvelope = {
      payload: MANIFEST.toString('base64'),
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: Buffer.alloc(64, 1).toString('base64'), keyid: '' }],
    };
    assert.equal(
      codeOf(verifySigstoreBundle(MANIFEST, dsse, world.root(), TRUSTED)),
      'RAMPART_MANIFEST_BUNDLE_INVALID',
    );
  });

  it('refuses an unusable trusted root or an empty identity list', () => {
    const signed = bundle(leaf());
    const noLogs = { ...world.root(), tlogs: [] };
    for (const root of [null, [], { mediaType: 'text/plain' }, noLogs]) {
      assert.equal(
        codeOf(verifySigstoreBundle(MANIFEST, signed, root, TRUSTED)),
        'RAMPART_MANIFEST_KEY_INVALID',
      );
    }
    assert.equal(
      codeOf(verifySigstoreBundle(MANIFEST, signed, world.root(), [])),
      'RAMPART_MANIFEST_KEY_INVALID',
    );
  });
});
