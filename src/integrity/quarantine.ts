// The rug-pull quarantine. Every list a server returns passes through `review` before the gateway caches it (the
// cached list both feeds `*/list` and decides what may be called), so a definition that differs from its approved
// pin is neither listed nor callable until an operator approves it. Modes per server:
//   enforce  new and changed definitions wait for approval (the default);
//   tofu     everything seen the first time a kind of definition is seen from a server is pinned, then enforce;
//   monitor  changes are recorded, diffed and audited, but nothing is hidden.
// A new server identity (serverInfo name or TLS key) holds back the whole server, as does a signed manifest the
// server no longer matches.
import { RampartError } from '../errors.ts';
import { type FieldChange, fieldDiff } from './field-diff.ts';
import { compareWithManifest } from './manifest/compare.ts';
import type { Manifest } from './manifest/format.ts';
import type { ApprovedPin, PinChange, PinStore } from './pin-store.ts';
import {
  identityDefinition,
  type Pin,
  type PinKind,
  pinOf,
  type ServedDefinitions,
  type ServerIdentity,
  setHash,
} from './pins.ts';

export type IntegrityMode = 'enforce' | 'tofu' | 'monitor';

/** What the runtime turns into audit events and alerts. */
export type IntegrityEvent =
  | {
      readonly action: 'quarantined';
      readonly change: PinChange;
      readonly diff: readonly FieldChange[];
      readonly mode: IntegrityMode;
    }
  | { readonly action: 'approved' | 'rejected'; readonly change: PinChange }
  | {
      readonly action: 'pinned';
      readonly server: string;
      readonly kind: PinKind;
      readonly keys: readonly string[];
      readonly by: string;
      readonly setSha256: string;
    }
  | {
      readonly action: 'blocked' | 'unblocked';
      readonly server: string;
      readonly code: string;
      readonly reason: string;
    };

/** A server's signed manifest as verified at start (or the reason it could not be). */
export type ManifestState =
  | { readonly ok: true; readonly manifest: Manifest; readonly signer: string }
  | { readonly ok: false; readonly code: string; readonly reason: string };

export interface QuarantineOptions {
  readonly store: PinStore;
  readonly modeOf: (server: string) => IntegrityMode;
  /** Distinct approvers a change needs (2 under the two-person rule). */
  readonly approvalsRequired: number;
  readonly now: () => number;
  readonly onEvent: (event: IntegrityEvent) => void;
  /** Told which servers' approved state changed (a decision here or in another process), to refresh their lists. */
  readonly onDecided: (servers: ReadonlySet<string>) => void;
  /** True for a definition the detectors score at or above the hold threshold (never trusted on first use). */
  readonly suspicious?: (
    server: string,
    kind: PinKind,
    definition: unknown,
    otherKeys: readonly string[],
  ) => boolean;
  /** The verified manifest of a server that is configured with one; what it serves must match it exactly. */
  readonly manifestOf?: (server: string) => ManifestState | undefined;
}

/** Why a definition is held back, as the gateway refuses a call to it. */
interface Held {
  readonly status: 'pending' | 'rejected';
  readonly changeId: string;
}

/** A server-wide block (identity pending, signed manifest mismatch) and the code its calls are refused with. */
interface Block {
  readonly code: 'RAMPART_SERVER_QUARANTINED' | 'RAMPART_SERVER_MANIFEST_MISMATCH';
  readonly reason: string;
}

