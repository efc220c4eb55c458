// Configuration of anomaly alerts (src/monitor/anomaly/): per principal+agent baselines, the rules that compare
// traffic against them, deduplication, and the optional webhook. Every key has a default so `alerts: {}` turns
// the detector on with thresholds that stay quiet on ordinary traffic (see test/monitor/anomaly/quiet.test.ts).
import { z } from 'zod';
import { secretRef } from './auth-schema.ts';

export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

const severity = (fallback: (typeof ALERT_SEVERITIES)[number], what: string) =>
  z.enum(ALERT_SEVERITIES).default(fallback).describe(what);

const enabled = z.boolean().default(true).describe('Turns this rule on or off.');

const seconds = (fallback: number, what: string) =>
  z.number().int().positive().max(86_400).default(fallback).describe(what);

const rate = z
  .strictObject({
    enabled,
    severity: severity('medium', 'Severity of a call-rate alert.'),
    windowSeconds: seconds(60, 'Length of the window whose call count is compared with the baseline.'),
    multiplier: z
      .number()
      .min(1)
      .default(5)
      .describe('Alert when the calls in the window exceed this many times the learned calls per window.'),
    minCalls: z
      .number()
      .int()
      .positive()
      .default(30)
      .describe('Absolute floor: fewer calls than this in the window never alert, whatever the baseline.'),
    minHistoryWindows: z
      .number()
      .int()
      .nonnegative()
      .default(30)
      .describe('Active windows a principal+agent must have before its rate baseline is trusted.'),
  })
  .describe(
    '`anomaly.rate`: a call rate well above the learned rate of this principal+agent (EWMA of the calls per active window).',
  );

const firstUse = z
  .strictObject({
    enabled,
    serverSeverity: severity('medium', 'Severity when a principal+agent uses a server for the first time.'),
    toolSeverity: severity(
      'low',
      'Severity when a principal+agent uses a tool or prompt of a known server for the first time.',
    ),
  })
  .describe(
    '`anomaly.first_use`: first use of a server, or of a tool/prompt on a server, after the learning period. Only calls that reached the server (allowed or errored) count; denied attempts are left to `denialBurst`.',
  );

const unusualHour = z
  .strictObject({
    enabled,
    severity: severity('low', 'Severity of an unusual-hour alert.'),
    minActiveDays: z
      .number()
      .int()
      .positive()
      .default(5)
      .describe('Days with any activity a principal+agent needs before hours of the day are judged.'),
    minDaysInHour: z
      .number()
      .int()
      .positive()
      .default(2)
      .describe(
        'An hour of the day is usual once the principal+agent was active in it, or in the hour before or after it, on this many days.',
      ),
  })
  .describe(
    '`anomaly.unusual_hour`: a call in an hour of the day (in `timeZoneOffsetMinutes`) in which this principal+agent has (almost) never been active.',
  );

const burst = (rule: string, what: string, severityDefault: (typeof ALERT_SEVERITIES)[number]) =>
  z
    .strictObject({
      enabled,
      severity: severity(severityDefault, `Severity of an \`${rule}\` alert.`),
      count: z
        .number()
        .int()
        .min(2)
        .max(1000)
        .default(10)
        .describe(`Number of ${what} within the window that raises the alert.`),
      windowSeconds: seconds(60, `Window in which \`count\` ${what} must fall.`),
    })
    .describe(`\`${rule}\`: a burst of ${what} by one principal+agent.`);

const dataOut = z
  .strictObject({
    enabled,
    severity: severity('high', 'Severity of a data-out alert.'),
    windowSeconds: seconds(300, 'Window over which result bytes are summed.'),
    multiplier: z
      .number()
      .min(1)
      .default(10)
      .describe('Alert when the bytes in the window exceed this many times the learned bytes per window.'),
    minBytes: z
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024)
      .describe('Absolute floor: less than this many bytes in the window never alert.'),
    minHistoryWindows: z
      .number()
      .int()
      .nonnegative()
      .default(20)
      .describe('Active windows a principal+agent must have before its volume baseline is trusted.'),
  })
  .describe(
    '`anomaly.data_out`: an unusual volume of data leaving the servers towards the agent (the bytes of results returned), against the learned volume per window.',
  );

const matcher = z
  .strictObject({
    server: z
      .string()
      .min(1)
      .optional()
      .describe('Glob (`*`, `?`) on the server name; any server when omitted.'),
    tool: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Glob (`*`, `?`) on the tool, prompt or resource name, tried on the exposed name (`<server>__<tool>`) and on the part after the first `__`; any name when omitted.',
      ),
  })
  .refine((m) => m.server !== undefined || m.tool !== undefined, 'give `server`, `tool` or both')
  .describe('Matches calls by server and name.');

