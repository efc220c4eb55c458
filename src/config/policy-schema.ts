// Configuration of authorization: the Cedar policy files, the time zone policies read the clock in, labels that
// become resource attributes, and how calls held for human approval behave.
import { z } from 'zod';
import { isTimezone } from '../policy/entities.ts';

const labelList = z
  .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/))
  .describe('Labels (letters, digits, _ . : -).');

export const policySchema = z
  .strictObject({
    files: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        'Cedar policy files (relative to the config file). Validated against the MCP schema at load; anything not permitted is denied.',
      ),
    watch: z
      .boolean()
      .default(true)
      .describe(
        'Reload the policy files when they change. A set with an error is rejected and the previous one stays in force.',
      ),
    timezone: z
      .string()
      .refine(isTimezone, 'an IANA time zone such as "UTC" or "Europe/Berlin"')
      .default('UTC')
      .describe('Time zone of `context.time` (hour, minute, weekday, date), e.g. for business hours.'),
    labels: z
      .record(z.string(), labelList)
      .default({})
      .describe(
        "Labels per server name or exposed tool/prompt name (`<server>__<tool>`); an item carries its own and its server's labels as `resource.labels` (a tool also those its hints add, see `flows`). The toxic-flow labels are `private_data`, `untrusted_input`, `public_sink` and `destructive`.",
      ),
    flows: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Toxic-flow tracking: a session (a 2025-11-25 session, else the caller) accumulates the labels of what it called, read or got; policies read them as `context.sessionLabels`.',
          ),
        annotations: z
          .boolean()
          .default(true)
          .describe(
            'Tool hints add labels: `destructiveHint: true` adds `destructive`, `openWorldHint: true` adds `untrusted_input`. Only hints a server declares as true count (never the MCP defaults), so a hint can add a label but never remove one `labels` gives.',
          ),
        ignoreAnnotations: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Servers or exposed tool names whose hints add no labels: their labels are exactly what `labels` says.',
          ),
        detectors: z
          .boolean()
          .default(true)
          .describe(
            'A result in which the output detectors flagged instructions aimed at the agent marks the session `untrusted_input` (needs `detection`).',
          ),
        maxTracked: z
          .number()
          .int()
          .min(100)
          .max(10_000_000)
          .default(100_000)
          .describe(
            'Sessions and callers tracked at once; the longest idle is forgotten first (and logged). Idle ones are forgotten after `limits.sessionIdleMs`.',
          ),
      })
      .prefault({})
      .describe(
        'Toxic-flow control: session labels from `labels`, tool hints and detector findings (docs/policy-cookbook.md, "Toxic flows").',
      ),
    approvals: z
      .strictObject({
        timeoutMs: z
          .number()
          .int()
          .positive()
          .max(24 * 3_600_000)
          .default(300_000)
          .describe('How long a call held for approval waits; then it is denied (RAMPART_APPROVAL_TIMEOUT).'),
        elicitation: z
          .boolean()
          .default(true)
          .describe(
            'Ask the user through elicitation when the client declared it and the policy allows it (`@approval` or `@approval("any")`).',
          ),
        pollMs: z
          .number()
          .int()
          .min(20)
          .max(10_000)
          .default(250)
          .describe(
            'How often a held call looks for decisions made by `rampart approvals` in another process.',
          ),
      })
      .prefault({})
      .describe('Calls a policy holds for human approval (`@approval` on a forbid).'),
  })
  .describe('Authorization with Cedar policies. Without this section every routed call is allowed.');

export type PolicyConfig = z.infer<typeof policySchema>;