export class Quarantine {
  private readonly options: QuarantineOptions;
  /** server -> kind -> key -> approved pin, mirrored from the store. */
  private approved = new Map<string, Map<PinKind, Map<string, ApprovedPin>>>();
  private readonly held = new Map<string, Map<PinKind, Map<string, Held>>>();
  private readonly blocks = new Map<string, Map<string, Block>>();
  /** server -> kind -> how what it serves differs from its signed manifest. */
  private readonly manifestMismatches = new Map<string, Map<PinKind, string>>();
  private revision = -1;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: QuarantineOptions) {
    this.options = options;
    this.reload();
  }

  get store(): PinStore {
    return this.options.store;
  }

  modeOf(server: string): IntegrityMode {
    return this.options.modeOf(server);
  }

  /**
   * The definitions of one kind that may be listed and called; records (and reports) every new, changed and
   * removed one. Synchronous: the store is embedded, and a list is reviewed once per fetch, not per request.
   */
  review(server: string, kind: PinKind, definitions: readonly unknown[]): unknown[] {
    const mode = this.options.modeOf(server);
    const pins = definitions.map((d) => pinOf(kind, d));
    const served = setHash(pins);
    const now = this.options.now();
    const store = this.options.store;
    this.checkManifest(server, kind, definitions, pins, now);
    if (mode === 'tofu' && !store.seen(server, kind)) {
      // What the detectors find poisoned is not trusted even on first use: it waits for review like a change.
      const keys = pins.map((p) => p.key);
      const held = this.options.suspicious
        ? pins.filter((p) => this.options.suspicious?.(server, kind, p.definition, keys))
        : [];
      this.trustOnFirstUse(
        server,
        kind,
        pins.filter((p) => !held.includes(p)),
        served,
        now,
      );
      if (held.length === 0) return this.serverVisible(server, mode) ? [...definitions] : [];
    }
    const approved = this.approvedOf(server, kind);
    const held = new Map<string, Held>();
    const visible: unknown[] = [];
    const servedKeys = new Set<string>();
    const removed = [...approved.values()].filter((p) => !pins.some((pin) => pin.key === p.key));
    pins.forEach((pin, i) => {
      if (servedKeys.has(pin.key)) return; // a duplicate key: the first one is what the server means
      servedKeys.add(pin.key);
      const pinned = approved.get(pin.key);
      if (pinned?.sha256 === pin.sha256) {
        visible.push(definitions[i]);
        return;
      }
      const renamedFrom = pinned
        ? undefined
        : removed.find((r) => sameButName(r.definition, pin.definition))?.key;
      const recorded = store.record({
        server,
        kind,
        key: pin.key,
        change: pinned ? 'changed' : 'added',
        oldSha256: pinned?.sha256,
        newSha256: pin.sha256,
        oldDefinition: pinned?.definition,
        newDefinition: pin.definition,
        renamedFrom,
        at: now,
      });
      if (recorded.created) {
        const diff = fieldDiff(pinned?.definition, pin.definition);
        this.options.onEvent({ action: 'quarantined', change: recorded.change, diff, mode });
      }
      held.set(pin.key, {
        status: recorded.change.status === 'rejected' ? 'rejected' : 'pending',
        changeId: recorded.change.id,
      });
      if (mode === 'monitor') visible.push(definitions[i]);
    });
    for (const gone of removed) {
      const recorded = store.record({
        server,
        kind,
        key: gone.key,
        change: 'removed',
        oldSha256: gone.sha256,
        newSha256: undefined,
        oldDefinition: gone.definition,
        newDefinition: undefined,
        renamedFrom: undefined,
        at: now,
      });
      if (recorded.created) {
        this.options.onEvent({
          action: 'quarantined',
          change: recorded.change,
          diff: fieldDiff(gone.definition, undefined),
          mode,
        });
      }
    }
    // A key served as pinned again closes what was pending for it (the server reverted).
    for (const key of store.pendingKeys(server, kind)) {
      if (servedKeys.has(key) && !held.has(key)) store.supersedeOpen(server, kind, key, now);
    }
    store.markSeen(server, kind, served, now);
    this.setHeld(server, kind, held);
    return this.serverVisible(server, mode) ? visible : [];
  }

  /** Reviews who the server says it is; a new identity holds back the whole server. */
  reviewIdentity(server: string, identity: ServerIdentity | undefined): void {
    if (!identity) return;
    this.review(server, 'identity', [identityDefinition(identity)]);
    const heldNow = this.heldOf(server, 'identity').get('');
    if (heldNow && this.options.modeOf(server) !== 'monitor') {
      this.setBlock(server, 'identity', {
        code: 'RAMPART_SERVER_QUARANTINED',
        reason:
          heldNow.status === 'rejected'
            ? `the server's new identity was rejected (change ${heldNow.changeId})`
            : `the server's identity awaits approval (change ${heldNow.changeId})`,
      });
    } else this.setBlock(server, 'identity', undefined);
  }

  /**
   * Whether a new TLS connection may use `spki`: yes before any key is pinned (the first one is reviewed with the
   * server's identity) and for the approved key; another key is recorded as an identity change and refused until
   * approved (monitor mode records it and lets it through).
   */
  tlsKeyAllowed(server: string, spki: string): boolean {
    const pinned = this.approvedOf(server, 'identity').get('')?.definition as
      | { name?: string; spki?: string }
      | undefined;
    if (pinned?.spki === undefined || pinned.spki === spki) return true;
    this.reviewIdentity(server, { name: pinned.name ?? '', spki });
    return this.options.modeOf(server) === 'monitor';
  }

  /** Reviews the server's instructions; true when they may be shown to clients. */
  reviewInstructions(server: string, instructions: string | undefined): boolean {
    if (instructions === undefined) {
      // Nothing to pin, but a manifest that signed instructions must still see that none are served.
      this.checkManifest(server, 'instructions', [], [], this.options.now());
      return true;
    }
    return this.review(server, 'instructions', [instructions]).length > 0;
  }

  /** Whether the server's instructions (as last reviewed) may be shown. */
  instructionsVisible(server: string): boolean {
    return !this.heldOf(server, 'instructions').has('') || this.options.modeOf(server) === 'monitor';
  }

  /** Holds back (or, with undefined, releases) a whole server for one reason (identity, manifest). */
  setBlock(server: string, source: string, block: Block | undefined): void {
    let map = this.blocks.get(server);
    const before = map?.get(source);
    if (block) {
      map = entry(this.blocks, server);
      map.set(source, block);
      if (!before || before.code !== block.code)
        this.options.onEvent({ action: 'blocked', server, ...block });
    } else if (before && map) {
      map.delete(source);
      this.options.onEvent({ action: 'unblocked', server, code: before.code, reason: before.reason });
    }
  }

  /** The error a request to the server gets while it is held back as a whole; undefined when it is not. */
  serverRefusal(server: string): RampartError | undefined {
    if (this.options.modeOf(server) === 'monitor') return undefined;
    const block = this.blocks.get(server)?.values().next().value;
    return block ? new RampartError(block.code, block.reason, { server }) : undefined;
  }

  /** The error a call to a held-back definition gets (instead of "unknown tool"); undefined when it is not held. */
  refusal(server: string, kind: PinKind, key: string): RampartError | undefined {
    const server_ = this.serverRefusal(server);
    if (server_) return server_;
    const held = this.heldOf(server, kind).get(key);
    if (!held || this.options.modeOf(server) === 'monitor') return undefined;
    return held.status === 'rejected'
      ? new RampartError(
          'RAMPART_DEFINITION_REJECTED',
          `${key} was rejected by an operator (${held.changeId}).`,
          {
            server,
            name: key,
            change: held.changeId,
          },
        )
      : new RampartError('RAMPART_QUARANTINED', `${key} changed and awaits approval (${held.changeId}).`, {
          server,
          name: key,
          change: held.changeId,
        });
  }

  /**
   * The refusal for reading a URI that only a held (new, changed or rejected) resource template serves: the
   * template is hidden from lists, and reading through it must be refused like calling a held tool.
   */
  templateRefusal(server: string, matches: (uriTemplate: string) => boolean): RampartError | undefined {
    for (const key of this.heldOf(server, 'resourceTemplate').keys()) {
      if (matches(key)) return this.refusal(server, 'resourceTemplate', key);
    }
    return undefined;
  }

  /** Approves a pending change (one of the required approvals). */
  approve(id: string, by: string, reason: string): PinChange {
    const result = this.options.store.approve(
      id,
      { by, at: this.options.now(), reason },
      this.options.approvalsRequired,
    );
    if (!result.ok) throw decisionError(result.reason, id);
    this.applyDecisions();
    return result.change;
  }

  /** Rejects a pending change: what it describes stays blocked. */
  reject(id: string, by: string, reason: string): PinChange {
    const result = this.options.store.reject(id, { by, at: this.options.now(), reason });
    if (!result.ok) throw decisionError(result.reason, id);
    this.applyDecisions();
    return result.change;
  }

  /** Polls the store for decisions made by other processes (`rampart tools approve` on the same state dir). */
  watch(pollMs: number): void {
    this.timer = setInterval(() => this.applyDecisions(), pollMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads the approved pins when the store moved on, reports the decisions and names the servers to refresh. */
  applyDecisions(): void {
    const store = this.options.store;
    if (store.revision() === this.revision) return;
    const before = this.approved;
    this.reload();
    for (const change of store.unauditedDecisions()) {
      this.options.onEvent({ action: change.status === 'approved' ? 'approved' : 'rejected', change });
      store.markAudited(change.id);
    }
    const servers = new Set<string>();
    for (const server of new Set([...before.keys(), ...this.approved.keys(), ...this.held.keys()])) {
      if (!samePins(before.get(server), this.approved.get(server))) servers.add(server);
      else if (this.heldChanged(server)) servers.add(server);
    }
    if (servers.size > 0) this.options.onDecided(servers);
  }

  private reload(): void {
    const store = this.options.store;
    this.revision = store.revision();
    const next = new Map<string, Map<PinKind, Map<string, ApprovedPin>>>();
    for (const pin of store.pins()) {
      entry(entry(next, pin.server), pin.kind).set(pin.key, pin);
    }
    this.approved = next;
  }

  /** Whether a held definition was decided since it was held (a rejection changes no pin but changes the code). */
  private heldChanged(server: string): boolean {
    for (const keys of this.held.get(server)?.values() ?? []) {
      for (const held of keys.values()) {
        const change = this.options.store.change(held.changeId);
        if (change && change.status !== held.status) return true;
      }
    }
    return false;
  }

  private trustOnFirstUse(
    server: string,
    kind: PinKind,
    pins: readonly Pin[],
    served: string,
    now: number,
  ): void {
    const store = this.options.store;
    const first = new Map<string, Pin>();
    for (const pin of pins) if (!first.has(pin.key)) first.set(pin.key, pin);
    const keys = [...first.keys()];
    store.pin(
      [...first.values()].map((pin) => ({
        server,
        kind,
        key: pin.key,
        sha256: pin.sha256,
        definition: pin.definition,
        approvedBy: 'tofu',
        reason: 'trust on first use',
      })),
      now,
    );
    store.markSeen(server, kind, served, now);
    this.reload();
    this.setHeld(server, kind, new Map());
    this.options.onEvent({ action: 'pinned', server, kind, keys, by: 'tofu', setSha256: served });
  }

  /**
   * Compares one kind of what the server serves with its signed manifest: any difference holds back the whole
   * server (RAMPART_SERVER_MANIFEST_MISMATCH); definitions that match are pinned as approved by the signer, so a
   * signed release needs no click. The identity is pinned that way only without a TLS key (the manifest cannot
   * vouch for a key).
   */
  private checkManifest(
    server: string,
    kind: PinKind,
    definitions: readonly unknown[],
    pins: readonly Pin[],
    now: number,
  ): void {
    const state = this.options.manifestOf?.(server);
    if (!state) return;
    if (!state.ok) {
      this.setBlock(server, 'manifest', {
        code: 'RAMPART_SERVER_MANIFEST_MISMATCH',
        reason: `its signed manifest could not be verified (${state.code}: ${state.reason})`,
      });
      return;
    }
    const differences = compareWithManifest(state.manifest, servedAs(kind, definitions)).filter(
      (d) => d.kind === kind,
    );
    const mismatches = entry(this.manifestMismatches, server);
    if (differences.length > 0) {
      mismatches.set(
        kind,
        differences.map((d) => `${d.kind}${d.key ? ` ${d.key}` : ''} ${d.what}`).join(', '),
      );
    } else mismatches.delete(kind);
    this.setBlock(
      server,
      'manifest',
      mismatches.size > 0
        ? {
            code: 'RAMPART_SERVER_MANIFEST_MISMATCH',
            reason: `it serves what its signed manifest does not: ${[...mismatches.values()].join('; ').slice(0, 500)}`,
          }
        : undefined,
    );
    if (differences.length > 0) return;
    const approved = this.approvedOf(server, kind);
    const signed = pins.filter(
      (pin) =>
        approved.get(pin.key)?.sha256 !== pin.sha256 &&
        !(kind === 'identity' && (pin.definition as { spki?: string }).spki !== undefined),
    );
    if (signed.length === 0) return;
    this.options.store.pin(
      signed.map((pin) => ({
        server,
        kind,
        key: pin.key,
        sha256: pin.sha256,
        definition: pin.definition,
        approvedBy: `manifest:${state.signer}`,
        reason: 'matches the signed manifest',
      })),
      now,
    );
    this.reload();
  }

  private serverVisible(server: string, mode: IntegrityMode): boolean {
    return mode === 'monitor' || (this.blocks.get(server)?.size ?? 0) === 0;
  }

  private approvedOf(server: string, kind: PinKind): Map<string, ApprovedPin> {
    return this.approved.get(server)?.get(kind) ?? new Map();
  }

  private heldOf(server: string, kind: PinKind): Map<string, Held> {
    return this.held.get(server)?.get(kind) ?? new Map();
  }

  private setHeld(server: string, kind: PinKind, held: Map<string, Held>): void {
    entry(this.held, server).set(kind, held);
  }
}

/** One kind of definition as a manifest comparison takes it (the other kinds empty, and filtered out after). */
function servedAs(kind: PinKind, definitions: readonly unknown[]): ServedDefinitions {
  const items = definitions as Record<string, unknown>[];
  return {
    tools: kind === 'tool' ? items : [],
    prompts: kind === 'prompt' ? items : [],
    resourceTemplates: kind === 'resourceTemplate' ? items : [],
    instructions: kind === 'instructions' ? (definitions[0] as string | undefined) : undefined,
    identity: kind === 'identity' ? (definitions[0] as ServerIdentity | undefined) : undefined,
  };
}

/** The map under `key`, created empty on first use. */
function entry<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

/** True when two definitions differ only in their name (a rename, which a name-keyed pin alone would miss). */
function sameButName(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  const { name: _a, ...restA } = a as Record<string, unknown>;
  const { name: _b, ...restB } = b as Record<string, unknown>;
  return JSON.stringify(sortKeys(restA)) === JSON.stringify(sortKeys(restB));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

function samePins(
  a: Map<PinKind, Map<string, ApprovedPin>> | undefined,
  b: Map<PinKind, Map<string, ApprovedPin>> | undefined,
): boolean {
  const flat = (m: typeof a) =>
    [...(m?.entries() ?? [])]
      .flatMap(([kind, keys]) => [...keys.values()].map((p) => `${kind}\u0000${p.key}\u0000${p.sha256}`))
      .sort()
      .join('\n');
  return flat(a) === flat(b);
}

function decisionError(reason: 'not_found' | 'decided' | 'duplicate_approver', id: string): RampartError {
  switch (reason) {
    case 'not_found':
      return new RampartError('RAMPART_PIN_CHANGE_NOT_FOUND', `No such change: ${id}.`);
    case 'decided':
      return new RampartError('RAMPART_PIN_CHANGE_DECIDED', `Change ${id} was already decided.`);
    case 'duplicate_approver':
      return new RampartError(
        'RAMPART_PIN_DUPLICATE_APPROVER',
        `Change ${id} needs another approver: the same person cannot approve it twice.`,
      );
  }
}
