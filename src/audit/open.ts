// Wiring for a state directory: audit.db, the signing key, the payload master key and the spool file side by side,
// as `rampart serve` and the `rampart audit` commands use them.
import path from 'node:path';
import { AuditError } from './audit-error.ts';
import { AuditLog, type AuditLogOptions, type ErasureReport, type ErasureTarget } from './audit-log.ts';
import { checkpointSigner } from './checkpoint.ts';
import type { LegalHolds } from './privacy/holds.ts';
import { loadOrCreateMasterKey, type PayloadMasterKey } from './privacy/master-key.ts';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.ts';
import { SqliteAuditStore } from './sqlite-audit-store.ts';
import { AUDIT_DB_FILE } from './sqlite-schema.ts';
import type { FsyncPolicy } from './sqlite-writer.ts';

export const SPOOL_FILE = 'audit-spool.jsonl';

export type StateDirAuditOptions = Omit<AuditLogOptions, 'store' | 'signer' | 'masterKey'> & {
  /** How long a write waits for a lock before the append fails (closed) or spools (degraded). */
  readonly busyTimeoutMs?: number;
  /** When the WAL is fsynced: every group commit (default) or with every signed checkpoint. */
  readonly fsync?: FsyncPolicy;
  /**
   * False for a tool (`rampart audit erase`) that appends next to a running gateway: it must neither drain nor
   * create the gateway's spool. Default true.
   */
  readonly spool?: boolean;
};

/**
 * Opens the audit log of a state directory, creating its database, signing key and payload master key on first
 * use. Rejects with RAMPART_AUDIT_UNAVAILABLE (or RAMPART_AUDIT_KEY_INVALID) when it cannot: the gateway must not
 * start unaudited.
 */
export async function openAuditLog(stateDir: string, options: StateDirAuditOptions = {}): Promise<AuditLog> {
  const { key, masterKey } = stateKeys(stateDir);
  const store = new SqliteAuditStore(path.join(stateDir, AUDIT_DB_FILE), {
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
  });
  return AuditLog.open({
    spoolFile: path.join(stateDir, SPOOL_FILE),
    ...options,
    ...(options.spool === false ? { spoolFile: undefined, failureMode: 'closed' as const } : {}),
    store,
    signer: checkpointSigner(key),
    masterKey,
  });
}

/**
 * Erases a subject's payloads in a state directory (what `rampart audit erase` runs), also while a gateway runs
 * on it: see AuditLog.eraseSubject. `holds` are the configured legal holds.
 */
export async function eraseSubject(
  stateDir: string,
  target: ErasureTarget,
  options: {
    readonly reason?: string | undefined;
    readonly overrideHold?: boolean | undefined;
    readonly holds?: LegalHolds | undefined;
    readonly now?: (() => number) | undefined;
    readonly busyTimeoutMs?: number | undefined;
  } = {},
): Promise<ErasureReport> {
  const log = await openAuditLog(stateDir, {
    spool: false,
    privacy: { holds: options.holds },
    ...(options.now ? { now: options.now } : {}),
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  try {
    return await log.eraseSubject(target, { reason: options.reason, overrideHold: options.overrideHold });
  } finally {
    await log.close();
  }
}

/** The store of a state directory, for reading (verify, proof, export, show). */
export function openAuditStore(stateDir: string, busyTimeoutMs?: number): SqliteAuditStore {
  return new SqliteAuditStore(
    path.join(stateDir, AUDIT_DB_FILE),
    busyTimeoutMs === undefined ? {} : { busyTimeoutMs },
  );
}

function stateKeys(stateDir: string): { key: SigningKey; masterKey: PayloadMasterKey } {
  try {
    return { key: loadOrCreateSigningKey(stateDir), masterKey: loadOrCreateMasterKey(stateDir) };
  } catch (err) {
    if (err instanceof AuditError) throw err;
    throw new AuditError('RAMPART_AUDIT_UNAVAILABLE', `cannot use ${stateDir}: ${String(err)}`, {
      cause: err,
    });
  }
}
