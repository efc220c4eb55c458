// Shapes shared by the orchestrator, the load generator and the report (the raw JSON result format).

/** One line of loadgen.ts output: the client's view of one measured run. Latencies in ms. */
export type LoadResult = {
  concurrency: number;
  warmup: number;
  calls: number;
  errors: number;
  errSamples: string[];
  /** The time limit ended the run before the call budget was used up. */
  timedOut: boolean;
  seconds: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  initMs: number;
  loadgenCpuUsPerCall: number;
};

/** The system under test's side of one measured run, from /proc, bracketing exactly the measured calls. */
export type SutUsage = {
  /** CPU (user+system) of the proxy process itself ÷ calls; null when the config has no proxy. */
  proxyUsPerCall: number | null;
  /** CPU of the upstream: the proxy's descendants (stdio children) plus a separate upstream process. */
  upstreamUsPerCall: number;
  loadgenUsPerCall: number;
  /** Proxy CPU in % of one core over the measured phase. */
  proxyCpuPct: number | null;
  /** Highest RSS of the proxy process seen during the measured phase (sampled every 100 ms). */
  proxyRssMaxKb: number | null;
  upstreamRssMaxKb: number;
};

/** The quiet gate's verdict before a run: other tenants' CPU in % of one core, and how long we waited. */
export type Gate = { foreignPctBefore: number; waitedS: number };

export type RunRecord = {
  config: string;
  rep: number;
  level: number;
  gate?: Gate;
  error?: string;
  load?: LoadResult;
  sut?: SutUsage;
  /** CPU used by other tenants during the run, % of one core (machine busy minus ours). */
  foreignCpuPct?: number;
};

export type ConfigInfo = {
  description: string;
  tool: string;
  hasProxy: boolean;
  startError?: string;
  readyMs?: number;
  idle?: { proxyRssKbFresh: number | null; proxyRssKbAfterLoad?: number | null };
};

export type BenchOutput = {
  startedAt: string;
  finishedAt?: string;
  node: string;
  argv: string[];
  pinned: boolean;
  cpus: number;
  versions: Record<string, string>;
  options: { levels: number[]; reps: number; calls: number; maxSeconds: number };
  baseline: string;
  /** Runs before the audit rows recorded only the authentication targets, here. */
  auth?: { baseline: string; targets: DeltaTarget[] };
  /** Cost targets: CPU/call of each target config minus that of the spec's baseline. */
  deltas?: DeltaSpec[];
  /** Rows with their own baseline, shown unmarked in the ratio table. */
  unmarkedInRatios?: string[];
  configs: Record<string, ConfigInfo>;
  runs: RunRecord[];
};

export type DeltaTarget = {
  config: string;
  maxDeltaUs: number;
  /** Judged at this concurrency only (shown at every level). */
  level?: number;
};

export type DeltaSpec = {
  title: string;
  baseline: string;
  /** What the baseline is, for the report's prose. */
  baselineWhat: string;
  targets: DeltaTarget[];
};
