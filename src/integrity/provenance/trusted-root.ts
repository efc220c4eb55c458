// The Sigstore trust anchors provenance is verified against: a pinned trusted_root.json (Fulcio CAs, Rekor and CT
// log keys, timestamp authorities), by default the copy shipped here, captured from the TUF seeds embedded in
// @sigstore/tuf (test/fixtures/npm-registry/capture.ts refreshes it). Nothing is fetched over TUF at run time.
import { readFileSync } from 'node:fs';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type KeyFinderFunc, type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { RampartError } from '../../errors.ts';
import type { RegistryKey } from './registry-keys.ts';

/** The trusted root shipped with Rampart. */
export const SHIPPED_TRUSTED_ROOT = new URL('./sigstore-trusted-root.json', import.meta.url);

/** Reads and parses a trusted_root.json (the shipped one by default). */
export function loadTrustedRoot(file?: string): TrustedRoot {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file ?? SHIPPED_TRUSTED_ROOT, 'utf8'));
  } catch (err) {
    const reason =
      err instanceof SyntaxError ? 'not valid JSON' : ((err as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new RampartError(
      'RAMPART_PACKAGE_PROVENANCE',
      `the Sigstore trusted root cannot be read (${reason})`,
    );
  }
  try {
    return TrustedRoot.fromJSON(json);
  } catch {
    throw new RampartError('RAMPART_PACKAGE_PROVENANCE', 'the Sigstore trusted root is malformed');
  }
}

/**
 * The trust material for verifying npm attestations: the Sigstore root for provenance signed with a Fulcio
 * certificate, and the registry's keys for the publish attestation (signed by the registry; its bundle names the
 * key id as a hint). A registry key is valid for a signature logged before it expired.
 */
export function trustMaterialFor(root: TrustedRoot, keys: readonly RegistryKey[]): TrustMaterial {
  const finder: KeyFinderFunc = (hint) => {
    const key = keys.find((k) => k.keyid === hint);
    if (!key)
      throw new RampartError(
        'RAMPART_PACKAGE_PROVENANCE',
        `no registry key ${hint} to verify the attestation`,
      );
    return {
      publicKey: key.publicKey,
      validFor: (date: Date) => key.expires === undefined || date.getTime() < key.expires.getTime(),
    };
  };
  return toTrustMaterial(root, finder);
}
