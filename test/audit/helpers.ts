// Shared by the audit tests: temporary state directories, a frozen clock, sample events, raw database access for
// tampering, and the tools to forge entries the way an attacker without the signing key could.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { AuditLog } from '../../src/audit/audit-log.ts';
import { leafText } from '../../src/audit/chain.ts';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { buildAuditEvent } from '../../src/audit/event.ts';
import { leafHash } from '../../src/audit/merkle.ts';
import { openAuditLog, openAuditStore, type StateDirAuditOptions } from '../../src/audit/open.ts';
import { PayloadKeyring } from '../../src/audit/privacy/keyring.ts';
import { masterKeyFrom, readMasterKey } from '../../src/audit/privacy/master-key.ts';
import { type ShownEvent, showEvent } from '../../src/audit/privacy/show.ts';
import { readSigningKey } from '../../src/audit/signing-key.ts';
import { AUDIT_DB_FILE } from '../../src/audit/sqlite-schema.ts';
import type { VerifyReport } from '../../src/audit/verify.ts';
import { verifyStore } from '../../src/audit/verify.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');

export function tempDir(t: { after(fn: () => void): void }, prefix = 'rampart-audit-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A wall clock that only moves when told to. */
export function frozenClock(start = Date.parse('2026-01-15T10:00:00.000Z')): {
  now: () => number;
  advance(ms: number): void;
} {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

export function sampleEvent(i: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    decision: i % 5 === 4 ? 'denied' : 'allowed',
    principal: {
      issuer: 'https://idp.example',
      subject: `user-${i % 3}`,
      clientId: 'client-a',
      agent: 'agent-a',
    },
    sessionId: 'session-1',
    requestId: String(i),
    traceId: '0af7651916cd43dd8448eb211c80319c',
    server: 'fs',
    method: 'tools/call',
    name: `tool-${i}`,
    code: i % 5 === 4 ? 'RAMPART_POLICY_DENIED' : undefined,
    ruleIds: i % 5 === 4 ? ['policy:no-secrets'] : [],
    timings: { request: 0.01, upstream: 0.5, totalMs: 0.6 },
    arguments: { path: `/tmp/file-${i}` },
    result: { content: [{ type: 'text', text: `contents ${i}` }] },
    ...overrides,
  };
}

/** Opens a log in `dir` with a frozen clock and small checkpoint spacing unless told otherwise. */
export function openTestLog(dir: string, options: StateDirAuditOptions = {}): Promise<AuditLog> {
  return openAuditLog(dir, {
    now: frozenClock().now,
    checkpoints: { every: 5, intervalMs: 3_600_000 },
    ...options,
  });
}

/** Appends `n` events one after another (one batch each, so checkpoints fall every `every` entries). */
export async function appendSequentially(log: AuditLog, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) await log.append(sampleEvent(i));
}

export function rawDb(dir: string): DatabaseSync {
  const db = new DatabaseSync(path.join(dir, AUDIT_DB_FILE));
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}

export interface RawEntry {
  seq: number;
  id: string;
  leaf: string;
  hash: Uint8Array;
}

export function rawEntry(db: DatabaseSync, seq: number): RawEntry {
  return db
    .prepare('SELECT seq, id, leaf, hash FROM audit_entries WHERE seq = ?')
    .get(seq) as unknown as RawEntry;
}

/** What someone with write access but without the signing key can make: a well-formed, correctly hashed entry. */
export function forgeEntry(
  seq: number,
  prevHash: string,
  name = 'forged-tool',
): { id: string; leaf: string; hash: Buffer } {
  const { event, json } = buildAuditEvent(sampleEvent(seq, { name, decision: 'allowed' }), {
    mode: 'digest',
    now: () => Date.parse('2026-01-15T10:00:00.000Z'),
  });
  const leaf = leafText(seq, prevHash, json);
  return { id: event.id, leaf, hash: leafHash(leaf) };
}

/** A keyring under a throwaway master key, for building events with kept payloads outside a log. */
export function testKeyring(): PayloadKeyring {
  return new PayloadKeyring(masterKeyFrom(randomBytes(32)));
}

export function stateKey(dir: string) {
  return readSigningKey(dir);
}

/** An event of `subject` (at issuer https://idp.example) with recognisable payloads. */
export function eventOf(
  subject: string | null,
  i: number,
  overrides: Partial<AuditEventInput> = {},
): AuditEventInput {
  return sampleEvent(i, {
    principal:
      subject === null ? undefined : { issuer: 'https://idp.example', subject, clientId: 'client-a' },
    arguments: { path: `/home/${subject ?? 'anon'}/file-${i}`, secret: `${subject ?? 'anon'}-secret-${i}` },
    result: { content: [{ type: 'text', text: `${subject ?? 'anon'} contents ${i}` }] },
    ...overrides,
  });
}

/** `rampart audit show` as a function: the event with its payloads opened with the state directory's key. */
export async function showIn(dir: string, target: { id: string } | { seq: number }): Promise<ShownEvent> {
  const store = openAuditStore(dir);
  try {
    return await showEvent(store, readMasterKey(dir), target);
  } finally {
    await store.close();
  }
}

export async function verifyDir(dir: string): Promise<VerifyReport> {
  const store = openAuditStore(dir);
  try {
    return await verifyStore(store, readSigningKey(dir));
  } finally {
    await store.close();
  }
}

/** Every byte SQLite keeps for the log: the database file, its WAL and shared-memory index. */
export function databaseBytes(dir: string): Buffer {
  const file = path.join(dir, AUDIT_DB_FILE);
  return Buffer.concat(
    [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
  );
}
