// Which content may run, and recording that it runs. Under the two-person rule content runs only when it is
// the active version already, the first version ever (bootstrap), or a version someone other than its author
// approved. The rule applies when the config about to run asks for it OR the active one does: switching the
// rule off is itself a change that needs a second person.
import type { Snapshot } from './snapshot.ts';
import type { VersionRecord, VersionStore } from './version-store.ts';

export type Verdict =
  | { readonly allowed: true; readonly why: 'active' | 'rule-off' | 'bootstrap' | 'approved' }
  | { readonly allowed: false };

/** May `snapshot` run now? Reads only. */
export function verdictFor(store: VersionStore, snapshot: Snapshot): Verdict {
  const active = store.active();
  if (active?.digest === snapshot.digest) return { allowed: true, why: 'active' };
  if (!snapshot.twoPersonRule && active?.twoPersonRule !== true) return { allowed: true, why: 'rule-off' };
  if (!store.everActive()) return { allowed: true, why: 'bootstrap' };
  if (store.approvedWithDigest(snapshot.digest)) return { allowed: true, why: 'approved' };
  return { allowed: false };
}

export interface RecordInput {
  readonly author: string;
  readonly now: number;
  /** Why a new version is recorded ("recorded at start", ...). */
  readonly message: string;
}

/**
 * Records that `snapshot` runs now and returns the active version: none is added when it is the active one
 * already; a proposed or approved version with the same content becomes active; otherwise a new active version
 * is recorded (derived from the previous active one, carrying over the approvals of earlier identical content).
 * The caller has checked `verdictFor` first.
 */
export function recordRunning(store: VersionStore, snapshot: Snapshot, input: RecordInput): VersionRecord {
  return store.transaction(() => {
    const active = store.active();
    if (active?.digest === snapshot.digest) return active;
    const bootstrap = !store.everActive();
    const waiting =
      store.newestWithDigest(snapshot.digest, ['approved']) ??
      store.newestWithDigest(snapshot.digest, ['proposed']);
    if (waiting && store.activate(waiting.seq, bootstrap)) return store.require(waiting.seq);
    const approved = store.approvedWithDigest(snapshot.digest);
    return store.create({
      snapshot,
      author: input.author,
      createdAt: input.now,
      message: approved ? `${input.message} (the content of version ${approved.seq})` : input.message,
      status: 'active',
      derivedFrom: active?.seq,
      bootstrap,
      inherit: approved,
    });
  });
}

/**
 * The version an operator should approve for `snapshot`: a waiting version with this content, else a new
 * proposed one recorded now (so that a refused start can name it).
 */
export function pendingVersion(store: VersionStore, snapshot: Snapshot, input: RecordInput): VersionRecord {
  return store.transaction(
    () =>
      store.newestWithDigest(snapshot.digest, ['proposed', 'approved']) ??
      store.create({
        snapshot,
        author: input.author,
        createdAt: input.now,
        message: input.message,
        status: 'proposed',
        derivedFrom: store.active()?.seq,
      }),
  );
}
