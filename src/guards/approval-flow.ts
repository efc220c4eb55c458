// Holding a call for a human: the policy said "approval" (a forbid annotated `@approval` matched, and the call is
// otherwise permitted). The call waits while approvers decide (`rampart approvals`, the admin API) or, when the
// policy lets the user decide and the client declared elicitation, the user is asked. The decision, the approver
// and the reason become an audit event of their own before the call goes on; a timeout denies.
import type { AuditLog } from '../audit/audit-log.ts';
import { baselineRedactor } from '../audit/baseline-redactor.ts';
import type { DownstreamCall } from '../core/call.ts';
import { isObject } from '../core/jsonrpc.ts';
import type { ErrorCode } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import type { PolicyDecision } from '../policy/engine.ts';
import type { ApprovalFlow } from './policy-guard.ts';
import { canElicit, policyDeny, policyRuleIds, targetLabel } from './policy-guard.ts';

export type ApprovalOutcome = 'approved' | 'denied' | 'timeout' | 'cancelled';

/** What the approval broker offers the flow (src/policy/approvals/approval-broker.ts). */
export interface ApprovalRequester {
  request(input: {
    principal: { issuer: string; subject: string; clientId?: string; agent?: string } | undefined;
    sessionId: string | undefined;
    server: string;
    method: string;
    name: string;
    arguments: unknown;
    policies: readonly string[];
    reason: string;
    mode: 'any' | 'approver';
    timeoutMs: number;
    signal: AbortSignal;
    askUser?: () => Promise<{ approved: boolean; reason?: string }>;
    onPending?: (id: string) => void;
  }): Promise<{
    id: string;
    outcome: ApprovalOutcome;
    approver: string | undefined;
    channel: string;
    reason: string | undefined;
  }>;
}

export interface ApprovalFlowOptions {
  readonly broker: ApprovalRequester;
  readonly audit: () => AuditLog | undefined;
  readonly log: Logger;
  readonly timeoutMs: number;
  /** Whether users may be asked by elicitation (config `policy.approvals.elicitation`). */
  readonly elicitation: boolean;
}

const OUTCOME_CODES: Record<Exclude<ApprovalOutcome, 'approved'>, ErrorCode> = {
  denied: 'RAMPART_APPROVAL_DENIED',
  timeout: 'RAMPART_APPROVAL_TIMEOUT',
  cancelled: 'RAMPART_CANCELLED',
};

export function createApprovalFlow(options: ApprovalFlowOptions): ApprovalFlow {
  return async (call: DownstreamCall, decision: PolicyDecision) => {
    call.trace.policy = { digest: decision.policyDigest, effect: decision.effect };
    const target = call.trace.target;
    const name = targetLabel(call, target);
    const server = call.trace.server ?? '';
    const mode = decision.approval ?? 'approver';
    const askUser =
      mode === 'any' && options.elicitation && canElicit(call)
        ? () => askByElicitation(call, name, decision)
        : undefined;
    const principal = call.principal && {
      issuer: call.principal.issuer,
      subject: call.principal.subject,
      ...(call.principal.clientId !== undefined ? { clientId: call.principal.clientId } : {}),
      ...(call.principal.agent !== undefined ? { agent: call.principal.agent } : {}),
    };
    const outcome = await options.broker.request({
      principal,
      sessionId: call.sessionId,
      server,
      method: call.method,
      name,
      // Approvers see the arguments (an amount, a path); credential-like values are masked first.
      arguments: baselineRedactor(call.params?.['arguments'] ?? {}, 'arguments'),
      policies: decision.policies,
      reason: decision.reason,
      mode,
      timeoutMs: options.timeoutMs,
      signal: call.signal,
      ...(askUser ? { askUser } : {}),
      onPending: (id) =>
        options.log.info('call held for approval', {
          approval: id,
          server,
          name,
          policies: decision.policies,
        }),
    });
    const approved = outcome.outcome === 'approved';
    const code = outcome.outcome === 'approved' ? undefined : OUTCOME_CODES[outcome.outcome];
    // The human decision is its own audit event (who, why, through which channel), durable before the call goes on.
    const audit = options.audit();
    if (audit) {
      await audit.append({
        decision: approved ? 'approved' : 'denied',
        principal: call.principal,
        sessionId: call.sessionId,
        requestId: String(call.id),
        server,
        method: call.method,
        name,
        code,
        ruleIds: policyRuleIds(decision),
        detail: {
          approval: outcome.id,
          outcome: outcome.outcome,
          approver: outcome.approver ?? null,
          channel: outcome.channel,
          reason: outcome.reason ?? null,
          policyDigest: decision.policyDigest,
        },
      });
    }
    if (approved) {
      return { kind: 'pass', ruleIds: [...policyRuleIds(decision), `approval:${outcome.id}`] };
    }
    const denied = policyDeny({ ...decision, policies: decision.holding ?? decision.policies }, code);
    return denied.kind === 'deny'
      ? {
          ...denied,
          ruleIds: [...(denied.ruleIds ?? []), `approval:${outcome.id}`],
          data: { ...denied.data, approval: outcome.id },
        }
      : denied;
  };
}

/** Asks the user, through their client, whether this call may go ahead (form elicitation with one boolean). */
async function askByElicitation(
  call: DownstreamCall,
  name: string,
  decision: PolicyDecision,
): Promise<{ approved: boolean; reason?: string }> {
  const args = JSON.stringify(baselineRedactor(call.params?.['arguments'] ?? {}, 'arguments'));
  const preview = args.length > 500 ? `${args.slice(0, 500)}…` : args;
  const answer = await call.sendRequest!(
    'elicitation/create',
    {
      mode: 'form',
      message: `${decision.reason}\nAllow ${name} with ${preview}?`,
      requestedSchema: {
        type: 'object',
        properties: {
          approve: { type: 'boolean', title: 'Allow this call', default: false },
          reason: { type: 'string', title: 'Reason (optional)' },
        },
        required: ['approve'],
      },
    },
    call.signal,
  );
  const content = isObject(answer['content']) ? answer['content'] : {};
  const approved = answer['action'] === 'accept' && content['approve'] === true;
  const reason = typeof content['reason'] === 'string' ? content['reason'].slice(0, 500) : undefined;
  return reason === undefined ? { approved } : { approved, reason };
}