const riskySequence = z
  .strictObject({
    enabled,
    severity: severity('high', 'Severity of a risky-sequence alert.'),
    windowSeconds: seconds(
      600,
      'A call that sends data out alerts when it follows a private-data read by at most this long.',
    ),
    privateRead: z
      .array(matcher)
      .default([])
      .describe('Calls that read private data (besides reads on `privateServers`).'),
    privateServers: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Globs of servers holding private data: their `resources/read`, `prompts/get` and tools annotated `readOnlyHint: true` are private-data reads.',
      ),
    sendsOut: z
      .array(matcher)
      .default([])
      .describe('Calls that send data out of the organisation (besides `openWorldHint` tools).'),
    openWorldSendsOut: z
      .boolean()
      .default(true)
      .describe('Treat every tool annotated `openWorldHint: true` as sending data out.'),
  })
  .describe(
    '`anomaly.risky_sequence`: within one session (or principal+agent without a session), an allowed private-data read followed by an allowed or errored call that sends data out.',
  );

const denialBurst = burst('anomaly.denial_burst', 'denied calls', 'high');
const errorBurst = burst('anomaly.error_burst', 'errored calls', 'medium');

const rules = z
  .strictObject({
    // Each section's default is its own parse of `{}`, so every default value is written once, next to its key.
    rate: rate.default(rate.parse({})),
    firstUse: firstUse.default(firstUse.parse({})),
    unusualHour: unusualHour.default(unusualHour.parse({})),
    denialBurst: denialBurst.default(denialBurst.parse({})),
    errorBurst: errorBurst.default(errorBurst.parse({})),
    dataOut: dataOut.default(dataOut.parse({})),
    riskySequence: riskySequence.default(riskySequence.parse({})),
  })
  .describe('The anomaly rules and their thresholds.');

const webhook = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .describe(
        'Where alerts are POSTed (Slack-compatible JSON). https only, and never a link-local or metadata address; http, loopback and private addresses need `allowPrivateNetwork`.',
      ),
    secret: secretRef.describe(
      'HMAC-SHA256 key: each request carries `X-Rampart-Signature: v1=<hex HMAC(secret, timestamp + "." + body)>` and `X-Rampart-Timestamp`.',
    ),
    minSeverity: z
      .enum(ALERT_SEVERITIES)
      .default('medium')
      .describe('Alerts below this severity are not sent (they are still audit events).'),
    allowPrivateNetwork: z
      .boolean()
      .default(false)
      .describe('Allow http and loopback or private (RFC 1918, ULA) addresses, for an internal receiver.'),
    timeoutMs: z.number().int().positive().default(10_000).describe('Time limit of one delivery attempt.'),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe('Attempts per alert (network errors, HTTP 408, 429 and 5xx are retried with backoff).'),
    maxQueue: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('Alerts waiting for delivery; beyond it new alerts are dropped from the webhook only.'),
  })
  .describe('Optional webhook that receives each alert.');

export const alertsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Turns anomaly detection on or off.'),
    timeZoneOffsetMinutes: z
      .number()
      .int()
      .min(-720)
      .max(840)
      .default(0)
      .describe(
        'Offset from UTC, in minutes, of the hours of the day `unusualHour` judges (e.g. 60 for CET).',
      ),
    learningPeriodHours: z
      .number()
      .positive()
      .default(168)
      .describe(
        'After a principal+agent is first seen, its traffic only feeds its baselines for this long: no `first_use` or `unusual_hour` alerts.',
      ),
    dedupWindowSeconds: z
      .number()
      .int()
      .nonnegative()
      .default(3600)
      .describe(
        'The same alert (rule, principal, agent, target) is raised at most once per window; the next one counts the repeats suppressed.',
      ),
    maxPrincipals: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Principal+agent baselines kept in memory; the least recently active are forgotten first.'),
    maxTargetsPerPrincipal: z
      .number()
      .int()
      .positive()
      .default(512)
      .describe(
        'Servers and tools remembered per principal+agent for `firstUse` (least recently used forgotten).',
      ),
    maxSessions: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Sessions tracked for `riskySequence`; the least recently active are forgotten first.'),
    rules: rules.default(rules.parse({})),
    webhook: webhook.optional(),
  })
  .describe(
    'Anomaly alerts: per principal+agent baselines, alerts recorded as audit events (`rampart alerts` lists them) and optionally sent to a webhook.',
  );

export type AlertsConfig = z.infer<typeof alertsSchema>;
export type AlertsWebhookConfig = z.infer<typeof webhook>;
export type AlertMatcher = z.infer<typeof matcher>;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The configuration `alerts: {}` means. */
export function defaultAlertsConfig(): AlertsConfig {
  return alertsSchema.parse({});
}
