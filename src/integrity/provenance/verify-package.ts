// Verifies one npm package version end to end: its registry document, its tarball against the pin, the registry's
// signature over the integrity, and its Sigstore provenance. Absences are findings; failures throw.
import { RampartError } from '../../errors.ts';
import { fetchAttestations, verifyAttestations } from './attestations.ts';
import type { PackageSpec } from './package-spec.ts';
import { fetchVersionDocument, type VersionManifest } from './packument.ts';
import { loadRegistryKeys, type RegistryKey, verifyRegistrySignatures } from './registry-keys.ts';
import { fetchTarball, sha512Integrity } from './tarball.ts';
import { loadTrustedRoot, trustMaterialFor } from './trusted-root.ts';
import type { PackageFinding, PackageVerification, ProvenanceFacts } from './types.ts';

export interface VerifyOptions {
  /** Allowed registry base URLs; the package is fetched from the first. */
  readonly registries: readonly string[];
  readonly requireProvenance: boolean;
  /** Absolute path of a pinned `/-/npm/v1/keys` copy; fetched from the registry when absent. */
  readonly registryKeys?: string | undefined;
  /** Absolute path of a Sigstore trusted_root.json; the shipped one when absent. */
  readonly trustedRoot?: string | undefined;
  readonly now?: () => number;
}

export interface VerifiedPackage {
  readonly verification: PackageVerification;
  readonly manifest: VersionManifest;
  readonly tarball: Buffer;
}

/**
 * Fetches and verifies `spec`. With `pin` (a server's `packageIntegrity`) the tarball must match it; without one
 * (`rampart server add`) the registry's sha512 integrity becomes the pin.
 */
export async function verifyPackage(
  spec: PackageSpec,
  pin: string | undefined,
  options: VerifyOptions,
): Promise<VerifiedPackage> {
  const label = `${spec.name}@${spec.version}`;
  const registry = options.registries[0];
  if (!registry) throw new RampartError('RAMPART_PACKAGE_REGISTRY_REFUSED', 'no registry is configured');
  const { manifest, publishedAt } = await fetchVersionDocument(spec, registry, options.registries);
  const advertised = sha512Integrity(manifest.dist.integrity);
  if (!advertised) {
    throw new RampartError(
      'RAMPART_PACKAGE_INTEGRITY',
      `the registry publishes no sha512 integrity for ${label}`,
    );
  }
  if (pin !== undefined && sha512Integrity(pin) !== advertised) {
    throw new RampartError(
      'RAMPART_PACKAGE_INTEGRITY',
      `the registry's integrity for ${label} differs from the pinned packageIntegrity`,
    );
  }
  const tarball = await fetchTarball(manifest.dist.tarball, advertised, options.registries, label);
  const findings: PackageFinding[] = [];
  const now = new Date(options.now?.() ?? Date.now());
  let keys: RegistryKey[] | undefined;
  const registryKeys = async () => {
    keys ??= await loadRegistryKeys(
      options.registryKeys ? { file: options.registryKeys } : { registry, registries: options.registries },
    );
    return keys;
  };

  const signatures = manifest.dist.signatures ?? [];
  let signatureKeyIds: string[] = [];
  if (signatures.length > 0) {
    // The signed text carries the registry's integrity string verbatim (it may list more than one hash).
    const integrity = manifest.dist.integrity ?? advertised;
    signatureKeyIds = verifyRegistrySignatures(
      { name: spec.name, version: spec.version, integrity, signatures, publishedAt },
      await registryKeys(),
      now,
    );
  } else {
    findings.push({
      code: 'PACKAGE_SIGNATURE_ABSENT',
      severity: 'medium',
      message: `${label} carries no registry signature (dist.signatures)`,
    });
  }

  let facts: ProvenanceFacts = { predicateTypes: [] };
  const attestations = manifest.dist.attestations;
  if (attestations) {
    const document = await fetchAttestations(attestations.url, options.registries, label);
    const trust = trustMaterialFor(loadTrustedRoot(options.trustedRoot), await registryKeys());
    facts = verifyAttestations(document, spec, tarball.sha512Hex, trust);
  } else if (options.requireProvenance) {
    throw new RampartError(
      'RAMPART_PACKAGE_PROVENANCE_REQUIRED',
      `${label} has no provenance attestation and supplyChain.requireProvenance is true`,
    );
  } else {
    findings.push({
      code: 'PACKAGE_PROVENANCE_ABSENT',
      severity: 'medium',
      message: `${label} has no provenance: nothing ties the tarball to a source repository or build`,
    });
  }
  const scripts = Object.keys(manifest.scripts ?? {}).filter((s) => INSTALL_SCRIPTS.has(s));
  if (scripts.length > 0) {
    findings.push({
      code: 'PACKAGE_INSTALL_SCRIPTS_SKIPPED',
      severity: 'low',
      message: `${label} declares ${scripts.join(', ')}; Rampart never runs lifecycle scripts`,
    });
  }
  return {
    manifest,
    tarball: tarball.bytes,
    verification: {
      name: spec.name,
      version: spec.version,
      integrity: tarball.integrity,
      tarballSha512: tarball.sha512Hex,
      registry,
      registrySignature: signatureKeyIds.length > 0 ? 'verified' : 'absent',
      signatureKeyIds,
      provenance: attestations ? 'verified' : 'absent',
      facts,
      findings,
      ...(publishedAt ? { publishedAt: publishedAt.toISOString() } : {}),
      verifiedAt: now.toISOString(),
    },
  };
}

const INSTALL_SCRIPTS = new Set(['preinstall', 'install', 'postinstall', 'prepare']);
