// Retention: payload ciphertexts of events older than N days are deleted, except those under legal hold. Only the
// side table changes, so chain verification is unaffected. The log runs this on a timer (AuditLog, bounded work
// per run); `rampart audit purge` runs it on demand.
import type { AuditStore } from '../store.ts';
import { type LegalHolds, type ResolvedHolds, resolveHolds } from './holds.ts';
import type { PayloadMasterKey } from './master-key.ts';

const DAY_MS = 86_400_000;

export interface PurgeOptions {
  readonly olderThanDays: number;
  readonly holds?: LegalHolds | undefined;
  /** Count what would go, delete nothing. */
  readonly dryRun?: boolean | undefined;
  /** Rows examined per transaction; default 1000. */
  readonly stepRows?: number | undefined;
  /** Rows deleted at most in this run; default unlimited. */
  readonly maxRows?: number | undefined;
  readonly now?: (() => number) | undefined;
}

export interface PurgeReport {
  /** Payloads of events before this time were purged. */
  readonly cutoff: string;
  readonly purged: number;
  /** Payloads older than the cutoff kept by a legal hold. */
  readonly held: number;
  /** The run stopped at maxRows; older payloads are left for the next one. */
  readonly more: boolean;
  readonly dryRun: boolean;
}

/** Purges payloads older than `olderThanDays` except those under `holds`. */
export function purgePayloads(
  store: AuditStore,
  master: PayloadMasterKey,
  options: PurgeOptions,
): Promise<PurgeReport> {
  return purgeResolved(store, resolveHolds(options.holds, master), options);
}

/** As purgePayloads, with holds already resolved to subject refs and ms ranges. */
export async function purgeResolved(
  store: AuditStore,
  holds: ResolvedHolds,
  options: Omit<PurgeOptions, 'holds'>,
): Promise<PurgeReport> {
  if (!Number.isFinite(options.olderThanDays) || options.olderThanDays < 0) {
    throw new TypeError('olderThanDays must be a number of days, 0 or more');
  }
  const beforeMs = (options.now ?? Date.now)() - options.olderThanDays * DAY_MS;
  const dryRun = options.dryRun === true;
  const outcome = await store.purgePayloads({
    beforeMs,
    heldRefs: [...holds.refs],
    heldPeriods: holds.periods,
    stepRows: options.stepRows ?? 1000,
    maxRows: options.maxRows ?? Number.MAX_SAFE_INTEGER,
    dryRun,
  });
  return { cutoff: new Date(beforeMs).toISOString(), ...outcome, dryRun };
}
