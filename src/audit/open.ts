// Wiring for a state directory: audit.db, the signing key and the spool file side by side, as `rampart serve`
// and the `rampart audit` commands use them.
import path from 'node:path';
import { AuditError } from './audit-error.ts';
import { AuditLog, type AuditLogOptions } from './audit-log.ts';
import { checkpointSigner } from './checkpoint.ts';
import { loadOrCreateSigningKey } from './signing-key.ts';
import { SqliteAuditStore } from './sqlite-audit-store.ts';
import { AUDIT_DB_FILE } from './sqlite-schema.ts';

export const SPOOL_FILE = 'audit-spool.jsonl';

export type StateDirAuditOptions = Omit<AuditLogOptions, 'store' | 'signer'> & {
  /** How long a write waits for a lock before the append fails (closed) or spools (degraded). */
  readonly busyTimeoutMs?: number;
};

/**
 * Opens the audit log of a state directory, creating its database and signing key on first use. Rejects with
 * RAMPART_AUDIT_UNAVAILABLE (or RAMPART_AUDIT_KEY_INVALID) when it cannot: the gateway must not start unaudited.
 */
export async function openAuditLog(stateDir: string, options: StateDirAuditOptions = {}): Promise<AuditLog> {
  let key: ReturnType<typeof loadOrCreateSigningKey>;
  try {
    key = loadOrCreateSigningKey(stateDir);
  } catch (err) {
    if (err instanceof AuditError) throw err;
    throw new AuditError('RAMPART_AUDIT_UNAVAILABLE', `cannot use ${stateDir}: ${String(err)}`, {
      cause: err,
    });
  }
  const store = openAuditStore(stateDir, options.busyTimeoutMs);
  return AuditLog.open({
    spoolFile: path.join(stateDir, SPOOL_FILE),
    ...options,
    store,
    signer: checkpointSigner(key),
  });
}

/** The store of a state directory, for reading (verify, proof, export). */
export function openAuditStore(stateDir: string, busyTimeoutMs?: number): SqliteAuditStore {
  return new SqliteAuditStore(
    path.join(stateDir, AUDIT_DB_FILE),
    busyTimeoutMs === undefined ? {} : { busyTimeoutMs },
  );
}
