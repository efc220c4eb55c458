// `rampart policy test FILE`: table-driven expectations for a policy set. Each case states a principal, an action,
// what it acts on and its context, and expects allow, deny or approval (optionally: exactly which policies
// decided). The cases run through the same PolicyService the gateway uses, so a passing table means the gateway
// decides the same way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import { policySchema } from '../config/policy-schema.ts';
import type { CallTarget } from '../core/call.ts';
import { exposeName, exposeUri } from '../core/names.ts';
import { matchesTemplate } from '../core/uri-template.ts';
import type { Logger } from '../monitor/logger.ts';
import { ArgumentTypeError } from './arguments.ts';
import { ACTIONS, type PolicyAction } from './mcp-schema.ts';
import type { PolicyLoadError } from './policy-files.ts';
import { PolicyService, type PolicyTarget, type RequestFacts } from './policy-service.ts';

const principalSchema = z.union([
  z.literal('anonymous'),
  z.strictObject({
    user: z.string().optional(),
    agent: z.string().optional(),
    client: z.string().optional(),
    issuer: z.string().default('https://idp.example'),
    groups: z.array(z.string()).default([]),
    roles: z.array(z.string()).default([]),
    scopes: z.array(z.string()).default([]),
    tenant: z.string().optional(),
    binding: z.enum(['bearer', 'dpop', 'mtls']).default('bearer'),
  }),
]);

const toolSchema = z.looseObject({ server: z.string(), name: z.string() });

const caseSchema = z.strictObject({
  name: z.string(),
  principal: principalSchema.default('anonymous'),
  action: z.enum(Object.keys(ACTIONS) as [PolicyAction, ...PolicyAction[]]),
  tool: z.string().optional(),
  prompt: z.string().optional(),
  resource: z
    .strictObject({ server: z.string(), uri: z.string(), mimeType: z.string().optional() })
    .optional(),
  template: z.strictObject({ server: z.string(), uriTemplate: z.string() }).optional(),
  catalog: z.enum(['tools', 'prompts', 'resources', 'resourceTemplates']).optional(),
  server: z.string().optional(),
  arguments: z.record(z.string(), z.unknown()).optional(),
  context: z
    .strictObject({
      time: z.iso.datetime({ offset: true }).optional(),
      sourceAddress: z.string().optional(),
      era: z.enum(['legacy', 'modern']).default('legacy'),
      sessionLabels: z.array(z.string()).default([]),
    })
    .prefault({}),
  expect: z.enum(['allow', 'deny', 'approval']),
  /** For `expect: approval`: who may approve (`any`: the user may be asked; `approver`: approvers only). */
  approval: z.enum(['any', 'approver']).optional(),
  /** When given, the deciding policies must be exactly these (order does not matter). */
  policies: z.array(z.string()).optional(),
});

export const policyTestSchema = z.strictObject({
  policies: z.array(z.string()).min(1).optional(),
  timezone: z.string().default('UTC'),
  separator: z.string().default('__'),
  labels: z.record(z.string(), z.array(z.string())).default({}),
  /** Tool definitions as servers list them: their annotations and input schemas shape the decisions. */
  tools: z.array(toolSchema).default([]),
  /** Resource templates per server (the server's own URI templates). */
  templates: z.array(z.strictObject({ server: z.string(), uriTemplate: z.string() })).default([]),
  cases: z.array(caseSchema).min(1),
});

type PolicyTestFile = z.infer<typeof policyTestSchema>;
type PolicyTestCase = PolicyTestFile['cases'][number];

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string;
  readonly policies: readonly string[];
  readonly expectedPolicies?: readonly string[] | undefined;
  readonly reason: string;
}

/** The test file could not be read or does not have the expected shape. */
export class PolicyTestError extends Error {}

/** Reads a test file; `policies` in it are relative to the file, `fallbackPolicies` come from a config. */
export function readPolicyTest(file: string): PolicyTestFile {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyTestError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = policyTestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new PolicyTestError(problems.join('\n'));
  }
  const dir = path.dirname(path.resolve(file));
  return { ...parsed.data, policies: parsed.data.policies?.map((p) => path.resolve(dir, p)) };
}

/** Runs every case; throws PolicyLoadError when the policies do not load. */
export function runPolicyTest(
  test: PolicyTestFile,
  policyFiles: readonly string[],
  log: Logger,
): CaseResult[] {
  let rejected: PolicyLoadError | undefined;
  const service = new PolicyService(
    policySchema.parse({ files: policyFiles, watch: false, timezone: test.timezone, labels: test.labels }),
    { log, now: Date.now, onRejected: (err) => (rejected ??= err) },
  );
  try {
    // The tools' input schemas type `context.arguments`, as the servers' lists do in the gateway.
    const byServer = new Map<string, Record<string, unknown>[]>();
    for (const tool of test.tools) byServer.set(tool.server, [...(byServer.get(tool.server) ?? []), tool]);
    service.noteCatalogs([...byServer].map(([server, items]) => ({ server, kind: 'tools' as const, items })));
    // A policy that misreads a declared argument is an error here, as it is when the gateway lists the tools.
    if (rejected) throw rejected;
    return test.cases.map((c) => runCase(service, test, c));
  } finally {
    service.close();
  }
}

