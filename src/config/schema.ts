// The one source of truth for every configuration option. docs/configuration.md is generated from the
// `.describe()` texts below (`npm run docs:config`) and a test fails when the two drift apart.
import { z } from 'zod';
import { adminSchema } from './admin-schema.ts';
import { alertsSchema } from './alerts-schema.ts';
import { argumentGuardsSchema } from './argument-guards-schema.ts';
import { auditSchema, tracingSchema } from './audit-schema.ts';
import { authSchema, tlsSchema, upstreamCredentialSchema } from './auth-schema.ts';
import { changeControlSchema } from './change-control-schema.ts';
import { detectionSchema } from './detection-schema.ts';
import { integrityModeSchema, integritySchema } from './integrity-schema.ts';
import { manifestSchema } from './manifest-schema.ts';
import { policySchema } from './policy-schema.ts';
import { rateLimitsSchema } from './rate-limits-schema.ts';
import { reviewSchema } from './review-schema.ts';
import { sandboxSchema } from './sandbox-schema.ts';
import { allowInsecureHttpSchema, checkTransportSecurity, serverTlsSchema } from './server-tls-schema.ts';
import { checkCommandOrPackage, packageServerFields, supplyChainSchema } from './supply-chain-schema.ts';
import { validationSchema } from './validation-schema.ts';
import { vaultSchema } from './vault-schema.ts';

const serverName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/,
    'letters, digits, "_", "." and "-", at most 48, not starting with a symbol',
  )
  .describe('Unique name of the upstream; it prefixes its tools, prompts and resources (`<name>__<tool>`).');

const timeouts = z
  .strictObject({
    requestMs: z
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe(
        'A forwarded request fails with RAMPART_UPSTREAM_TIMEOUT after this long without a result or progress.',
      ),
    maxTotalMs: z
      .number()
      .int()
      .positive()
      .default(600_000)
      .describe('Upper bound for one forwarded request, however much progress it reports.'),
    connectMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('How long connecting to the upstream (spawn plus handshake) may take.'),
  })
  .describe('Timeouts for requests forwarded to this upstream.');

const restart = z
  .strictObject({
    initialDelayMs: z
      .number()
      .int()
      .nonnegative()
      .default(250)
      .describe('First restart delay after a crash.'),
    maxDelayMs: z.number().int().positive().default(30_000).describe('The backoff doubles up to this delay.'),
    resetAfterMs: z
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe('A child that ran this long without crashing starts the backoff again from the first delay.'),
  })
  .describe('Restart policy for a crashed stdio child (exponential backoff).');

const common = {
  name: serverName,
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/)
    .optional()
    .describe(
      "Prefix for this server's names; defaults to `name`. An empty string exposes names unprefixed (allowed only while no two servers collide).",
    ),
  era: z
    .enum(['auto', 'legacy', 'modern'])
    .default('auto')
    .describe(
      'Protocol era spoken to this upstream: `auto` probes once (modern `server/discover`, else `initialize`) and caches the verdict; `legacy` = 2025-11-25 sessions; `modern` = 2026-07-28 stateless.',
    ),
  timeouts: timeouts.default({ requestMs: 60_000, maxTotalMs: 600_000, connectMs: 30_000 }),
  integrity: integrityModeSchema
    .optional()
    .describe("This server's quarantine mode; defaults to `integrity.mode`."),
  manifest: manifestSchema.optional(),
};

const stdioServer = z
  .strictObject({
    ...common,
    command: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Executable to start (admin-configured only; clients can never choose it). Or give `package`.',
      ),
    ...packageServerFields,
    args: z.array(z.string()).default([]).describe('Arguments passed to the command.'),
    cwd: z
      .string()
      .optional()
      .describe('Working directory of the child; defaults to the directory of the config file.'),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'Environment of the child. Only PATH, HOME, LANG and TZ are inherited; everything else must be named here.',
      ),
    restart: restart.default({ initialDelayMs: 250, maxDelayMs: 30_000, resetAfterMs: 60_000 }),
    sandbox: sandboxSchema,
  })
  .superRefine(checkCommandOrPackage)
  .describe('An upstream started as a supervised child process speaking MCP over stdio.');

const httpServer = z
  .strictObject({
    ...common,
    url: z.url({ protocol: /^https?$/ }).describe('URL of the upstream MCP endpoint.'),
    transport: z
      .enum(['streamable-http', 'sse'])
      .default('streamable-http')
      .describe('`streamable-http` (either era) or the deprecated legacy `sse` (HTTP+SSE, 2024-11-05).'),
    credentials: upstreamCredentialSchema.optional(),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe("Extra headers sent to this upstream (never the client's Authorization header)."),
    tls: serverTlsSchema.optional(),
    allowInsecureHttp: allowInsecureHttpSchema,
  })
  .superRefine(checkTransportSecurity)
  .describe('An upstream reached over HTTP.');

export const serverSchema = z.union([stdioServer, httpServer]);

const listen = z
  .strictObject({
    host: z
      .string()
      .default('127.0.0.1')
      .describe('Address to bind. Without authentication only loopback is allowed.'),
    port: z.number().int().min(0).max(65_535).default(8787).describe('TCP port; 0 picks a free one.'),
    path: z.string().startsWith('/').default('/mcp').describe('Path of the MCP endpoint.'),
  })
  .describe('Where Rampart listens for MCP clients.');

