// The Merkle tree of RFC 9162 §2.1 (same as RFC 6962) over the log's entries: leaf = SHA-256(0x00 || leaf),
// node = SHA-256(0x01 || left || right). Tree sizes are plain numbers (exact up to 2^53), so the bit tricks of
// the RFC are written with arithmetic instead of 32-bit shifts.
// One-shot crypto.hash is ~30% cheaper than a Hash object for inputs this small; it runs once or twice per event.
import { hash } from 'node:crypto';

const LEAF = Buffer.from([0]);

/** SHA-256(0x00 || leaf): the hash of one log entry. */
export function leafHash(leaf: string | Uint8Array): Buffer {
  // U+0000 is the single byte 0x00 in UTF-8, so a string leaf needs no buffer copy.
  return hash('sha256', typeof leaf === 'string' ? `\0${leaf}` : Buffer.concat([LEAF, leaf]), 'buffer');
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(65);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 33);
  return hash('sha256', input, 'buffer');
}

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = hash('sha256', '', 'buffer');

/**
 * The right edge of the tree: the roots of the perfect subtrees that make up `size` leaves, largest first (one
 * per set bit of `size`). Appending costs one hash amortised; the root costs log2(size) hashes. This is all the
 * writer keeps in memory and stores with each batch, so it never re-reads the entries.
 */
export class MerkleFrontier {
  size: number;
  readonly nodes: Buffer[];

  constructor(size = 0, nodes: Buffer[] = []) {
    if (nodes.length !== popcount(size))
      throw new Error(`frontier of ${nodes.length} nodes cannot hold ${size} leaves`);
    this.size = size;
    this.nodes = nodes;
  }

  /** Adds one leaf hash (already computed with `leafHash`). */
  push(hash: Buffer): void {
    let node = hash;
    // Every trailing 1-bit of the old size is a perfect subtree of the same height as the one being carried.
    for (let n = this.size; n % 2 === 1; n = Math.floor(n / 2)) node = nodeHash(this.nodes.pop()!, node);
    this.nodes.push(node);
    this.size += 1;
  }

  /** MTH of the leaves pushed so far. */
  root(): Buffer {
    if (this.nodes.length === 0) return EMPTY_ROOT;
    let acc = this.nodes[this.nodes.length - 1]!;
    for (let i = this.nodes.length - 2; i >= 0; i--) acc = nodeHash(this.nodes[i]!, acc);
    return acc;
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.size, [...this.nodes]);
  }

  /** The nodes concatenated (32 bytes each), for storage next to `size`. */
  serialize(): Buffer {
    return Buffer.concat(this.nodes);
  }

  static deserialize(size: number, bytes: Uint8Array): MerkleFrontier {
    const nodes: Buffer[] = [];
    for (let i = 0; i + 32 <= bytes.length; i += 32) nodes.push(Buffer.from(bytes.subarray(i, i + 32)));
    return new MerkleFrontier(size, nodes);
  }
}

function popcount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

/** The largest power of two strictly smaller than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[lo:hi]) over precomputed leaf hashes. */
export function subtreeRoot(leaves: readonly Buffer[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[lo]!;
  const k = split(n);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/** MTH of the first `size` leaves. */
export function rootOf(leaves: readonly Buffer[], size = leaves.length): Buffer {
  return subtreeRoot(leaves, 0, size);
}

/** PATH(index, D[0:size]) of RFC 9162 §2.1.3.1. */
export function inclusionProof(leaves: readonly Buffer[], index: number, size: number): Buffer[] {
  if (!(index >= 0 && index < size && size <= leaves.length))
    throw new RangeError('leaf index outside the tree');
  const path: Buffer[] = [];
  let lo = 0;
  let hi = size;
  let m = index;
  // Walk down from the root; the sibling subtrees are collected top-down and returned bottom-up.
  while (hi - lo > 1) {
    const k = split(hi - lo);
    if (m < k) {
      path.push(subtreeRoot(leaves, lo + k, hi));
      hi = lo + k;
    } else {
      path.push(subtreeRoot(leaves, lo, lo + k));
      lo += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** RFC 9162 §2.1.3.2: does `path` prove that `leaf` (a leaf hash) is at `index` in the tree with `root`? */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(root);
}

/** PROOF(first, D[0:second]) of RFC 9162 §2.1.4.1: the tree of `second` leaves extends the one of `first`. */
export function consistencyProof(leaves: readonly Buffer[], first: number, second: number): Buffer[] {
  if (!(first > 0 && first <= second && second <= leaves.length)) throw new RangeError('bad tree sizes');
  const path: Buffer[] = [];
  const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
    const n = hi - lo;
    if (m === n) {
      if (!whole) path.push(subtreeRoot(leaves, lo, hi));
      return;
    }
    const k = split(n);
    if (m <= k) {
      sub(m, lo, lo + k, whole);
      path.push(subtreeRoot(leaves, lo + k, hi));
    } else {
      sub(m - k, lo + k, hi, false);
      path.push(subtreeRoot(leaves, lo, lo + k));
    }
  };
  sub(first, 0, second, true);
  return path;
}

/** RFC 9162 §2.1.4.2: is the tree (`second`, `secondRoot`) an append-only extension of (`first`, `firstRoot`)? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first > 0 && first <= second))
    return false;
  if (first === second) return proof.length === 0 && Buffer.from(firstRoot).equals(secondRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(fr).equals(firstRoot) && Buffer.from(sr).equals(secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}
