// Ed25519 detached signatures over a manifest's exact bytes: one changed byte, another key or a key of another
// type is refused, each with its own code.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildManifest } from '../../../src/integrity/manifest/build.ts';
import {
  generateManifestKeyPair,
  loadPrivateKey,
  loadPublicKey,
  signManifest,
  verifyEd25519,
} from '../../../src/integrity/manifest/ed25519.ts';
import { serializeManifest } from '../../../src/integrity/manifest/format.ts';
import { ManifestError } from '../../../src/integrity/manifest/manifest-error.ts';

const BYTES = Buffer.from(
  serializeManifest(
    buildManifest(
      {
        tools: [{ name: 'read_file', description: 'Read a file' }],
        prompts: [],
        resourceTemplates: [],
        instructions: undefined,
        identity: { name: 'files-server' },
      },
      { server: 'files', publisher: 'Acme Tools', issuedAt: new Date('2026-03-01T00:00:00Z') },
    ),
  ),
);

const PUBLISHER = generateManifestKeyPair();
const OTHER = generateManifestKeyPair();

function keyInvalid(fn: () => unknown): void {
  assert.throws(fn, (err) => err instanceof ManifestError && err.code === 'RAMPART_MANIFEST_KEY_INVALID');
}

describe('Ed25519 manifest signatures', () => {
  it('verifies, naming the key by the SHA-256 of its SPKI DER', () => {
    const signature = signManifest(BYTES, PUBLISHER.privateKeyPem);
    assert.match(signature, /^[A-Za-z0-9+/]{86}==\n$/);
    const result = verifyEd25519(BYTES, signature, [PUBLISHER.publicKeyPem]);
    const spki = createPublicKey(PUBLISHER.publicKeyPem).export({ format: 'der', type: 'spki' });
    assert.deepEqual(result, { ok: true, keyId: createHash('sha256').update(spki).digest('hex') });
  });

  it('accepts a signature by any one of several trusted keys and says which', () => {
    const signature = signManifest(BYTES, PUBLISHER.privateKeyPem);
    const result = verifyEd25519(BYTES, signature, [OTHER.publicKeyPem, PUBLISHER.publicKeyPem]);
    const spki = createPublicKey(PUBLISHER.publicKeyPem).export({ format: 'der', type: 'spki' });
    assert.deepEqual(result, { ok: true, keyId: createHash('sha256').update(spki).digest('hex') });
  });

  it('refuses a manifest with one byte changed', () => {
    const signature = signManifest(BYTES, PUBLISHER.privateKeyPem);
    const tampered = Buffer.from(BYTES);
    const at = tampered.indexOf('Acme Tools');
    assert.ok(at > 0);
    tampered[at] = 'a'.charCodeAt(0);
    const result = verifyEd25519(tampered, signature, [PUBLISHER.publicKeyPem]);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_SIGNATURE');
  });

  it('refuses a signature made with a key that is not trusted', () => {
    const signature = signManifest(BYTES, OTHER.privateKeyPem);
    const result = verifyEd25519(BYTES, signature, [PUBLISHER.publicKeyPem]);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_SIGNATURE');
  });

  it('refuses a signature file that is not one base64 signature', () => {
    for (const text of ['', 'not base64!', Buffer.alloc(32).toString('base64')]) {
      const result = verifyEd25519(BYTES, text, [PUBLISHER.publicKeyPem]);
      assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_SIGNATURE');
    }
  });

  it('refuses keys that are not Ed25519, with a clear code', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ecPublic = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const rsaPrivate = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    keyInvalid(() => loadPublicKey(ecPublic));
    keyInvalid(() => loadPrivateKey(rsaPrivate));
    keyInvalid(() => signManifest(BYTES, rsaPrivate));
    const result = verifyEd25519(BYTES, signManifest(BYTES, PUBLISHER.privateKeyPem), [ecPublic]);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_KEY_INVALID');
    assert.match(!result.ok ? result.reason : '', /ec key; manifests are signed with Ed25519 only/);
  });

  it('refuses a private key where a public key belongs, and files that are not keys', () => {
    keyInvalid(() => loadPublicKey(PUBLISHER.privateKeyPem));
    keyInvalid(() => loadPublicKey('hello'));
    keyInvalid(() => loadPrivateKey(PUBLISHER.publicKeyPem));
    const result = verifyEd25519(BYTES, signManifest(BYTES, PUBLISHER.privateKeyPem), []);
    assert.equal(!result.ok && result.code, 'RAMPART_MANIFEST_KEY_INVALID');
  });
});