const limits = z
  .strictObject({
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024)
      .describe('Largest request body accepted; larger ones get HTTP 413 and RAMPART_BODY_TOO_LARGE.'),
    maxJsonDepth: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe('Deepest nesting of arrays and objects accepted in a request.'),
    maxSessions: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('Most concurrent 2025-11-25 sessions; a new initialize beyond it gets HTTP 503.'),
    sessionIdleMs: z
      .number()
      .int()
      .positive()
      .default(30 * 60_000)
      .describe('A session without traffic for this long is closed; its id then answers 404.'),
    listPageSize: z
      .number()
      .int()
      .positive()
      .max(10_000)
      .default(500)
      .describe(
        'Items per page of the merged tools/prompts/resources lists Rampart returns (opaque signed cursors).',
      ),
    mrtrStateTtlMs: z
      .number()
      .int()
      .positive()
      .default(5 * 60_000)
      .describe('How long a parked request waits for the client to answer an `input_required` result.'),
    shutdownGraceMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('On SIGTERM/SIGINT, in-flight requests get this long to finish before upstreams are closed.'),
  })
  .describe('Resource limits of the ingress.');

const security = z
  .strictObject({
    allowedHosts: z
      .array(z.string())
      .default([])
      .describe(
        'Host header values accepted besides the loopback names (localhost, 127.0.0.1, [::1]) with the listen port. Others get 403.',
      ),
    allowedOrigins: z
      .array(z.string())
      .default([])
      .describe('Origin values accepted besides loopback origins. A request with any other Origin gets 403.'),
  })
  .describe('DNS-rebinding protection: Host and Origin validation.');

const log = z
  .strictObject({
    level: z
      .enum(['debug', 'info', 'warn', 'error', 'silent'])
      .default('info')
      .describe('Lowest level written to stderr as JSON lines.'),
  })
  .describe("Rampart's own operational log.");

export const configSchema = z
  .strictObject({
    listen: listen.default({ host: '127.0.0.1', port: 8787, path: '/mcp' }),
    stateDir: z
      .string()
      .default('.rampart')
      .describe("Directory for state (SQLite database, keys); relative to the config file's directory."),
    separator: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,4}$/)
      .default('__')
      .describe('Separator between server namespace and name in exposed tool and prompt names.'),
    servers: z.array(serverSchema).min(1).describe('The upstream MCP servers Rampart fronts.'),
    limits: limits.default({
      maxBodyBytes: 4 * 1024 * 1024,
      maxJsonDepth: 64,
      maxSessions: 1000,
      sessionIdleMs: 30 * 60_000,
      listPageSize: 500,
      mrtrStateTtlMs: 5 * 60_000,
      shutdownGraceMs: 10_000,
    }),
    security: security.default({ allowedHosts: [], allowedOrigins: [] }),
    auth: authSchema.optional(),
    policy: policySchema.optional(),
    rateLimits: rateLimitsSchema.default([]),
    integrity: integritySchema.default({ mode: 'enforce', recheckMs: 300_000, pollMs: 1000 }),
    tls: tlsSchema.optional(),
    log: log.default({ level: 'info' }),
    audit: auditSchema.default({
      payloads: 'digest',
      onFailure: 'closed',
      fsync: 'checkpoint',
      checkpoints: { every: 1000, intervalMs: 10_000 },
      privacy: { purgeIntervalMs: 600_000, holds: { subjects: [], anonymous: false, periods: [] } },
      sinks: [],
    }),
    tracing: tracingSchema.optional(),
    admin: adminSchema.optional(),
    alerts: alertsSchema.prefault({}),
    changeControl: changeControlSchema.prefault({}),
    detection: detectionSchema.prefault({}),
    validation: validationSchema.prefault({}),
    argumentGuards: argumentGuardsSchema,
    review: reviewSchema.prefault({}),
    supplyChain: supplyChainSchema.prefault({}),
    vault: vaultSchema.prefault({}),
    metrics: z
      .strictObject({
        host: z.string().default('127.0.0.1').describe('Address of the metrics listener (keep it internal).'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .default(9464)
          .describe('Port of the metrics listener; 0 picks one.'),
      })
      .optional()
      .describe(
        'Prometheus metrics at GET /metrics on a separate listener (it names upstreams, rules and traffic volumes, so it is not served on the MCP port).',
      ),
  })
  .describe('Rampart configuration (YAML).');

export type RampartConfig = z.infer<typeof configSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;
export type StdioServerConfig = z.infer<typeof stdioServer>;
export type HttpServerConfig = z.infer<typeof httpServer>;

/** True when the server entry describes a child process rather than a URL. */
export function isStdioServer(server: ServerConfig): server is StdioServerConfig {
  return 'command' in server || 'package' in server;
}

/** A stdio server that runs a verified npm package (`package`) instead of a command. */
export type PackageServerConfig = StdioServerConfig & { package: string; packageIntegrity: string };

/** True when the server entry names an npm package to fetch, verify and run (src/integrity/provenance). */
export function isPackageServer(server: ServerConfig): server is PackageServerConfig {
  return isStdioServer(server) && server.package !== undefined;
}
