// The hash chain. Entry n is the canonical JSON {"event":…,"prev":…,"seq":n} where prev is the hash of entry
// n-1 (64 zeros for the first); its hash is the RFC 9162 leaf hash of those bytes. So one hash per entry both
// links the chain and feeds the Merkle tree, and each entry commits to its position and predecessor.
import { leafHash, MerkleFrontier } from './merkle.ts';

/** `prev` of the first entry. */
export const GENESIS = '0'.repeat(64);

/** An entry as every store keeps it: the exact leaf bytes (as text) and their hash. */
export interface StoredEntry {
  readonly seq: number;
  /** The event's id, for lookups (`rampart audit proof ID`); also inside `leaf`. */
  readonly id: string;
  /** Canonical JSON of {event, prev, seq}: the bytes that were hashed. */
  readonly leaf: string;
  /** leafHash(leaf), 32 bytes. */
  readonly hash: Buffer;
}

/**
 * The leaf bytes. Written by hand because the keys are fixed and already in RFC 8785 order ("event" < "prev" <
 * "seq"), the event text is already canonical, prev is hex and seq a safe integer: the result is exactly what a
 * canonicaliser would produce, without walking the event a second time.
 */
export function leafText(seq: number, prev: string, eventJson: string): string {
  return `{"event":${eventJson},"prev":"${prev}","seq":${seq}}`;
}

/** The end of the chain: what the next entry links to and the Merkle frontier that continues the tree. */
export class ChainHead {
  readonly frontier: MerkleFrontier;
  /** Hash of the last entry, hex; GENESIS when empty. */
  lastHash: string;

  constructor(frontier = new MerkleFrontier(), lastHash = GENESIS) {
    this.frontier = frontier;
    this.lastHash = lastHash;
  }

  get size(): number {
    return this.frontier.size;
  }

  /** Adds the next entry for an event (its canonical JSON) and returns it. */
  append(id: string, eventJson: string): StoredEntry {
    const seq = this.frontier.size + 1;
    const leaf = leafText(seq, this.lastHash, eventJson);
    const hash = leafHash(leaf);
    this.frontier.push(hash);
    this.lastHash = hash.toString('hex');
    return { seq, id, leaf, hash };
  }

  clone(): ChainHead {
    return new ChainHead(this.frontier.clone(), this.lastHash);
  }
}

/** The parts of a leaf that verification needs, or undefined when it is not a well-formed entry. */
export function parseLeaf(
  leaf: string,
): { seq: number; prev: string; event: Record<string, unknown> } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(leaf);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { seq, prev, event } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(seq) || typeof prev !== 'string' || typeof event !== 'object' || event === null) {
    return undefined;
  }
  return { seq: seq as number, prev, event: event as Record<string, unknown> };
}
