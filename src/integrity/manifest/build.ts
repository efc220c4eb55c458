// A publisher's manifest made from what its server serves (a live server's lists, or a JSON file of them). The
// hashes are the same pins Rampart takes of a running server, so a manifest built from the lists a server
// returns is exactly what compareWithManifest accepts for that server.
import { pinsOf, type ServedDefinitions } from '../pins.ts';
import { MANIFEST_VERSION, type Manifest, parseManifest, serializeManifest } from './format.ts';

export interface ManifestMeta {
  /** The name the publisher gives the server (not Rampart's name for it in a config). */
  readonly server: string;
  readonly publisher: string;
  readonly issuedAt: Date;
  readonly expiresAt?: Date | undefined;
}

/** The manifest of `served`, entries sorted by key so that rebuilding an unchanged server gives the same file. */
export function buildManifest(served: ServedDefinitions, meta: ManifestMeta): Manifest {
  const pins = pinsOf(served);
  const of = (kind: string) =>
    pins.filter((pin) => pin.kind === kind).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const instructions = pins.find((pin) => pin.kind === 'instructions');
  const manifest: Manifest = {
    rampartManifest: MANIFEST_VERSION,
    server: meta.server,
    publisher: meta.publisher,
    issuedAt: meta.issuedAt.toISOString(),
    ...(meta.expiresAt ? { expiresAt: meta.expiresAt.toISOString() } : {}),
    ...(instructions ? { instructions: { sha256: instructions.sha256 } } : {}),
    ...(served.identity ? { identity: { name: served.identity.name } } : {}),
    tools: of('tool').map((pin) => ({ name: pin.key, sha256: pin.sha256 })),
    prompts: of('prompt').map((pin) => ({ name: pin.key, sha256: pin.sha256 })),
    resourceTemplates: of('resourceTemplate').map((pin) => ({ uriTemplate: pin.key, sha256: pin.sha256 })),
  };
  // Whatever the publisher passed in, a built manifest must be one Rampart accepts (e.g. a nameless tool is not).
  return parseManifest(serializeManifest(manifest));
}
