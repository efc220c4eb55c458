// One permission review of a configuration's state: loads the policy set, the approved pins and the audit log's
// usage, computes the findings and the patch revoking unused grants, and checks that the patched set still loads.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_APPROVAL_AGE_DAYS, DEFAULT_UNUSED_DAYS } from '../config/review-schema.ts';
import type { RampartConfig } from '../config/schema.ts';
import { PinStore } from '../integrity/pin-store.ts';
import {
  formatProblem,
  type LoadedPolicy,
  loadPolicyFiles,
  PolicyLoadError,
} from '../policy/policy-files.ts';
import { readUsage } from './audit-usage.ts';
import { reviewFindings, unusedPermits } from './findings.ts';
import { countByKind, DAY_MS, type ReviewOptions, type ReviewReport, type ReviewSource } from './report.ts';
import { revokePatch } from './revoke-patch.ts';
import { UsageTally } from './usage.ts';

export interface ReviewRequest {
  /** A loaded config (paths resolved against `configDir`). */
  readonly config: RampartConfig;
  readonly configDir: string;
  /** The end of the review period, ms since the epoch. */
  readonly now: number;
  readonly source: ReviewSource;
  /** Overrides of the config's `review` options. */
  readonly options?: Partial<ReviewOptions> | undefined;
}

/** The options of a review: the request's, else the config's `review`, else the defaults. */
export function reviewOptions(config: RampartConfig, overrides: Partial<ReviewOptions> = {}): ReviewOptions {
  return {
    unusedDays: overrides.unusedDays ?? config.review?.unusedDays ?? DEFAULT_UNUSED_DAYS,
    approvalAgeDays: overrides.approvalAgeDays ?? config.review?.approvalAgeDays ?? DEFAULT_APPROVAL_AGE_DAYS,
  };
}

/** Runs one review; throws PolicyLoadError when the policy files do not load. */
export async function runReview(request: ReviewRequest): Promise<ReviewReport> {
  const { config, configDir, now } = request;
  const options = reviewOptions(config, request.options);
  const window = { fromMs: now - options.unusedDays * DAY_MS, toMs: now };
  const stateDir = path.resolve(configDir, config.stateDir);
  const notes: string[] = [];

  const files = (config.policy?.files ?? []).map((f) => path.resolve(configDir, f));
  const policies: readonly LoadedPolicy[] = files.length > 0 ? loadPolicyFiles(files).policies : [];
  if (!config.policy)
    notes.push('no `policy` section: every routed call is allowed, so there are no grants to review');

  const pinStore = PinStore.open(stateDir);
  const pins = (() => {
    try {
      return pinStore.pins();
    } finally {
      pinStore.close();
    }
  })();

  let usage = await readUsage(stateDir, window);
  if (!usage) {
    notes.push(`no audit log in ${stateDir}: nothing counts as used`);
    usage = new UsageTally(window);
  }

  const input = {
    now,
    options,
    configDir,
    separator: config.separator,
    servers: config.servers,
    policies,
    pins,
    usage,
  };
  const findings = reviewFindings(input);
  const revoke = revokePatch(unusedPermits(input), configDir);
  for (const { id, reason } of revoke.skipped) notes.push(`the patch leaves ${id} in place: ${reason}`);
  let patch = revoke.patch;
  if (patch !== null) {
    const problem = patchedSetProblem(files, revoke.patched);
    if (problem !== undefined) {
      notes.push(`no patch: the policy files would not load without the unused grants (${problem})`);
      patch = null;
    }
  }
  return {
    v: 1,
    id: `rev_${randomBytes(8).toString('hex')}`,
    source: request.source,
    time: new Date(now).toISOString(),
    period: { from: new Date(window.fromMs).toISOString(), to: new Date(now).toISOString() },
    options,
    summary: {
      findings: findings.length,
      byKind: countByKind(findings),
      policies: policies.length,
      pins: pins.filter((p) => config.servers.some((s) => s.name === p.server)).length,
      servers: config.servers.length,
      events: usage.events,
    },
    findings,
    patch,
    notes,
  };
}

/** Why the policy files, as patched, would not load (undefined when they do). */
function patchedSetProblem(
  files: readonly string[],
  patched: ReadonlyMap<string, string>,
): string | undefined {
  try {
    loadPolicyFiles(files, { read: (file) => patched.get(file) ?? readFileSync(file, 'utf8') });
    return undefined;
  } catch (err) {
    if (!(err instanceof PolicyLoadError)) throw err;
    return err.problems[0] ? formatProblem(err.problems[0]) : err.message;
  }
}
