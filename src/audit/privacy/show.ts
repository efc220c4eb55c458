import { findEntry } from '../entry-lookup.ts';
import { leafHash } from '../merkle.ts';
import type { AuditReader, AuditStore, PayloadField } from '../store.ts';
import type { PayloadMasterKey } from './master-key.ts';
import { matchesCommitment, openPayload, unwrapSubjectKey } from './payload-crypto.ts';

export type PayloadView =
  | {
      readonly status: 'ok';
      readonly mode: 'full' | 'redacted';
      readonly value: unknown;
      readonly lossy?: true;
    }
  | { readonly status: 'digest'; readonly sha256: string }
  | { readonly status: 'erased'; readonly message: 'payload erased'; readonly erasedAt?: string }
  | { readonly status: 'purged'; readonly message: 'payload purged by retention' }
  | {
      readonly status: 'tampered';
      /** `authentication`: GCM refused the ciphertext (modified, or moved from another event or field);
       * `commitment`: it decrypts but is not what the event committed to; `key`: the key is not the event's or
       * does not unwrap. */
      readonly check: 'authentication' | 'commitment' | 'key';
      readonly message: string;
    }
  | { readonly status: 'missing'; readonly message: string }
  | { readonly status: 'unreadable'; readonly message: string };

export interface ShownEvent {
  readonly seq: number;
  readonly hash: string;
  /** The stored leaf still hashes to the stored hash (run `rampart audit verify` for the whole chain). */
  readonly hashOk: boolean;
  readonly event: Record<string, unknown>;
  readonly payloads: { readonly arguments?: PayloadView; readonly result?: PayloadView };
  /** False when the hash or a payload shows tampering, or a payload is missing without explanation. */
  readonly ok: boolean;
}

/** Reads one event (by id or sequence number) and opens its payloads with the state directory's master key. */
export function showEvent(
  store: AuditStore,
  master: PayloadMasterKey | undefined,
  target: { readonly id: string } | { readonly seq: number },
): Promise<ShownEvent> {
  return store.read(async (reader) => {
    const { entry, leaf } = await findEntry(reader, target);
    const hashOk = leafHash(entry.leaf).equals(entry.hash);
    const payloads: { arguments?: PayloadView; result?: PayloadView } = {};
    for (const field of ['arguments', 'result'] as const) {
      const recorded = leaf.event[field];
      if (recorded !== null && recorded !== undefined) {
        payloads[field] = await view(reader, master, leaf.seq, leaf.event, field, recorded);
      }
    }
    const bad = Object.values(payloads).some((p) => p.status === 'tampered' || p.status === 'missing');
    return {
      seq: leaf.seq,
      hash: entry.hash.toString('hex'),
      hashOk,
      event: leaf.event,
      payloads,
      ok: hashOk && !bad,
    };
  });
}

async function view(
  reader: AuditReader,
  master: PayloadMasterKey | undefined,
  seq: number,
  event: Record<string, unknown>,
  field: PayloadField,
  recorded: unknown,
): Promise<PayloadView> {
  const p = recorded as {
    mode?: unknown;
    sha256?: unknown;
    sealed?: { key?: unknown; mac?: unknown };
    lossy?: true;
  };
  if (p.mode === 'digest' && typeof p.sha256 === 'string') return { status: 'digest', sha256: p.sha256 };
  // Written before payloads moved out of the event: the value is in the hashed event itself.
  if ((p.mode === 'full' || p.mode === 'redacted') && 'value' in p) {
    return { status: 'ok', mode: p.mode, value: (p as { value: unknown }).value };
  }
  const keyId = p.sealed?.key;
  const mac = p.sealed?.mac;
  if ((p.mode !== 'full' && p.mode !== 'redacted') || typeof keyId !== 'string' || typeof mac !== 'string') {
    return { status: 'missing', message: `the event's ${field} is not a payload record this version knows` };
  }
  // The AAD is built from the hashed event, never from the row: a row moved here from another entry fails.
  const id = String(event['id']);
  const row = (await reader.payloads(seq)).find((r) => r.field === field);
  const key = await reader.subjectKey(keyId);
  if (key && key.wrapped === null) {
    return key.erasedMs === null
      ? { status: 'erased', message: 'payload erased' }
      : { status: 'erased', message: 'payload erased', erasedAt: new Date(key.erasedMs).toISOString() };
  }
  if (!row) {
    const before = await reader.purgedBeforeMs();
    const timeMs = Date.parse(String(event['time']));
    if (key && before !== undefined && timeMs < before) {
      return { status: 'purged', message: 'payload purged by retention' };
    }
    return {
      status: 'missing',
      message: 'the ciphertext is gone, yet neither erasure nor retention removed it',
    };
  }
  if (row.keyId !== keyId) {
    return {
      status: 'tampered',
      check: 'key',
      message: `stored under key ${row.keyId}, the event names ${keyId}`,
    };
  }
  if (!key) return { status: 'tampered', check: 'key', message: `key ${keyId} is not in the store` };
  if (!master) return { status: 'unreadable', message: 'no payload master key in the state directory' };
  let subjectKey: ReturnType<typeof unwrapSubjectKey>;
  try {
    subjectKey = unwrapSubjectKey(master, { ...key, wrapped: key.wrapped! });
  } catch {
    return {
      status: 'tampered',
      check: 'key',
      message: `key ${keyId} does not unwrap (altered, or wrapped under another master key)`,
    };
  }
  let plain: Buffer;
  try {
    plain = openPayload(subjectKey, id, field, row.nonce, row.ciphertext);
  } catch {
    return {
      status: 'tampered',
      check: 'authentication',
      message:
        'the ciphertext does not authenticate for this event and field (modified, or moved from another)',
    };
  }
  if (!matchesCommitment(subjectKey, plain, mac)) {
    return {
      status: 'tampered',
      check: 'commitment',
      message: "the payload does not match the event's commitment",
    };
  }
  const value: unknown = JSON.parse(plain.toString('utf8'));
  return p.lossy ? { status: 'ok', mode: p.mode, value, lossy: true } : { status: 'ok', mode: p.mode, value };
}
