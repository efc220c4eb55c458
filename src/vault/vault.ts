// The vault's operations over its store: set, rotate, remove, list (names, versions and dates: never values),
// re-wrap under a new master key, and the decrypted live versions a running gateway matches and resolves.
import { createHash, timingSafeEqual } from 'node:crypto';
import { RampartError } from '../errors.ts';
import {
  openValue,
  rewrapValue,
  type SealedValue,
  type SecretContext,
  type SecretKind,
  sealValue,
} from './envelope.ts';
import type { KeyWrapper } from './master-key.ts';
import { type VaultRow, VaultStore } from './vault-store.ts';

/** Names are what config references and `[REDACTED:NAME]` show: safe in logs, so no secret goes into one. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** Shorter values would make exact-value redaction mangle ordinary text (and are weak secrets anyway). */
export const MIN_VALUE_LENGTH = 8;
export const MAX_VALUE_LENGTH = 64 * 1024;

export interface SecretListing {
  name: string;
  kind: SecretKind;
  version: number;
  createdAt: number;
  keyId: string;
  /** Rotated-out versions still kept (and redacted) until `retainPreviousMs` after their retirement. */
  previous: { version: number; retiredAt: number }[];
}

/** One decrypted version: the current one, or a previous one still within its retention. */
export interface LiveSecret {
  name: string;
  kind: SecretKind;
  version: number;
  current: boolean;
  value: string;
  /** When a previous version stops being recognised (undefined for current versions). */
  expiresAt?: number;
}

export class Vault {
  readonly store: VaultStore;
  private readonly wrapper: KeyWrapper | undefined;
  private readonly now: () => number;

  constructor(store: VaultStore, wrapper: KeyWrapper | undefined, now: () => number = Date.now) {
    this.store = store;
    this.wrapper = wrapper;
    this.now = now;
  }

  /** Opens the vault in `stateDir`; without a wrapper only listing and removal work. */
  static open(stateDir: string, wrapper: KeyWrapper | undefined, now: () => number = Date.now): Vault {
    return new Vault(VaultStore.open(stateDir), wrapper, now);
  }

  /** Stores a new secret or canary as version 1; an existing name is refused (rotate it instead). */
  async set(name: string, value: string, kind: SecretKind): Promise<number> {
    const wrapper = this.keyFor('set');
    checkName(name);
    checkValue(value);
    if (this.store.current(name)) {
      throw new RampartError(
        'RAMPART_VAULT_SECRET_INVALID',
        `${name} exists; use rotate to replace its value`,
      );
    }
    this.assertOneKey(wrapper);
    const version = nextVersion(this.store.rows(), name);
    const sealed = await sealValue(wrapper, { name, version, kind }, value);
    this.store.write(() =>
      this.store.insert({ name, version, kind, createdAt: this.now(), retiredAt: null, ...sealed }),
    );
    return version;
  }

  /**
   * Replaces `name`'s value with a new version; the previous one is retired now and destroyed `retainMs` later
   * (until then it is still redacted wherever it turns up). Versions retired longer ago are destroyed now.
   */
  async rotate(name: string, value: string, retainMs: number): Promise<number> {
    const wrapper = this.keyFor('rotate');
    checkValue(value);
    const current = this.store.current(name);
    if (!current) throw new RampartError('RAMPART_VAULT_SECRET_UNKNOWN', `no secret named ${name}`);
    this.assertOneKey(wrapper);
    const old = await openValue(wrapper, contextOf(current), current);
    if (sameValue(old, value)) {
      throw new RampartError(
        'RAMPART_VAULT_SECRET_INVALID',
        `the new value of ${name} equals its current value`,
      );
    }
    const version = nextVersion(this.store.rows(), name);
    const sealed = await sealValue(wrapper, { name, version, kind: current.kind }, value);
    const now = this.now();
    this.store.write(() => {
      this.store.retire(name, current.version, now);
      this.store.insert({ name, version, kind: current.kind, createdAt: now, retiredAt: null, ...sealed });
      this.store.pruneRetired(now - retainMs - 1);
    });
    return version;
  }

