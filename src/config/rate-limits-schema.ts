// Configuration of rate limits and daily quotas (src/policy/rate-limit/): which calls a rule counts, what one
// bucket is kept per, how fast it refills and how much a calendar day allows.
import { z } from 'zod';
import { isTimezone } from '../policy/entities.ts';

export const RATE_LIMIT_DIMENSIONS = ['principal', 'agent', 'server', 'tool'] as const;
export type RateLimitDimension = (typeof RATE_LIMIT_DIMENSIONS)[number];

const names = (what: string) => z.array(z.string().min(1)).min(1).optional().describe(what);

const match = z
  .strictObject({
    principals: names(
      'Subjects (`sub`) the rule applies to. Calls without authentication (loopback only) count as `anonymous`.',
    ),
    agents: names("Agent names (the issuer's `claims.agent` claim) the rule applies to."),
    groups: names('The rule applies to a caller in any of these groups.'),
    servers: names('Upstream server names the rule applies to.'),
    tools: names(
      'Exposed tool names (`<server>__<tool>`); a trailing `*` matches any rest (`github__*`). For `prompts/get` and `resources/read` the prompt name or resource URI is compared instead.',
    ),
    methods: z
      .array(z.string().min(1))
      .min(1)
      .default(['tools/call'])
      .describe('JSON-RPC methods the rule counts (e.g. `tools/call`, `resources/read`, `prompts/get`).'),
  })
  .describe(
    'Which calls the rule counts: every listed filter must match; an absent filter matches anything.',
  );

const rate = z
  .strictObject({
    tokens: z.number().int().positive().describe('Tokens added to the bucket every `perSeconds`.'),
    perSeconds: z
      .number()
      .positive()
      .describe('Refill period in seconds; the bucket refills continuously (fractions of a token count).'),
  })
  .describe('Refill rate of each bucket: one call takes one token.');

const rule = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, "_", ".", ":" and "-", at most 64')
      .describe(
        'Unique, stable name of the rule: errors carry it as `data.rule` and audit events as `rate-limit:<name>`.',
      ),
    match: match.prefault({}),
    per: z
      .array(z.enum(RATE_LIMIT_DIMENSIONS))
      .min(1)
      .default(['principal'])
      .describe(
        'What one bucket counts: `[principal]` gives every caller its own bucket, `[principal, tool]` one per caller and tool, `[server]` one shared by everyone per server.',
      ),
    rate,
    burst: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Capacity of a bucket: calls allowed at once after a quiet period. Defaults to `rate.tokens`.',
      ),
    daily: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Calls allowed per bucket and calendar day (in `timezone`); reset at local midnight.'),
    timezone: z
      .string()
      .refine(isTimezone, 'an IANA time zone such as "UTC" or "Europe/Berlin"')
      .default('UTC')
      .describe('Time zone whose midnight resets the `daily` quota.'),
  })
  .describe(
    'One rate limit: a token bucket (and optional daily quota) per `per` key for the calls `match` selects. A refused call gets RAMPART_RATE_LIMITED with a Retry-After header (and HTTP 429 for 2026-07-28 requests) and is not counted.',
  );

export const rateLimitsSchema = z
  .array(rule)
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.forEach((r, index) => {
      const earlier = seen.get(r.name);
      if (earlier === undefined) seen.set(r.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate rule name (see rateLimits[${earlier}])`,
        });
    });
  })
  .describe(
    'Rate limits and daily quotas, per principal, agent, server and tool. A call must pass every rule that matches it; Rampart counts in memory on this node.',
  );

export type RateLimitRuleConfig = z.infer<typeof rule>;
