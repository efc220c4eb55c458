// Signed checkpoints: (tree size, root hash, time) signed with Ed25519. A checkpoint pins the log up to its size:
// nothing before it can change and nothing can be cut off without a verifier noticing.
import { type KeyObject, sign, verify } from 'node:crypto';
import type { SigningKey } from './signing-key.ts';

export interface Checkpoint {
  readonly size: number;
  /** MTH of the first `size` entries, hex. */
  readonly root: string;
  readonly time: string;
}

export interface SignedCheckpoint extends Checkpoint {
  readonly keyId: string;
  /** Ed25519 over `checkpointBody`, base64. */
  readonly signature: string;
}

/** The signed bytes: a line-based note (as in C2SP tlog-checkpoint) that names its format and key. */
export function checkpointBody(cp: Checkpoint & { readonly keyId: string }): string {
  return `rampart-audit-checkpoint/v1\n${cp.keyId}\n${cp.size}\n${cp.root}\n${cp.time}\n`;
}

export interface CheckpointSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;
  sign(cp: Checkpoint): SignedCheckpoint;
}

export function checkpointSigner(key: SigningKey): CheckpointSigner {
  return {
    keyId: key.keyId,
    publicKeyPem: key.publicKeyPem,
    sign(cp) {
      const body = checkpointBody({ ...cp, keyId: key.keyId });
      const signature = sign(null, Buffer.from(body), key.privateKey).toString('base64');
      return { size: cp.size, root: cp.root, time: cp.time, keyId: key.keyId, signature };
    },
  };
}

/** Whether `cp` was signed by `publicKey` (whose id is `keyId`) exactly as it reads. */
export function verifyCheckpoint(cp: SignedCheckpoint, publicKey: KeyObject, keyId: string): boolean {
  if (cp.keyId !== keyId || !Number.isSafeInteger(cp.size) || cp.size < 0) return false;
  try {
    return verify(null, Buffer.from(checkpointBody(cp)), publicKey, Buffer.from(cp.signature, 'base64'));
  } catch {
    return false;
  }
}

/** When to sign: after `every` entries or `intervalMs` since the last checkpoint, whichever comes first. */
export interface CheckpointPolicy {
  readonly every: number;
  readonly intervalMs: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { every: 1000, intervalMs: 10_000 };

export function checkpointDue(
  policy: CheckpointPolicy,
  size: number,
  last: { readonly size: number; readonly atMs: number },
  nowMs: number,
): boolean {
  if (size <= last.size) return false;
  return size - last.size >= policy.every || nowMs - last.atMs >= policy.intervalMs;
}