function runCase(service: PolicyService, test: PolicyTestFile, c: PolicyTestCase): CaseResult {
  const facts: RequestFacts = {
    principal: principalOf(c.principal),
    era: c.context.era,
    remoteAddress: c.context.sourceAddress,
    sessionLabels: c.context.sessionLabels,
    arguments: c.arguments,
    nowMs: c.context.time ? Date.parse(c.context.time) : Date.now(),
  };
  const base = {
    name: c.name,
    expected: c.approval ? `${c.expect} (${c.approval})` : c.expect,
    expectedPolicies: c.policies,
  };
  let target: PolicyTarget;
  try {
    target = targetOf(test, c);
  } catch (err) {
    return { ...base, ok: false, actual: 'invalid case', policies: [], reason: (err as Error).message };
  }
  let effect: string;
  let policies: readonly string[];
  let reason: string;
  let approval: string | undefined;
  try {
    const decision = service.decideFacts(facts, c.action, target);
    effect = decision.effect;
    approval = decision.approval;
    policies = decision.policies;
    reason = decision.reason;
  } catch (err) {
    if (!(err instanceof ArgumentTypeError)) throw err;
    effect = 'deny';
    policies = [];
    reason = err.message;
  }
  const samePolicies =
    c.policies === undefined || [...c.policies].sort().join('\u0000') === [...policies].sort().join('\u0000');
  const sameApproval = c.approval === undefined || c.approval === approval;
  const actual = effect === 'approval' && approval ? `approval (${approval})` : effect;
  return { ...base, ok: effect === c.expect && samePolicies && sameApproval, actual, policies, reason };
}

function principalOf(p: PolicyTestCase['principal']): Principal | undefined {
  if (p === 'anonymous') return undefined;
  const clientId = p.client ?? p.agent;
  const subject = p.user ?? clientId;
  if (subject === undefined) throw new PolicyTestError('a principal needs `user`, `agent` or `client`');
  return {
    issuer: p.issuer,
    subject,
    clientId,
    agent: p.agent ?? clientId,
    groups: p.groups,
    roles: p.roles,
    tenant: p.tenant,
    scopes: p.scopes,
    binding: p.binding,
    tokenId: undefined,
    expiresAt: Number.POSITIVE_INFINITY,
  };
}

/** What the case acts on, named as clients see it (`<server>__<tool>`, Rampart's resource URIs). */
function targetOf(test: PolicyTestFile, c: PolicyTestCase): PolicyTarget {
  const ns = (server: string) => ({ namespace: server, separator: test.separator });
  if (c.catalog) return { kind: 'catalog', name: c.catalog };
  if (c.tool !== undefined || c.prompt !== undefined) {
    const exposed = (c.tool ?? c.prompt)!;
    const at = exposed.indexOf(test.separator);
    if (at <= 0) throw new PolicyTestError(`"${exposed}" is not <server>${test.separator}<name>`);
    const server = exposed.slice(0, at);
    const name = exposed.slice(at + test.separator.length);
    const listed = test.tools.find((t) => t.server === server && t.name === name);
    const item = c.tool !== undefined && listed ? { ...listed } : { name };
    delete (item as Record<string, unknown>)['server'];
    return {
      kind: c.tool !== undefined ? 'tool' : 'prompt',
      server,
      exposedName: exposeName(ns(server), name),
      item,
    };
  }
  if (c.resource) {
    const { server, uri } = c.resource;
    const templates = test.templates
      .filter((t) => t.server === server && matchesTemplate(uri, t.uriTemplate))
      .map((t) => ({ own: t.uriTemplate, exposed: exposeUri(ns(server), t.uriTemplate) }));
    return {
      kind: 'resource',
      server,
      uri: exposeUri(ns(server), uri),
      upstreamUri: uri,
      mimeType: c.resource.mimeType,
      templates,
    } satisfies CallTarget;
  }
  if (c.template) {
    const { server, uriTemplate } = c.template;
    return {
      kind: 'resourceTemplate',
      server,
      uriTemplate: exposeUri(ns(server), uriTemplate),
      upstreamUriTemplate: uriTemplate,
    };
  }
  if (c.server !== undefined) return { kind: 'server', server: c.server };
  throw new PolicyTestError('a case names one of tool, prompt, resource, template, catalog or server');
}
