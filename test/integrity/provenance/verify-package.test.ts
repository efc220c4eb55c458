// Verifying npm packages offline against a loopback registry that serves captured registry data: real Sigstore
// provenance, a real registry signature, and a package with neither; then what tampering of each piece does.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../../../src/errors.ts';
import { parsePackageSpec } from '../../../src/integrity/provenance/package-spec.ts';
import { registryGet } from '../../../src/integrity/provenance/registry-http.ts';
import { type VerifyOptions, verifyPackage } from '../../../src/integrity/provenance/verify-package.ts';
import {
  FIXTURES,
  fixture,
  fixtureJson,
  type LoopbackRegistry,
  startLoopbackRegistry,
} from './loopback-registry.ts';

const SIGSTORE_040 = parsePackageSpec('npm:sigstore@0.4.0');
const SIGSTORE_100 = parsePackageSpec('npm:sigstore@1.0.0');
const IS_NUMBER = parsePackageSpec('npm:is-number@7.0.0');
const KEYS = path.join(FIXTURES, 'keys.json');

type Packument = {
  versions: Record<string, { dist: Record<string, unknown> }>;
  time: Record<string, string>;
};

function rejectsWith(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof RampartError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe('npm package verification', () => {
  let registry: LoopbackRegistry;
  let options: VerifyOptions;
  before(async () => {
    registry = await startLoopbackRegistry();
    options = { registries: [registry.url], requireProvenance: false, registryKeys: KEYS };
  });
  after(() => registry.close());

  it('verifies the Sigstore provenance of sigstore@0.4.0 and reports where it was built', async () => {
    const { verification, tarball } = await verifyPackage(SIGSTORE_040, undefined, options);
    assert.deepEqual(tarball, fixture('sigstore', 'sigstore-0.4.0.tgz'));
    assert.equal(verification.provenance, 'verified');
    assert.equal(
      verification.tarballSha512,
      '282c0c5fa936d264321643581b65d3de5c0af6ed4fdfac12f5851115df39cc25cfaf0ad22d908487bfef30114d61c25746206d1834be4f8fd1659178f77cc004',
    );
    assert.deepEqual(verification.facts.predicateTypes, [
      'https://slsa.dev/provenance/v0.2',
      'https://github.com/npm/attestation/tree/main/specs/publish/v0.1',
    ]);
    assert.equal(verification.facts.sourceRepository, 'https://github.com/sigstore/sigstore-js');
    assert.equal(verification.facts.sourceRef, 'refs/tags/v0.4.0');
    assert.equal(verification.facts.sourceCommit, '8a2ee2fd20dda58ffa4a8d808a65cb1e04711c03');
    assert.equal(verification.facts.builder, 'https://github.com/npm/cli@9.2.0');
    assert.equal(
      verification.facts.signerIdentity,
      'https://github.com/sigstore/sigstore-js/.github/workflows/publish.yml@refs/tags/v0.4.0',
    );
    assert.equal(verification.facts.signerIssuer, 'https://token.actions.githubusercontent.com');
    // The registry signature of this version was not captured: its absence is a finding, not a failure.
    assert.equal(verification.registrySignature, 'absent');
    assert.deepEqual(
      verification.findings.map((f) => f.code),
      ['PACKAGE_SIGNATURE_ABSENT'],
    );
    assert.ok(registry.requests.includes('/-/npm/v1/attestations/sigstore@0.4.0'));
  });

  it('verifies the registry signature of sigstore@1.0.0, made before its key expired', async () => {
    const { verification } = await verifyPackage(SIGSTORE_100, undefined, options);
    assert.equal(verification.registrySignature, 'verified');
    assert.deepEqual(verification.signatureKeyIds, ['SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA']);
    assert.equal(verification.publishedAt, '2023-02-09T17:56:00.000Z');
  });

  it("fetches the registry's keys when no pinned copy is configured", async () => {
    const before = registry.requests.length;
    const { registryKeys: _pinned, ...unpinned } = options;
    const { verification } = await verifyPackage(SIGSTORE_100, undefined, unpinned);
    assert.equal(verification.registrySignature, 'verified');
    assert.ok(registry.requests.slice(before).includes('/-/npm/v1/keys'));
  });

  it('reports a package without signature and provenance, and refuses it when provenance is required', async () => {
    const { verification } = await verifyPackage(IS_NUMBER, undefined, options);
    assert.equal(verification.registrySignature, 'absent');
    assert.equal(verification.provenance, 'absent');
    assert.deepEqual(verification.facts, { predicateTypes: [] });
    assert.deepEqual(verification.findings.map((f) => f.code).sort(), [
      'PACKAGE_PROVENANCE_ABSENT',
      'PACKAGE_SIGNATURE_ABSENT',
    ]);
    await assert.rejects(
      verifyPackage(IS_NUMBER, undefined, { ...options, requireProvenance: true }),
      rejectsWith('RAMPART_PACKAGE_PROVENANCE_REQUIRED'),
    );
    // Provenance that is there verifies under the same rule.
    const strict = await verifyPackage(SIGSTORE_040, undefined, { ...options, requireProvenance: true });
    assert.equal(strict.verification.provenance, 'verified');
  });

  it('refuses a tarball modified by one byte', async () => {
    const modified = Buffer.from(fixture('is-number', 'is-number-7.0.0.tgz'));
    modified[modified.length - 20]! ^= 0x01;
    registry.override('/is-number/-/is-number-7.0.0.tgz', { body: modified });
    try {
      await assert.rejects(
        verifyPackage(IS_NUMBER, undefined, options),
        rejectsWith('RAMPART_PACKAGE_INTEGRITY'),
      );
    } finally {
      registry.clear('/is-number/-/is-number-7.0.0.tgz');
    }
  });

  it('refuses a package whose registry integrity differs from the pin', async () => {
    const otherPin = fixtureJson<Packument>('sigstore', 'packument.json').versions['1.0.0']!.dist[
      'integrity'
    ];
    assert.equal(typeof otherPin, 'string');
    await assert.rejects(
      verifyPackage(IS_NUMBER, otherPin as string, options),
      rejectsWith('RAMPART_PACKAGE_INTEGRITY'),
    );
  });

  it('refuses a tampered attestation (one changed byte in the signed statement)', async () => {
    const document = fixtureJson<{ attestations: Array<{ bundle: { dsseEnvelope: { payload: string } } }> }>(
      'sigstore',
      '0.4.0.attestations.json',
    );
    const envelope = document.attestations[0]!.bundle.dsseEnvelope;
    const statement = Buffer.from(envelope.payload, 'base64').toString('utf8');
    envelope.payload = Buffer.from(
      statement.replace('sigstore/sigstore-js', 'sigstore/sigstore-jz'),
    ).toString('base64');
    registry.override('/-/npm/v1/attestations/sigstore@0.4.0', { json: document });
    try {
      await assert.rejects(
        verifyPackage(SIGSTORE_040, undefined, options),
        rejectsWith('RAMPART_PACKAGE_PROVENANCE'),
      );
    } finally {
      registry.clear('/-/npm/v1/attestations/sigstore@0.4.0');
    }
  });

  it("refuses another package's valid attestations (the subject names another package and tarball)", async () => {
    const packument = registry.packument<Packument>('is-number');
    packument.versions['7.0.0']!.dist['attestations'] = {
      url: `${registry.url}/-/npm/v1/attestations/sigstore@0.4.0`,
      provenance: { predicateType: 'https://slsa.dev/provenance/v0.2' },
    };
    registry.override('/is-number', { json: packument });
    try {
      await assert.rejects(
        verifyPackage(IS_NUMBER, undefined, options),
        rejectsWith('RAMPART_PACKAGE_PROVENANCE'),
      );
    } finally {
      registry.clear('/is-number');
    }
  });

  it('refuses a bad registry signature, an unknown key and a key that expired before publishing', async () => {
    const cases: Array<[string, (p: Packument) => void]> = [
      [
        'bad signature',
        (p) => {
          const sigs = p.versions['1.0.0']!.dist['signatures'] as Array<{ sig: string }>;
          sigs[0]!.sig = `${sigs[0]!.sig.slice(0, 20)}A${sigs[0]!.sig.slice(21)}`;
        },
      ],
      [
        'unknown key',
        (p) => {
          (p.versions['1.0.0']!.dist['signatures'] as Array<{ keyid: string }>)[0]!.keyid = 'SHA256:unknown';
        },
      ],
      // The key expired 2025-01-29: a version it signed that claims a later publish time is not trusted.
      [
        'expired key',
        (p) => {
          p.time['1.0.0'] = '2025-12-11T02:49:19.438Z';
        },
      ],
    ];
    for (const [label, tamper] of cases) {
      const packument = registry.packument<Packument>('sigstore');
      tamper(packument);
      registry.override('/sigstore', { json: packument });
      await assert.rejects(
        verifyPackage(SIGSTORE_100, undefined, options),
        rejectsWith('RAMPART_PACKAGE_SIGNATURE'),
        label,
      );
    }
    registry.clear('/sigstore');
  });
});

describe('registry allowlist', () => {
  let registry: LoopbackRegistry;
  let other: LoopbackRegistry;
  let options: VerifyOptions;
  before(async () => {
    registry = await startLoopbackRegistry();
    other = await startLoopbackRegistry();
    options = { registries: [registry.url], requireProvenance: false, registryKeys: KEYS };
  });
  after(async () => {
    await registry.close();
    await other.close();
  });

  it('refuses a tarball URL that points off the registry, without fetching it', async () => {
    const packument = registry.packument<Packument>('is-number');
    packument.versions['7.0.0']!.dist['tarball'] = `${other.url}/is-number/-/is-number-7.0.0.tgz`;
    registry.override('/is-number', { json: packument });
    await assert.rejects(
      verifyPackage(IS_NUMBER, undefined, options),
      rejectsWith('RAMPART_PACKAGE_REGISTRY_REFUSED'),
    );
    assert.equal(other.requests.length, 0);
    registry.clear('/is-number');
  });

  it('refuses an attestations URL that points off the registry', async () => {
    const packument = registry.packument<Packument>('sigstore');
    (packument.versions['0.4.0']!.dist['attestations'] as { url: string }).url =
      `${other.url}/-/npm/v1/attestations/sigstore@0.4.0`;
    registry.override('/sigstore', { json: packument });
    await assert.rejects(
      verifyPackage(SIGSTORE_040, undefined, options),
      rejectsWith('RAMPART_PACKAGE_REGISTRY_REFUSED'),
    );
    assert.equal(other.requests.length, 0);
    registry.clear('/sigstore');
  });

  it('does not follow a redirect off the registry', async () => {
    registry.override('/is-number', {
      status: 302,
      headers: { location: `${other.url}/is-number` },
      body: Buffer.alloc(0),
    });
    await assert.rejects(
      verifyPackage(IS_NUMBER, undefined, options),
      rejectsWith('RAMPART_PACKAGE_REGISTRY_REFUSED'),
    );
    assert.equal(other.requests.length, 0);
    registry.clear('/is-number');
  });

  it('sends no request to a registry that is not in the allowlist', async () => {
    for (const url of [
      `${other.url}/is-number`,
      `${registry.url.replace('127.0.0.1', 'localhost')}/is-number`,
    ]) {
      await assert.rejects(
        registryGet(url, {
          registries: [registry.url],
          accept: 'application/json',
          maxBytes: 1024,
          what: 'x',
        }),
        rejectsWith('RAMPART_PACKAGE_REGISTRY_REFUSED'),
      );
    }
    assert.equal(other.requests.length, 0);
  });

  it('refuses a document larger than its cap', async () => {
    await assert.rejects(
      registryGet(`${registry.url}/is-number/-/is-number-7.0.0.tgz`, {
        registries: [registry.url],
        accept: 'application/octet-stream',
        maxBytes: 100,
        what: 'a tarball',
      }),
      rejectsWith('RAMPART_PACKAGE_FETCH_FAILED'),
    );
  });
});
