// What the audit log says was used: which permit policies let requests through (the `policy:<id>` rule ids of
// allowed events, and of errored ones, which a permit allowed before the upstream failed) and which tools were
// called, each with a total, a count within the review period and the last time. Fed one audit event at a time,
// so a large log is never held in memory.

/** How often something was used: ever, within the period, and when last. */
export interface UseStats {
  total: number;
  inPeriod: number;
  /** ms since the epoch, undefined when never. */
  lastMs: number | undefined;
}

export interface UsageWindow {
  readonly fromMs: number;
  /** Events after this ("now") are left out: the report describes the log as of its time. */
  readonly toMs: number;
}

const POLICY_RULE = 'policy:';
/** Decisions whose policy rule ids name the permits that let the call through (an errored call was permitted too). */
const PERMITTED_DECISIONS: ReadonlySet<string> = new Set(['allowed', 'errored']);
/** Decisions that record a request; an `approved` event records a human's decision about one, not a call. */
const REQUEST_DECISIONS: ReadonlySet<string> = new Set(['allowed', 'denied', 'errored']);

export class UsageTally {
  /** Policy id -> allowed (or allowed, then errored) events it decided. */
  readonly grants = new Map<string, UseStats>();
  /** Server name -> exposed tool name -> tools/call events. */
  readonly tools = new Map<string, Map<string, UseStats>>();
  /** Audit entries read (the reader sets it; it is only reported). */
  events = 0;
  private readonly window: UsageWindow;

  constructor(window: UsageWindow) {
    this.window = window;
  }

  /** Counts one audit event (as stored: `time`, `decision`, `method`, `server`, `name`, `ruleIds`). */
  add(event: Readonly<Record<string, unknown>>): void {
    const timeMs = typeof event['time'] === 'string' ? Date.parse(event['time']) : Number.NaN;
    if (!Number.isFinite(timeMs) || timeMs > this.window.toMs) return;
    const decision = event['decision'];
    if (
      typeof decision === 'string' &&
      PERMITTED_DECISIONS.has(decision) &&
      Array.isArray(event['ruleIds'])
    ) {
      for (const rule of new Set(event['ruleIds'])) {
        if (typeof rule === 'string' && rule.startsWith(POLICY_RULE)) {
          this.count(this.grants, rule.slice(POLICY_RULE.length), timeMs);
        }
      }
    }
    const server = event['server'];
    const name = event['name'];
    if (
      event['method'] === 'tools/call' &&
      typeof decision === 'string' &&
      REQUEST_DECISIONS.has(decision) &&
      typeof server === 'string' &&
      typeof name === 'string'
    ) {
      let ofServer = this.tools.get(server);
      if (!ofServer) {
        ofServer = new Map();
        this.tools.set(server, ofServer);
      }
      this.count(ofServer, name, timeMs);
    }
  }

  /** Uses of a policy id (zeroes when never). */
  grant(id: string): UseStats {
    return this.grants.get(id) ?? { total: 0, inPeriod: 0, lastMs: undefined };
  }

  /** Calls of a tool by its exposed name on a server (zeroes when never). */
  tool(server: string, exposedName: string): UseStats {
    return this.tools.get(server)?.get(exposedName) ?? { total: 0, inPeriod: 0, lastMs: undefined };
  }

  private count(map: Map<string, UseStats>, key: string, timeMs: number): void {
    let stats = map.get(key);
    if (!stats) {
      stats = { total: 0, inPeriod: 0, lastMs: undefined };
      map.set(key, stats);
    }
    stats.total++;
    if (timeMs >= this.window.fromMs) stats.inPeriod++;
    if (stats.lastMs === undefined || timeMs > stats.lastMs) stats.lastMs = timeMs;
  }
}
