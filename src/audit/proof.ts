// Inclusion proofs: a self-contained JSON bundle (entry, audit path, signed checkpoint, public key) that anyone can
// check offline with `verifyProofBundle`, without the log. Consistency proofs show that a later checkpoint
// extends an earlier one.

import { AuditError } from './audit-error.ts';
import { canonicalJson } from './canonical.ts';
import { type SignedCheckpoint, verifyCheckpoint } from './checkpoint.ts';
import { findEntry } from './entry-lookup.ts';
import { consistencyProof, inclusionProof, leafHash, verifyConsistency, verifyInclusion } from './merkle.ts';
import { publicKeyFromPem } from './signing-key.ts';
import type { AuditReader, AuditStore } from './store.ts';
import type { TrustedKey } from './verify.ts';

export const PROOF_FORMAT = 'rampart-audit-proof/1';

export interface ProofBundle {
  readonly format: typeof PROOF_FORMAT;
  readonly entry: {
    readonly seq: number;
    readonly prev: string;
    readonly hash: string;
    readonly event: unknown;
  };
  readonly treeSize: number;
  /** Sibling hashes from the leaf up (RFC 9162 §2.1.3.1), hex. */
  readonly inclusionPath: readonly string[];
  readonly checkpoint: SignedCheckpoint;
  /** SPKI PEM of the key that signed the checkpoint. */
  readonly publicKey: string;
}

/** Builds a proof for an event id (or a sequence number) against the latest checkpoint that covers it. */
export function buildInclusionProof(
  store: AuditStore,
  key: TrustedKey & { readonly publicKeyPem: string },
  target: { readonly id: string } | { readonly seq: number },
): Promise<ProofBundle> {
  return store.read(async (reader) => {
    const { entry, leaf } = await findEntry(reader, target);
    const checkpoint = (await reader.checkpoints())
      .filter((cp) => cp.size >= leaf.seq && verifyCheckpoint(cp, key.publicKey, key.keyId))
      .at(-1);
    if (!checkpoint) {
      throw new AuditError(
        'RAMPART_AUDIT_NOT_FOUND',
        `event ${leaf.seq} is not covered by a signed checkpoint yet; one is signed every few seconds`,
      );
    }
    const hashes = await collect(reader, checkpoint.size);
    const path =
      hashes.length === checkpoint.size ? inclusionProof(hashes, leaf.seq - 1, checkpoint.size) : [];
    const bundle: ProofBundle = {
      format: PROOF_FORMAT,
      entry: { seq: leaf.seq, prev: leaf.prev, hash: entry.hash.toString('hex'), event: leaf.event },
      treeSize: checkpoint.size,
      inclusionPath: path.map((h) => h.toString('hex')),
      checkpoint,
      publicKey: key.publicKeyPem,
    };
    // Never hand out a proof that does not check: the store disagrees with its own signed checkpoint.
    const check = verifyProofBundle(bundle);
    if (!check.ok || !leafHash(entry.leaf).equals(entry.hash)) {
      throw new AuditError(
        'RAMPART_AUDIT_INCONSISTENT',
        'the log does not match its checkpoint; run rampart audit verify',
      );
    }
    return bundle;
  });
}

export type ProofCheck =
  | { readonly ok: true; readonly seq: number; readonly treeSize: number; readonly keyId: string }
  | { readonly ok: false; readonly code: 'RAMPART_AUDIT_PROOF_INVALID'; readonly reason: string };

/** Checks a proof bundle offline. `publicKeyPem` pins the key; otherwise the bundle's own key is used. */
export function verifyProofBundle(bundle: unknown, publicKeyPem?: string): ProofCheck {
  const invalid = (reason: string): ProofCheck => ({
    ok: false,
    code: 'RAMPART_AUDIT_PROOF_INVALID',
    reason,
  });
  if (!isBundle(bundle)) return invalid('not a proof bundle');
  let key: ReturnType<typeof publicKeyFromPem>;
  try {
    key = publicKeyFromPem(publicKeyPem ?? bundle.publicKey);
  } catch {
    return invalid('unusable public key');
  }
  if (!verifyCheckpoint(bundle.checkpoint, key.publicKey, key.keyId)) return invalid('checkpoint signature');
  if (bundle.treeSize !== bundle.checkpoint.size) return invalid('tree size differs from the checkpoint');
  const { seq, prev, event } = bundle.entry;
  let leaf: Buffer;
  try {
    leaf = leafHash(canonicalJson({ event, prev, seq }));
  } catch {
    return invalid('entry cannot be canonicalised');
  }
  const path = bundle.inclusionPath.map((h) => Buffer.from(h, 'hex'));
  const root = Buffer.from(bundle.checkpoint.root, 'hex');
  if (!verifyInclusion(leaf, seq - 1, bundle.treeSize, path, root)) return invalid('inclusion path');
  return { ok: true, seq, treeSize: bundle.treeSize, keyId: key.keyId };
}

/** Proof that the tree of `newer.size` entries extends the one of `older.size` (both must be stored checkpoints). */
export function buildConsistencyProof(
  store: AuditStore,
  olderSize: number,
  newerSize: number,
): Promise<string[]> {
  return store.read(async (reader) => {
    const hashes = await collect(reader, newerSize);
    if (hashes.length < newerSize)
      throw new AuditError('RAMPART_AUDIT_NOT_FOUND', `the log has fewer than ${newerSize} entries`);
    return consistencyProof(hashes, olderSize, newerSize).map((h) => h.toString('hex'));
  });
}

/** Whether `newer` extends `older` per `proof`; both checkpoints must carry valid signatures of `publicKeyPem`. */
export function verifyCheckpointConsistency(
  older: SignedCheckpoint,
  newer: SignedCheckpoint,
  proof: readonly string[],
  publicKeyPem: string,
): boolean {
  const { publicKey, keyId } = publicKeyFromPem(publicKeyPem);
  if (!verifyCheckpoint(older, publicKey, keyId) || !verifyCheckpoint(newer, publicKey, keyId)) return false;
  return verifyConsistency(
    older.size,
    newer.size,
    Buffer.from(older.root, 'hex'),
    Buffer.from(newer.root, 'hex'),
    proof.map((h) => Buffer.from(h, 'hex')),
  );
}

async function collect(reader: AuditReader, size: number): Promise<Buffer[]> {
  const hashes: Buffer[] = [];
  for await (const hash of reader.leafHashes(size)) hashes.push(hash);
  return hashes;
}

function isBundle(value: unknown): value is ProofBundle {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as Record<string, unknown>;
  const entry = b['entry'] as Record<string, unknown> | undefined;
  const cp = b['checkpoint'] as Record<string, unknown> | undefined;
  return (
    b['format'] === PROOF_FORMAT &&
    typeof b['publicKey'] === 'string' &&
    Number.isSafeInteger(b['treeSize']) &&
    Array.isArray(b['inclusionPath']) &&
    b['inclusionPath'].every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) &&
    typeof entry === 'object' &&
    entry !== null &&
    Number.isSafeInteger(entry['seq']) &&
    typeof entry['prev'] === 'string' &&
    typeof cp === 'object' &&
    cp !== null &&
    Number.isSafeInteger(cp['size']) &&
    typeof cp['root'] === 'string' &&
    typeof cp['time'] === 'string' &&
    typeof cp['keyId'] === 'string' &&
    typeof cp['signature'] === 'string'
  );
}
