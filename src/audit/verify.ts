// `rampart audit verify`: checks the SQLite store or a JSONL export against the chain and the signed checkpoints
// and names the first position that cannot be trusted (see chain-verifier.ts for how causes are told apart).
import type { KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AuditError } from './audit-error.ts';
import { parseLeaf, type StoredEntry } from './chain.ts';
import { ChainVerifier, type VerifyRecord, type VerifyReport } from './chain-verifier.ts';
import type { SignedCheckpoint } from './checkpoint.ts';
import { type ExportHeader, parseLine, recordFromLine } from './jsonl.ts';
import { leafHash } from './merkle.ts';
import { publicKeyFromPem } from './signing-key.ts';
import type { AuditStore } from './store.ts';

export type { VerifyProblem, VerifyReport } from './chain-verifier.ts';

export interface TrustedKey {
  readonly publicKey: KeyObject;
  readonly keyId: string;
}

export interface VerifyOptions {
  /** Checkpoints kept outside the log (published, witnessed): they catch truncation even if the log's own go. */
  readonly trustedCheckpoints?: readonly SignedCheckpoint[];
}

/** Verifies the store's entries and checkpoints in one snapshot. */
export function verifyStore(
  store: AuditStore,
  key: TrustedKey,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  return store.read(async (reader) => {
    const checkpoints = [...(await reader.checkpoints()), ...(options.trustedCheckpoints ?? [])];
    const verifier = new ChainVerifier(checkpoints, key.publicKey, key.keyId);
    for await (const entry of reader.entries()) {
      verifier.add(recordFromStored(entry));
      if (verifier.done) break;
    }
    return verifier.finish();
  });
}

/** What the verifier needs from a stored entry: the hash recomputed over the exact stored leaf bytes. */
export function recordFromStored(entry: StoredEntry): VerifyRecord {
  const leaf = parseLeaf(entry.leaf);
  if (!leaf) return { malformed: true, reason: `entry ${entry.seq} is not a well-formed leaf` };
  return {
    seq: leaf.seq,
    prev: leaf.prev,
    storedHash: entry.hash.toString('hex'),
    computedHash: leafHash(entry.leaf).toString('hex'),
    consistent: leaf.event['id'] === entry.id,
  };
}

/**
 * Verifies a JSONL export. The key is the one in the file's header unless `publicKeyPem` pins one: without a
 * pinned key, someone who rewrote the whole file could also have replaced the key (the report names the key id).
 */
export async function verifyJsonlFile(
  file: string,
  options: VerifyOptions & { readonly publicKeyPem?: string | undefined } = {},
): Promise<VerifyReport> {
  // Pass 1: header and checkpoints, wherever they are, so the entry walk knows every size to check.
  let header: ExportHeader | undefined;
  const checkpoints: SignedCheckpoint[] = [...(options.trustedCheckpoints ?? [])];
  for await (const { text } of lines(file)) {
    const parsed = parseLine(text);
    if (parsed.kind === 'header') header ??= parsed.header;
    else if (parsed.kind === 'checkpoint') checkpoints.push(parsed.checkpoint);
  }
  const pem = options.publicKeyPem ?? header?.publicKey;
  if (!pem) throw new AuditError('RAMPART_AUDIT_BAD_INPUT', `${file} has no header with a public key`);
  const { publicKey, keyId } = publicKeyFromPem(pem);
  const verifier = new ChainVerifier(checkpoints, publicKey, keyId);
  // Pass 2: every line that is not the header or a checkpoint is an entry position.
  for await (const { text, line } of lines(file)) {
    const parsed = parseLine(text);
    if (parsed.kind === 'header' || parsed.kind === 'checkpoint') continue;
    verifier.add(recordFromLine(parsed, line));
    if (verifier.done) break;
  }
  return verifier.finish();
}

async function* lines(file: string): AsyncIterable<{ text: string; line: number }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  try {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      line += 1;
      if (text.trim() !== '') yield { text, line };
    }
  } finally {
    input.destroy();
  }
}
