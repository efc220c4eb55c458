// The review's findings, computed from what was loaded (policies, approved pins, server entries) and what the audit
// log says was used. Pure: the same inputs at the same `now` give the same findings, in a stable order.
import path from 'node:path';
import type { ServerConfig } from '../config/schema.ts';
import { isStdioServer } from '../config/schema.ts';
import { exposeName } from '../core/names.ts';
import type { ApprovedPin } from '../integrity/pin-store.ts';
import type { LoadedPolicy } from '../policy/policy-files.ts';
import { DAY_MS, FINDING_KINDS, type ReviewFinding, type ReviewOptions } from './report.ts';
import { hasSignedManifest, runsUnsandboxed } from './server-posture.ts';
import type { UsageTally } from './usage.ts';

export interface FindingsInput {
  readonly now: number;
  readonly options: ReviewOptions;
  /** The config file's directory: policy files are named relative to it. */
  readonly configDir: string;
  readonly separator: string;
  readonly servers: readonly ServerConfig[];
  /** The loaded policy set (empty without a `policy` section). */
  readonly policies: readonly LoadedPolicy[];
  readonly pins: readonly ApprovedPin[];
  readonly usage: UsageTally;
}

/** Every finding, ordered by kind (as FINDING_KINDS lists them) and then by subject. */
export function reviewFindings(input: FindingsInput): ReviewFinding[] {
  const configured = new Set(input.servers.map((s) => s.name));
  // Pins of servers no longer in the config describe nothing that is served: they are not reviewed.
  const pins = input.pins.filter((p) => configured.has(p.server));
  const findings = [
    ...unusedGrants(input),
    ...toolFindings(input, pins),
    ...staleApprovals(input, pins),
    ...serverFindings(input.servers),
  ];
  const rank = (f: ReviewFinding) => FINDING_KINDS.indexOf(f.kind);
  return findings.sort((a, b) => rank(a) - rank(b) || compare(a.subject, b.subject));
}

/** The unused permit policies (what the revoking patch removes). */
export function unusedPermits(input: Pick<FindingsInput, 'policies' | 'usage'>): LoadedPolicy[] {
  return input.policies.filter((p) => p.effect === 'permit' && input.usage.grant(p.id).inPeriod === 0);
}

/** Where a policy file is, as the patch names it: relative to the config directory when inside it. */
export function policyFileLabel(configDir: string, file: string): string {
  const relative = path.relative(configDir, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join('/');
}

function unusedGrants(input: FindingsInput): ReviewFinding[] {
  const days = input.options.unusedDays;
  return unusedPermits(input).map((policy) => {
    const used = input.usage.grant(policy.id);
    const file = policyFileLabel(input.configDir, policy.file);
    return {
      kind: 'grant.unused',
      subject: policy.id,
      server: null,
      message: `permit ${policy.id} (${file}:${policy.line}) allowed nothing in ${days} days (last: ${when(used.lastMs)})`,
      evidence: {
        policy: policy.id,
        file,
        line: policy.line,
        column: policy.column,
        lastUsed: iso(used.lastMs),
        allowedTotal: used.total,
        allowedInPeriod: used.inPeriod,
      },
      recommendation:
        'Revoke it (`rampart review --patch FILE` writes a patch removing it) or narrow it, unless it covers a rare but needed task.',
    };
  });
}

function toolFindings(input: FindingsInput, pins: readonly ApprovedPin[]): ReviewFinding[] {
  const days = input.options.unusedDays;
  const byName = new Map(input.servers.map((s) => [s.name, s]));
  const findings: ReviewFinding[] = [];
  for (const pin of pins) {
    if (pin.kind !== 'tool') continue;
    const server = byName.get(pin.server)!;
    const exposed = exposeName(
      { namespace: server.namespace ?? server.name, separator: input.separator },
      pin.key,
    );
    const calls = input.usage.tool(pin.server, exposed);
    const common = { server: pin.server, tool: pin.key, exposed };
    if (calls.total === 0) {
      findings.push({
        kind: 'tool.never_called',
        subject: `${pin.server}/${pin.key}`,
        server: pin.server,
        message: `tool ${exposed} (approved ${iso(pin.approvedAt)} by ${pin.approvedBy}) was never called`,
        evidence: {
          ...common,
          calls: 0,
          lastCall: null,
          approvedAt: iso(pin.approvedAt),
          approvedBy: pin.approvedBy,
        },
        recommendation:
          'If nobody needs it, forbid it in the policies or remove it from the server: an approved tool is attack surface even unused.',
      });
    } else if (calls.inPeriod === 0) {
      findings.push({
        kind: 'tool.unused',
        subject: `${pin.server}/${pin.key}`,
        server: pin.server,
        message: `tool ${exposed} was not called in ${days} days (last: ${when(calls.lastMs)}; ${calls.total} ever)`,
        evidence: { ...common, calls: calls.total, callsInPeriod: 0, lastCall: iso(calls.lastMs) },
        recommendation: 'Check whether it is still needed; forbid or remove it if not.',
      });
    }
  }
  return findings;
}

function staleApprovals(input: FindingsInput, pins: readonly ApprovedPin[]): ReviewFinding[] {
  const limit = input.options.approvalAgeDays;
  const cutoff = input.now - limit * DAY_MS;
  return pins
    .filter((pin) => pin.approvedAt < cutoff)
    .map((pin) => {
      const ageDays = Math.floor((input.now - pin.approvedAt) / DAY_MS);
      const what = pin.key === '' ? pin.kind : `${pin.kind} ${pin.key}`;
      return {
        kind: 'approval.stale',
        subject: pin.key === '' ? `${pin.server}/${pin.kind}` : `${pin.server}/${pin.kind}:${pin.key}`,
        server: pin.server,
        message: `${what} of ${pin.server} was approved ${ageDays} days ago by ${pin.approvedBy} (limit ${limit})`,
        evidence: {
          server: pin.server,
          pinKind: pin.kind,
          key: pin.key,
          approvedAt: iso(pin.approvedAt),
          approvedBy: pin.approvedBy,
          ageDays,
        },
        recommendation: 'Have the definition reviewed again, and remove what is no longer needed.',
      };
    });
}

function serverFindings(servers: readonly ServerConfig[]): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const server of servers) {
    const transport = isStdioServer(server) ? 'stdio' : 'http';
    if (!hasSignedManifest(server)) {
      findings.push({
        kind: 'server.unsigned',
        subject: server.name,
        server: server.name,
        message: `server ${server.name} has no signed manifest`,
        evidence: { server: server.name, transport },
        recommendation:
          "Ask its publisher for a signed manifest and name it in the server's `manifest`, so what it serves is checked against what was signed.",
      });
    }
    if (runsUnsandboxed(server)) {
      findings.push({
        kind: 'server.unsandboxed',
        subject: server.name,
        server: server.name,
        message: `stdio server ${server.name} runs without a sandbox`,
        evidence: {
          server: server.name,
          transport,
          command: isStdioServer(server) ? (server.command ?? null) : null,
        },
        recommendation:
          'Run it sandboxed (no network, only the files it needs) or under a dedicated low-privilege user.',
      });
    }
  }
  return findings;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function when(ms: number | undefined): string {
  return iso(ms) ?? 'never';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
