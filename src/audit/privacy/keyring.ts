// The subject keys of a running log, in memory: read once at open (and unwrapped on first use, so a log of many
// subjects opens fast), so sealing a payload never waits for the database. A subject's first payload makes a key
// here; it reaches the database in the same transaction as that payload (WriteBatch.keys), and the writer refuses
// it there if the subject was erased meanwhile.
import type { AuditPrincipal, PayloadSealer, SealedCommitment, SealedPayload } from '../event.ts';
import type { PayloadField, StoredSubjectKey } from '../store.ts';
import type { PayloadMasterKey } from './master-key.ts';
import {
  newSubjectKey,
  type SubjectId,
  type SubjectKey,
  sealPayload,
  subjectRefOf,
  unwrapSubjectKey,
} from './payload-crypto.ts';

export class PayloadKeyring implements PayloadSealer {
  /** Stored keys that did not unwrap when first needed (altered, or wrapped under another master key). */
  readonly unusable: string[] = [];
  private readonly master: PayloadMasterKey;
  /** The key new payloads of a subject use, by subject ref: unwrapped, or still as stored. */
  private readonly current = new Map<string, SubjectKey | StoredSubjectKey>();
  private readonly byId = new Map<string, SubjectKey | StoredSubjectKey>();
  /** issuer -> subject -> key: saves the HMAC of the subject ref on every payload. */
  private readonly principals = new Map<string, Map<string, SubjectKey>>();
  private anonymous: SubjectKey | undefined;

  constructor(master: PayloadMasterKey, stored: Iterable<StoredSubjectKey> = []) {
    this.master = master;
    for (const record of stored) {
      this.byId.set(record.keyId, record);
      const newest = this.current.get(record.subjectRef);
      if (!newest || recordOf(newest).createdMs < record.createdMs)
        this.current.set(record.subjectRef, record);
    }
  }

  /** Number of keys held. */
  get size(): number {
    return this.byId.size;
  }

  /** The pseudonymous reference of a subject (null: the shared anonymous subject). */
  refOf(who: SubjectId): string {
    return subjectRefOf(this.master, who);
  }

  seal(
    principal: AuditPrincipal | null,
    eventId: string,
    field: PayloadField,
    plaintext: string,
    timeMs: number,
  ): { commitment: SealedCommitment; sealed: SealedPayload } {
    const key = this.keyFor(principal, timeMs);
    const { nonce, ciphertext, mac } = sealPayload(key, eventId, field, plaintext);
    return {
      commitment: { key: key.record.keyId, mac },
      sealed: {
        payload: { eventId, field, keyId: key.record.keyId, nonce, ciphertext, timeMs },
        key: key.record,
      },
    };
  }

  /** Drops keys (erased elsewhere); the next payload of their subject gets a new key. */
  forget(keyIds: Iterable<string>): void {
    let any = false;
    for (const keyId of keyIds) {
      const key = this.byId.get(keyId);
      if (!key) continue;
      any = true;
      this.byId.delete(keyId);
      // Dropped, not zeroed: KeyObjects cannot be overwritten; the memory goes with the next collection.
      const ref = recordOf(key).subjectRef;
      if (this.current.get(ref) === key) this.current.delete(ref);
    }
    if (any) this.clearCache();
  }

  /** Drops every key of a subject (this process erased it). */
  forgetSubject(subjectRef: string): void {
    const keys = [...this.byId.values()].map(recordOf).filter((k) => k.subjectRef === subjectRef);
    this.forget(keys.map((k) => k.keyId));
    this.current.delete(subjectRef);
    this.clearCache();
  }

  private keyFor(principal: AuditPrincipal | null, timeMs: number): SubjectKey {
    if (principal === null) {
      this.anonymous ??= this.keyOfRef(this.refOf(null), timeMs);
      return this.anonymous;
    }
    let subjects = this.principals.get(principal.issuer);
    if (!subjects) {
      subjects = new Map();
      this.principals.set(principal.issuer, subjects);
    }
    let key = subjects.get(principal.subject);
    if (!key) {
      key = this.keyOfRef(this.refOf(principal), timeMs);
      subjects.set(principal.subject, key);
    }
    return key;
  }

  private keyOfRef(subjectRef: string, timeMs: number): SubjectKey {
    const known = this.current.get(subjectRef);
    if (known && 'encKey' in known) return known;
    if (known) {
      try {
        const key = unwrapSubjectKey(this.master, known);
        this.current.set(subjectRef, key);
        this.byId.set(known.keyId, key);
        return key;
      } catch {
        // Altered, or wrapped under another master key: never used; the subject gets a new key.
        this.unusable.push(known.keyId);
        this.byId.delete(known.keyId);
      }
    }
    const key = newSubjectKey(this.master, subjectRef, timeMs);
    this.current.set(subjectRef, key);
    this.byId.set(key.record.keyId, key);
    return key;
  }

  private clearCache(): void {
    this.principals.clear();
    this.anonymous = undefined;
  }
}

function recordOf(key: SubjectKey | StoredSubjectKey): StoredSubjectKey {
  return 'record' in key ? key.record : key;
}
