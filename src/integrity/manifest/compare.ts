// What a server serves against what its publisher signed. A rename shows as one entry missing from the server
// and one missing from the manifest; a changed description (or any other field) as `different`.
import { PIN_KINDS, type PinKind, pinsOf, type ServedDefinitions } from '../pins.ts';
import type { Manifest } from './format.ts';

export type ManifestDifferenceKind = 'missing-from-manifest' | 'missing-from-server' | 'different';

/** One disagreement; `key` is the tool or prompt name, the URI template, or '' for instructions and identity. */
export interface ManifestDifference {
  readonly kind: PinKind;
  readonly key: string;
  readonly what: ManifestDifferenceKind;
  /** The signed hash (identity: the signed name), when the manifest has the entry. */
  readonly signed?: string;
  /** The served hash (identity: the served name), when the server serves the entry. */
  readonly served?: string;
}

/**
 * Every difference between the manifest and what is served, ordered by kind then key; empty exactly when the
 * server serves what was signed. A manifest without `identity` does not pin the server's name; one without
 * `instructions` pins "no instructions".
 */
export function compareWithManifest(manifest: Manifest, served: ServedDefinitions): ManifestDifference[] {
  // kind -> key -> signed hash; entries still here after the served pins are walked are missing from the server.
  const signed = new Map<PinKind, Map<string, string>>([
    ['instructions', new Map(manifest.instructions ? [['', manifest.instructions.sha256]] : [])],
    ['tool', new Map(manifest.tools.map((t) => [t.name, t.sha256]))],
    ['prompt', new Map(manifest.prompts.map((p) => [p.name, p.sha256]))],
    ['resourceTemplate', new Map(manifest.resourceTemplates.map((t) => [t.uriTemplate, t.sha256]))],
  ]);

  const differences: ManifestDifference[] = [];
  // The identity is compared by name: the manifest cannot know the TLS key a gateway will see.
  if (manifest.identity) {
    const name = served.identity?.name;
    if (name === undefined) {
      differences.push({
        kind: 'identity',
        key: '',
        what: 'missing-from-server',
        signed: manifest.identity.name,
      });
    } else if (name !== manifest.identity.name) {
      differences.push({
        kind: 'identity',
        key: '',
        what: 'different',
        signed: manifest.identity.name,
        served: name,
      });
    }
  }
  for (const pin of pinsOf(served)) {
    const ofKind = signed.get(pin.kind);
    if (ofKind === undefined) continue; // identity, handled above
    const hash = ofKind.get(pin.key);
    ofKind.delete(pin.key);
    if (hash === undefined) {
      differences.push({ kind: pin.kind, key: pin.key, what: 'missing-from-manifest', served: pin.sha256 });
    } else if (hash !== pin.sha256) {
      differences.push({ kind: pin.kind, key: pin.key, what: 'different', signed: hash, served: pin.sha256 });
    }
  }
  for (const [kind, left] of signed) {
    for (const [key, hash] of left)
      differences.push({ kind, key, what: 'missing-from-server', signed: hash });
  }
  const order = (kind: PinKind) => PIN_KINDS.indexOf(kind);
  return differences.sort(
    (a, b) => order(a.kind) - order(b.kind) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}