  /** Deletes every version of `name` (it is no longer redacted either). False when there was none. */
  remove(name: string): boolean {
    return this.store.write(() => this.store.remove(name)) > 0;
  }

  /** Names, kinds, versions and dates: what `rampart secrets list` shows. */
  list(): SecretListing[] {
    const byName = new Map<string, SecretListing>();
    const retired: VaultRow[] = [];
    for (const row of this.store.rows()) {
      if (row.retiredAt !== null) retired.push(row);
      else
        byName.set(row.name, {
          name: row.name,
          kind: row.kind,
          version: row.version,
          createdAt: row.createdAt,
          keyId: row.keyId,
          previous: [],
        });
    }
    for (const row of retired) {
      byName.get(row.name)?.previous.push({ version: row.version, retiredAt: row.retiredAt as number });
    }
    return [...byName.values()];
  }

  /** Re-wraps every data key under `to` (values untouched), in one transaction; the number of versions. */
  async rewrap(to: KeyWrapper): Promise<number> {
    const from = this.keyFor('rewrap');
    const rows = this.store.rows();
    // Everything is unwrapped and re-wrapped first, then written at once: no state mixes the two keys.
    const rewrapped: { row: VaultRow; sealed: SealedValue }[] = [];
    for (const row of rows) {
      rewrapped.push({ row, sealed: await rewrapValue(from, to, contextOf(row), row) });
    }
    this.store.write(() => {
      for (const { row, sealed } of rewrapped)
        this.store.setWrapping(row.name, row.version, sealed.keyId, sealed.wrappedKey);
    });
    return rewrapped.length;
  }

  /** Every current version, and the previous versions retired less than `retainMs` ago, decrypted. */
  async live(retainMs: number): Promise<LiveSecret[]> {
    const wrapper = this.keyFor('open');
    const now = this.now();
    const out: LiveSecret[] = [];
    for (const row of this.store.rows()) {
      const expiresAt = row.retiredAt === null ? undefined : row.retiredAt + retainMs;
      if (expiresAt !== undefined && expiresAt <= now) continue;
      out.push({
        name: row.name,
        kind: row.kind,
        version: row.version,
        current: row.retiredAt === null,
        value: await openValue(wrapper, contextOf(row), row),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
    }
    return out;
  }

  revision(): number {
    return this.store.revision();
  }

  close(): void {
    this.store.close();
  }

  private keyFor(operation: string): KeyWrapper {
    if (!this.wrapper)
      throw new RampartError('RAMPART_VAULT_LOCKED', `${operation} needs the vault's master key`);
    return this.wrapper;
  }

  /** One vault, one master key: a write under another key would leave records nobody can open together. */
  private assertOneKey(wrapper: KeyWrapper): void {
    const other = this.store.rows().find((row) => row.keyId !== wrapper.keyId);
    if (other) {
      throw new RampartError(
        'RAMPART_VAULT_LOCKED',
        `the vault is wrapped by master key ${other.keyId}, not by ${wrapper.keyId}`,
      );
    }
  }
}

function contextOf(row: VaultRow): SecretContext {
  return { name: row.name, version: row.version, kind: row.kind };
}

function nextVersion(rows: readonly VaultRow[], name: string): number {
  return rows.filter((r) => r.name === name).reduce((max, r) => Math.max(max, r.version), 0) + 1;
}

export function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new RampartError(
      'RAMPART_VAULT_SECRET_INVALID',
      'a name is a letter or "_" then up to 63 letters, digits, "_", "." or "-"',
    );
  }
}

function checkValue(value: string): void {
  if (value.length < MIN_VALUE_LENGTH || value.length > MAX_VALUE_LENGTH) {
    throw new RampartError(
      'RAMPART_VAULT_SECRET_INVALID',
      `a value has ${MIN_VALUE_LENGTH} to ${MAX_VALUE_LENGTH} characters`,
    );
  }
}

/** Constant-time equality of two secret values (compared as digests, so their lengths do not leak either). */
export function sameValue(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
