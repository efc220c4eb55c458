// The permission review's report: findings of stable kinds, each with the evidence behind it (last use, counts,
// who approved) and what to do about it. Stored as JSON in rampart.db and printed by `rampart review`.

/** Stable finding kinds: report consumers, alerts and tests use these ids. */
export const FINDING_KINDS = [
  /** A permit policy that decided no allowed event in the review period. */
  'grant.unused',
  /** An approved tool that no tools/call event ever named. */
  'tool.never_called',
  /** An approved tool called before, but not in the review period. */
  'tool.unused',
  /** An approved definition pin older than the approval age limit. */
  'approval.stale',
  /** A server without a signed manifest. */
  'server.unsigned',
  /** A stdio server started without a sandbox. */
  'server.unsandboxed',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface ReviewOptions {
  /** A grant or tool not used in this many days is unused. */
  readonly unusedDays: number;
  /** An approval older than this many days is stale. */
  readonly approvalAgeDays: number;
}

/** Who started a review: `rampart review`, or the gateway's schedule (`review.intervalHours`). */
export type ReviewSource = 'cli' | 'schedule';

export type EvidenceValue = string | number | null;

export interface ReviewFinding {
  readonly kind: FindingKind;
  /** What it is about: a policy id, `<server>/<tool>`, `<server>/<pin kind>[:<key>]` or a server name. */
  readonly subject: string;
  readonly server: string | null;
  /** One line for humans; names, times and counts only. */
  readonly message: string;
  readonly evidence: Readonly<Record<string, EvidenceValue>>;
  readonly recommendation: string;
}

export interface ReviewSummary {
  readonly findings: number;
  readonly byKind: Readonly<Record<FindingKind, number>>;
  /** What was looked at. */
  readonly policies: number;
  readonly pins: number;
  readonly servers: number;
  readonly events: number;
}

export interface ReviewReport {
  readonly v: 1;
  readonly id: string;
  readonly source: ReviewSource;
  /** ISO 8601: the end of the review period ("now"). */
  readonly time: string;
  readonly period: { readonly from: string; readonly to: string };
  readonly options: ReviewOptions;
  readonly summary: ReviewSummary;
  readonly findings: readonly ReviewFinding[];
  /** Unified diff (relative to the config directory) removing the unused grants; null when there are none. */
  readonly patch: string | null;
  /** What the review could not do or chose to leave out (no audit log, a policy file outside the config dir). */
  readonly notes: readonly string[];
}

export const DAY_MS = 86_400_000;

/** Counts of `findings` per kind, every kind present. */
export function countByKind(findings: readonly ReviewFinding[]): Record<FindingKind, number> {
  const counts = Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<FindingKind, number>;
  for (const f of findings) counts[f.kind]++;
  return counts;
}
