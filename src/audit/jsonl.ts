// The JSONL export format, one JSON object per line:
//   {"type":"header","format":"rampart-audit-log/1","keyId":…,"publicKey":"<SPKI PEM>","exportedAt":…,"entries":n}
//   {"type":"checkpoint","size":…,"root":…,"time":…,"keyId":…,"signature":…}     (all of them, by size)
//   {"type":"entry","hash":…,"event":{…},"prev":…,"seq":…}                         (in sequence order)
// Checkpoints come before the entries so that cutting lines off the end of the file is caught by them.

import { canonicalJson } from './canonical.ts';
import type { StoredEntry } from './chain.ts';
import type { VerifyRecord } from './chain-verifier.ts';
import type { SignedCheckpoint } from './checkpoint.ts';
import { leafHash } from './merkle.ts';

export const EXPORT_FORMAT = 'rampart-audit-log/1';

export interface ExportHeader {
  readonly type: 'header';
  readonly format: typeof EXPORT_FORMAT;
  readonly keyId: string;
  readonly publicKey: string;
  readonly exportedAt: string;
  readonly entries: number;
}

export function headerLine(header: Omit<ExportHeader, 'type' | 'format'>): string {
  return JSON.stringify({ type: 'header', format: EXPORT_FORMAT, ...header });
}

export function checkpointLine(cp: SignedCheckpoint): string {
  return JSON.stringify({
    type: 'checkpoint',
    size: cp.size,
    root: cp.root,
    time: cp.time,
    keyId: cp.keyId,
    signature: cp.signature,
  });
}

/** The stored leaf with its hash spliced in front: no re-serialisation of the event. */
export function entryLine(entry: StoredEntry): string {
  return `{"type":"entry","hash":"${entry.hash.toString('hex')}",${entry.leaf.slice(1)}`;
}

export type ParsedLine =
  | { readonly kind: 'header'; readonly header: ExportHeader }
  | { readonly kind: 'checkpoint'; readonly checkpoint: SignedCheckpoint }
  | { readonly kind: 'entry'; readonly value: Record<string, unknown> }
  | { readonly kind: 'malformed'; readonly reason: string };

export function parseLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'malformed', reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'malformed', reason: 'not a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  switch (obj['type']) {
    case 'header':
      if (obj['format'] !== EXPORT_FORMAT || typeof obj['publicKey'] !== 'string') {
        return { kind: 'malformed', reason: `not a ${EXPORT_FORMAT} header` };
      }
      return { kind: 'header', header: obj as unknown as ExportHeader };
    case 'checkpoint': {
      const { size, root, time, keyId, signature } = obj;
      if (
        !Number.isSafeInteger(size) ||
        typeof root !== 'string' ||
        typeof time !== 'string' ||
        typeof keyId !== 'string' ||
        typeof signature !== 'string'
      ) {
        return { kind: 'malformed', reason: 'incomplete checkpoint' };
      }
      return { kind: 'checkpoint', checkpoint: { size: size as number, root, time, keyId, signature } };
    }
    case 'entry':
      return { kind: 'entry', value: obj };
    default:
      return { kind: 'malformed', reason: 'unknown record type' };
  }
}

/** Recomputes an exported entry's leaf hash from its fields (re-canonicalised, so formatting does not matter). */
export function recordFromLine(parsed: ParsedLine, line: number): VerifyRecord {
  if (parsed.kind !== 'entry') {
    const reason =
      parsed.kind === 'malformed' ? parsed.reason : `unexpected ${parsed.kind} among the entries`;
    return { malformed: true, reason: `line ${line}: ${reason}`, line };
  }
  const { seq, prev, hash, event } = parsed.value;
  if (
    !Number.isSafeInteger(seq) ||
    typeof prev !== 'string' ||
    typeof hash !== 'string' ||
    typeof event !== 'object'
  ) {
    return { malformed: true, reason: `line ${line}: incomplete entry`, line };
  }
  let computedHash: string;
  try {
    computedHash = leafHash(canonicalJson({ event, prev, seq })).toString('hex');
  } catch {
    return { malformed: true, reason: `line ${line}: entry cannot be canonicalised`, line };
  }
  return { seq: seq as number, prev, storedHash: hash, computedHash, consistent: true, line };
}
