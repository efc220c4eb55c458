// Matches the configured rate-limit rules against a call and charges it to one bucket per matching rule, in the
// store, all or nothing. The rules are compiled once; the clock is injected so tests freeze and advance time.
import type { RateLimitDimension, RateLimitRuleConfig } from '../../config/rate-limits-schema.ts';
import { DayClock } from './calendar.ts';
import { MemoryRateLimitStore } from './memory-store.ts';
import type { BucketRequest, RateLimitStore } from './store.ts';

/** The principal of calls without authentication (loopback only). */
export const ANONYMOUS = 'anonymous';

/** What rules match on and count by, taken from one call. */
export interface RateLimitedCall {
  readonly method: string;
  /** Undefined for a call without authentication: it counts as subject `anonymous`. */
  readonly principal: { readonly issuer: string; readonly subject: string } | undefined;
  readonly agent: string | undefined;
  readonly groups: readonly string[];
  /** The routed upstream. */
  readonly server: string | undefined;
  /** The exposed tool (or prompt, resource URI) the call acts on. */
  readonly name: string | undefined;
}

export type RateLimitDecision =
  | { readonly allowed: true; readonly rules: readonly string[] }
  | {
      readonly allowed: false;
      /** The refusing rule that takes longest to allow again (it decides the Retry-After). */
      readonly rule: string;
      readonly limit: 'rate' | 'quota';
      readonly retryAfterMs: number;
      /** Every refusing rule, `rule` first. */
      readonly rules: readonly string[];
    };

interface CompiledRule {
  readonly name: string;
  readonly matches: (call: RateLimitedCall) => boolean;
  readonly per: readonly RateLimitDimension[];
  readonly burst: number;
  readonly tokens: number;
  readonly periodMs: number;
  readonly daily: number | undefined;
  readonly timezone: string;
}

export interface RateLimiterOptions {
  readonly now: () => number;
  /** Defaults to the in-memory store (one node). */
  readonly store?: RateLimitStore;
}

/** Charges calls against the configured rules; `check` resolves to the decision and never throws on a refusal. */
export class RateLimiter {
  private readonly rules: readonly CompiledRule[];
  private readonly store: RateLimitStore;
  private readonly now: () => number;
  private readonly days = new DayClock();

  constructor(rules: readonly RateLimitRuleConfig[], options: RateLimiterOptions) {
    this.rules = rules.map(compile);
    this.store = options.store ?? new MemoryRateLimitStore();
    this.now = options.now;
  }

  async check(call: RateLimitedCall): Promise<RateLimitDecision> {
    const matching = this.rules.filter((rule) => rule.matches(call));
    if (matching.length === 0) return { allowed: true, rules: [] };
    const nowMs = this.now();
    const requests = matching.map((rule) => this.request(rule, call, nowMs));
    const outcome = await this.store.take(requests, nowMs);
    if (outcome.allowed) return { allowed: true, rules: matching.map((r) => r.name) };
    const refusals = matching
      .map((rule, i) => ({ rule, bucket: outcome.buckets[i]! }))
      .filter(({ bucket }) => !bucket.allowed)
      .sort((a, b) => b.bucket.retryAfterMs - a.bucket.retryAfterMs);
    const first = refusals[0]!;
    return {
      allowed: false,
      rule: first.rule.name,
      limit: first.bucket.limit ?? 'rate',
      retryAfterMs: first.bucket.retryAfterMs,
      rules: refusals.map(({ rule }) => rule.name),
    };
  }

  private request(rule: CompiledRule, call: RateLimitedCall, nowMs: number): BucketRequest {
    const key = JSON.stringify([rule.name, ...rule.per.map((dimension) => dimensionValue(dimension, call))]);
    const base = { key, burst: rule.burst, tokens: rule.tokens, periodMs: rule.periodMs };
    if (rule.daily === undefined) return base;
    const { day, endMs } = this.days.at(nowMs, rule.timezone);
    return { ...base, quota: { limit: rule.daily, day, resetAtMs: endMs } };
  }
}

function dimensionValue(dimension: RateLimitDimension, call: RateLimitedCall): string {
  switch (dimension) {
    case 'principal':
      // The issuer is part of the key: the same `sub` from two issuers is two callers.
      return call.principal ? JSON.stringify([call.principal.issuer, call.principal.subject]) : ANONYMOUS;
    case 'agent':
      return call.agent ?? '';
    case 'server':
      return call.server ?? '';
    case 'tool':
      return call.name ?? '';
  }
}

function compile(config: RateLimitRuleConfig): CompiledRule {
  const { match } = config;
  const filters: ((call: RateLimitedCall) => boolean)[] = [];
  const methods = new Set(match.methods);
  filters.push((call) => methods.has(call.method));
  if (match.principals) {
    const subjects = new Set(match.principals);
    filters.push((call) => subjects.has(call.principal?.subject ?? ANONYMOUS));
  }
  if (match.agents) {
    const agents = new Set(match.agents);
    filters.push((call) => call.agent !== undefined && agents.has(call.agent));
  }
  if (match.groups) {
    const groups = new Set(match.groups);
    filters.push((call) => call.groups.some((group) => groups.has(group)));
  }
  if (match.servers) {
    const servers = new Set(match.servers);
    filters.push((call) => call.server !== undefined && servers.has(call.server));
  }
  if (match.tools) {
    const patterns = match.tools.map(namePattern);
    filters.push((call) => call.name !== undefined && patterns.some((matches) => matches(call.name!)));
  }
  return {
    name: config.name,
    matches: (call) => filters.every((filter) => filter(call)),
    per: [...new Set(config.per)],
    burst: config.burst ?? config.rate.tokens,
    tokens: config.rate.tokens,
    periodMs: config.rate.perSeconds * 1000,
    daily: config.daily,
    timezone: config.timezone,
  };
}

/** An exact name, or a prefix when the pattern ends in `*`. */
function namePattern(pattern: string): (name: string) => boolean {
  if (!pattern.endsWith('*')) return (name) => name === pattern;
  const prefix = pattern.slice(0, -1);
  return (name) => name.startsWith(prefix);
}
