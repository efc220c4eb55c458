// `rampart config propose`: the files on disk become a proposed version, waiting for a second person's approval.
import type { Snapshot } from './snapshot.ts';
import type { VersionRecord, VersionStore } from './version-store.ts';

export type ProposeOutcome =
  /** A new proposed version. */
  | { readonly kind: 'proposed'; readonly version: VersionRecord }
  /** This content already waits as a proposed or approved version. */
  | { readonly kind: 'waiting'; readonly version: VersionRecord }
  /** This content is the active version: nothing to propose. */
  | { readonly kind: 'active'; readonly version: VersionRecord };

export interface ProposeInput {
  readonly author: string;
  readonly now: number;
  readonly message: string;
}

/** Records `snapshot` as a proposed version unless it is already active or waiting. */
export function propose(store: VersionStore, snapshot: Snapshot, input: ProposeInput): ProposeOutcome {
  return store.transaction((): ProposeOutcome => {
    const active = store.active();
    if (active?.digest === snapshot.digest) return { kind: 'active', version: active };
    const waiting = store.newestWithDigest(snapshot.digest, ['proposed', 'approved']);
    if (waiting) return { kind: 'waiting', version: waiting };
    const version = store.create({
      snapshot,
      author: input.author,
      createdAt: input.now,
      message: input.message,
      status: 'proposed',
      derivedFrom: active?.seq,
    });
    return { kind: 'proposed', version };
  });
}
