// What each session has touched: the union of the labels of the tools, prompts and resources it called, got or
// read, and which of them contributed each label (the flow chain the audit event names). In memory, bounded:
// a flow is forgotten when its 2025-11-25 session closes, after `idleMs` without a request, or, past `maxTracked`
// flows, the one idle longest first.
import type { DownstreamCall } from '../core/call.ts';
import type { LabelOrigin } from './labels.ts';

/** One contribution to a session's label: the item (exposed name or URI) and how it carried the label. */
export interface FlowSource {
  readonly item: string;
  readonly via: LabelOrigin;
}

/** Whose flow a request belongs to: its 2025-11-25 session, or (2026-07-28, stateless) its caller. */
export interface FlowKey {
  readonly key: string;
  readonly scope: 'session' | 'caller';
}

/** Contributors kept per label: enough to explain a decision, bounded so a long session stays small. */
const SOURCES_PER_LABEL = 8;

interface Flow {
  lastSeen: number;
  readonly sources: Map<string, FlowSource[]>;
}

export interface SessionFlowsOptions {
  readonly idleMs: number;
  readonly maxTracked: number;
  readonly now?: () => number;
  /** A flow was dropped to stay within `maxTracked` (its labels no longer restrict anything). */
  readonly onEvicted?: (key: string) => void;
}

/**
 * The flow a request belongs to. A 2025-11-25 request has its session (the audit event's `session`). A 2026-07-28
 * request has none, so its caller stands in (issuer, subject, client: the principal the event records); without
 * authentication every such caller is the one anonymous caller, which only makes the rule stricter.
 */
export function flowKeyOf(call: Pick<DownstreamCall, 'sessionId' | 'principal'>): FlowKey {
  if (call.sessionId !== undefined) return { key: `session:${call.sessionId}`, scope: 'session' };
  const p = call.principal;
  const who = p ? JSON.stringify([p.issuer, p.subject, p.clientId ?? '']) : 'anonymous';
  return { key: `caller:${who}`, scope: 'caller' };
}

export class SessionFlows {
  /** Insertion order is recency: every touch re-inserts, so the first entry is the one idle longest. */
  private readonly flows = new Map<string, Flow>();
  private readonly options: SessionFlowsOptions;
  private readonly now: () => number;

  constructor(options: SessionFlowsOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.flows.size;
  }

  /** The labels a flow holds, sorted (empty for an unknown or expired one). */
  labels(key: string): string[] {
    const flow = this.live(key);
    return flow ? [...flow.sources.keys()].sort() : [];
  }

  /** The labels with their contributors, for the audit event. */
  sources(key: string): Record<string, FlowSource[]> {
    const flow = this.live(key);
    const out: Record<string, FlowSource[]> = {};
    if (!flow) return out;
    for (const label of [...flow.sources.keys()].sort()) out[label] = [...flow.sources.get(label)!];
    return out;
  }

  /** Adds what `item` carried to the flow; returns the labels that were new to it. */
  add(key: string, item: string, labels: readonly { label: string; via: LabelOrigin }[]): string[] {
    if (labels.length === 0) return [];
    const now = this.now();
    let flow = this.live(key);
    if (!flow) {
      this.sweep(now);
      flow = { lastSeen: now, sources: new Map() };
      this.flows.set(key, flow);
    }
    this.touch(key, flow, now);
    const added: string[] = [];
    for (const { label, via } of labels) {
      let list = flow.sources.get(label);
      if (!list) {
        list = [];
        flow.sources.set(label, list);
        added.push(label);
      }
      if (list.length < SOURCES_PER_LABEL && !list.some((s) => s.item === item && s.via === via))
        list.push({ item, via });
    }
    return added;
  }

  /** A 2025-11-25 session ended: its flow goes with it. */
  forget(key: string): void {
    this.flows.delete(key);
  }

  private live(key: string): Flow | undefined {
    const flow = this.flows.get(key);
    if (!flow) return undefined;
    const now = this.now();
    if (now - flow.lastSeen >= this.options.idleMs) {
      this.flows.delete(key);
      return undefined;
    }
    this.touch(key, flow, now);
    return flow;
  }

  private touch(key: string, flow: Flow, now: number): void {
    flow.lastSeen = now;
    this.flows.delete(key);
    this.flows.set(key, flow);
  }

  /** Drops expired flows from the idle end, then the idlest ones while at the bound. */
  private sweep(now: number): void {
    for (const [key, flow] of this.flows) {
      if (now - flow.lastSeen < this.options.idleMs && this.flows.size < this.options.maxTracked) break;
      this.flows.delete(key);
      if (now - flow.lastSeen < this.options.idleMs) this.options.onEvicted?.(key);
    }
  }
}
