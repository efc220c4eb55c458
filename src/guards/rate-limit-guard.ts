// The request-phase guard of rate limits and daily quotas: a call over a limit is refused with
// RAMPART_RATE_LIMITED, naming the rule and when to retry (the ingress turns that into HTTP Retry-After).
import type { RateLimitRuleConfig } from '../config/rate-limits-schema.ts';
import type { DownstreamCall } from '../core/call.ts';
import type { RateLimitedCall } from '../policy/rate-limit/limiter.ts';
import { RateLimiter } from '../policy/rate-limit/limiter.ts';
import type { RateLimitStore } from '../policy/rate-limit/store.ts';
import { type Guard, type GuardResult, targetName } from './pipeline.ts';

/** The audit rule id of a rate-limit rule. */
export function rateLimitRuleId(name: string): string {
  return `rate-limit:${name}`;
}

/** What a call is matched and counted by. */
export function rateLimitedCall(call: DownstreamCall): RateLimitedCall {
  const principal = call.principal;
  return {
    method: call.method,
    principal: principal && { issuer: principal.issuer, subject: principal.subject },
    agent: principal?.agent,
    groups: principal?.groups ?? [],
    server: call.trace.server,
    name: targetName(call.method, call.params),
  };
}

/** A guard that charges every call to the buckets of the rules matching it and refuses calls over a limit. */
export function rateLimitGuard(
  rules: readonly RateLimitRuleConfig[],
  options: { now: () => number; store?: RateLimitStore },
): Guard {
  const limiter = new RateLimiter(rules, options);
  return {
    name: 'rate-limit',
    phase: 'request',
    check: async ({ call }): Promise<GuardResult> => {
      const decision = await limiter.check(rateLimitedCall(call));
      if (decision.allowed) return { kind: 'pass' };
      const retryAfterSeconds = Math.ceil(decision.retryAfterMs / 1000);
      return {
        kind: 'deny',
        code: 'RAMPART_RATE_LIMITED',
        ruleId: rateLimitRuleId(decision.rule),
        ruleIds: decision.rules.slice(1).map(rateLimitRuleId),
        reason:
          decision.limit === 'quota'
            ? `Daily quota of rule "${decision.rule}" used up; try again in ${retryAfterSeconds} s.`
            : `Rate limit of rule "${decision.rule}" reached; try again in ${retryAfterSeconds} s.`,
        data: { rule: decision.rule, limit: decision.limit, retryAfterSeconds },
      };
    },
  };
}
