// What a server serves, reduced to pins: one SHA-256 over the RFC 8785 canonical JSON of each definition's whole
// contract (every field the server sent: name, title, description, schemas, annotations, `_meta`, icons, and any
// field a later spec adds), and one over the whole set. The set hash is what catches renames, additions and
// removals: a name-keyed pin alone would let a tool reappear under a new name with no pin to compare against.
import { canonicalJson, sha256Hex } from '../audit/canonical.ts';
import type { JsonObject } from '../core/jsonrpc.ts';

/** The kinds of definition Rampart pins. `identity` is who the server says it is (and its TLS key). */
export type PinKind = 'tool' | 'prompt' | 'resourceTemplate' | 'instructions' | 'identity';

export const PIN_KINDS: readonly PinKind[] = [
  'identity',
  'instructions',
  'tool',
  'prompt',
  'resourceTemplate',
];

/** One pinned definition: its key within the server (tool or prompt name, URI template, or '' for singletons). */
export interface Pin {
  readonly kind: PinKind;
  readonly key: string;
  readonly sha256: string;
  /** The definition itself, kept so a later change can be shown as a per-field diff. */
  readonly definition: unknown;
}

/** Everything one server serves that is pinned (as the server names it, before Rampart's namespacing). */
export interface ServedDefinitions {
  readonly tools: readonly JsonObject[];
  readonly prompts: readonly JsonObject[];
  readonly resourceTemplates: readonly JsonObject[];
  readonly instructions: string | undefined;
  /** `serverInfo.name` and, for TLS upstreams, the SHA-256 of the key it presented (base64 SPKI pin). */
  readonly identity: ServerIdentity | undefined;
}

export interface ServerIdentity {
  readonly name: string;
  readonly spki?: string | undefined;
}

/** SHA-256 (hex) of the canonical JSON of a definition. */
export function contractHash(definition: unknown): string {
  return sha256Hex(canonicalJson(definition));
}

/** The key a definition is pinned under within its server. */
export function pinKey(kind: PinKind, definition: unknown): string {
  if (kind === 'instructions' || kind === 'identity') return '';
  const item = definition as JsonObject;
  const key = kind === 'resourceTemplate' ? item['uriTemplate'] : item['name'];
  return typeof key === 'string' ? key : '';
}

/** One pin for a definition. */
export function pinOf(kind: PinKind, definition: unknown): Pin {
  return { kind, key: pinKey(kind, definition), sha256: contractHash(definition), definition };
}

/** Every pin of what a server serves; a definition served twice under one key keeps its first occurrence. */
export function pinsOf(served: ServedDefinitions): Pin[] {
  const pins: Pin[] = [];
  const seen = new Set<string>();
  const add = (kind: PinKind, definition: unknown) => {
    const pin = pinOf(kind, definition);
    const id = `${kind}\u0000${pin.key}`;
    if (seen.has(id)) return;
    seen.add(id);
    pins.push(pin);
  };
  if (served.identity) add('identity', identityDefinition(served.identity));
  if (served.instructions !== undefined) add('instructions', served.instructions);
  for (const tool of served.tools) add('tool', tool);
  for (const prompt of served.prompts) add('prompt', prompt);
  for (const template of served.resourceTemplates) add('resourceTemplate', template);
  return pins;
}

/** The identity as pinned: only what names the server, not its version (an upgrade is not a new server). */
export function identityDefinition(identity: ServerIdentity): JsonObject {
  return identity.spki ? { name: identity.name, spki: identity.spki } : { name: identity.name };
}

/**
 * SHA-256 over the sorted (kind, key, hash) triples: equal exactly when the same definitions are served under the
 * same keys, so a rename, an addition or a removal changes it even where every surviving pin still matches.
 */
export function setHash(pins: readonly Pin[]): string {
  const triples = pins
    .map((p) => [p.kind, p.key, p.sha256] as const)
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return sha256Hex(canonicalJson(triples));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
