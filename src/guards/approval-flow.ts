// Holding a call for a human: the policy said "approval" (a forbid annotated `@approval` matched, and the call is
// otherwise permitted). The call waits while approvers decide (`rampart approvals`, the admin API) or, when the
// policy lets the user decide and the client declared elicitation, the user is asked. The decision, the approver
// and the reason become an audit event of their own before the call goes on; a timeout denies.
import type { AuditLog } from '../audit/audit-log.ts';
import { baselineRedactor } from '../audit/baseline-redactor.ts';
import { canonicalJsonLenient, sha256Hex } from '../audit/canonical.ts';
import { principalKey } from '../auth/principal.ts';
import type { DownstreamCall } from '../core/call.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import type { MrtrBridge } from '../core/mrtr-bridge.ts';
import { type ErrorCode, RampartError } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import type { ApprovalBroker, ApprovalOutcomeKind } from '../policy/approvals/approval-broker.ts';
import type { PolicyDecision } from '../policy/engine.ts';
import type { GuardResult } from './pipeline.ts';
import { targetName } from './pipeline.ts';
import type { ApprovalFlow } from './policy-guard.ts';
import { canElicit, policyDeny, policyRuleIds, targetLabel } from './policy-guard.ts';

/** What the flow needs of the approval broker (its one method; tests may stand in for it). */
export type ApprovalRequests = Pick<ApprovalBroker, 'request'>;

export interface ApprovalFlowOptions {
  readonly broker: ApprovalRequests;
  /**
   * Parks held calls of 2026-07-28 clients that can be asked (MRTR): the client gets `input_required` with an
   * elicitation and its retry carries the answer. Its signer is its own, so its states are never the gateway's.
   */
  readonly bridge?: MrtrBridge | undefined;
  /** True for a retry that continues a call the gateway parked after it was approved (not held twice). */
  readonly continuesParkedCall?: ((params: JsonObject | undefined) => boolean) | undefined;
  readonly audit: () => AuditLog | undefined;
  readonly log: Logger;
  /** Tells approvers a call is waiting (an alert: Rampart's log, the audit log, the webhook). */
  readonly notifyPending?:
    | ((pending: { id: string; server: string; name: string; policies: readonly string[] }) => void)
    | undefined;
  readonly timeoutMs: number;
  /** Whether users may be asked by elicitation (config `policy.approvals.elicitation`). */
  readonly elicitation: boolean;
}

const OUTCOME_CODES: Record<Exclude<ApprovalOutcomeKind, 'approved'>, ErrorCode> = {
  denied: 'RAMPART_APPROVAL_DENIED',
  timeout: 'RAMPART_APPROVAL_TIMEOUT',
  cancelled: 'RAMPART_CANCELLED',
};

export function createApprovalFlow(options: ApprovalFlowOptions): ApprovalFlow {
  return async (call: DownstreamCall, decision: PolicyDecision) => {
    call.trace.policy = { digest: decision.policyDigest, effect: decision.effect };
    if (call.era === 'modern' && options.continuesParkedCall?.(call.params)) {
      return { kind: 'pass', ruleIds: [...policyRuleIds(decision), 'approval:continued'] };
    }
    const bridge = options.bridge;
    const mode = decision.approval ?? 'approver';
    if (!bridge || call.era !== 'modern' || mode !== 'any' || !options.elicitation || !declaresForm(call)) {
      return hold(options, call, decision, undefined);
    }
    // A 2026-07-28 client is asked by MRTR. Its retry must be the same call: the state is bound to the caller,
    // the tool and the exact arguments, so an approval of 10 EUR cannot be replayed for 10,000.
    const binding = bindingOf(call);
    if (bridge.owns(call.params)) {
      try {
        return settleParked(call, await bridge.resume(call.params!, call.signal, binding));
      } catch (err) {
        if (!(err instanceof RampartError)) throw err;
        // Another caller, other arguments, a replayed or expired state: refused with the bridge's own code.
        return { kind: 'deny', code: err.code, ruleId: 'approval:request-state', reason: err.message };
      }
    }
    const answer = await bridge.begin(
      async (exchange) => {
        const signal = exchange.controller.signal;
        const ask = () =>
          askUser(decision, call, (params) => exchange.requestInput('elicitation/create', params, signal));
        const result = await hold(options, call, decision, { ask, signal });
        return { [PARKED_RESULT]: result as unknown as JsonObject };
      },
      call.signal,
      binding,
    );
    return settleParked(call, answer);
  };
}

/** Where the outcome of a parked approval travels inside the bridge's result. */
const PARKED_RESULT = 'io.rampart/approval';

/** An `input_required` answers the request now; a settled approval passes (without the MRTR fields) or refuses. */
function settleParked(call: DownstreamCall, answer: JsonObject): GuardResult {
  const parked = answer[PARKED_RESULT] as unknown as GuardResult | undefined;
  if (!parked) return { kind: 'respond', value: answer };
  if (parked.kind !== 'pass') return parked;
  const { requestState: _state, inputResponses: _responses, ...params } = call.params ?? {};
  return { kind: 'mutate', value: params, ruleIds: parked.ruleIds ?? [] };
}

function bindingOf(call: DownstreamCall): string {
  const who = call.principal ? principalKey(call.principal) : (call.sessionId ?? 'anonymous');
  const args = canonicalJsonLenient(call.params?.['arguments'] ?? {}).text;
  return sha256Hex(JSON.stringify([who, call.method, targetName(call.method, call.params) ?? '', args]));
}

/** A 2026-07-28 client declares form elicitation in the request's `_meta` capabilities. */
function declaresForm(call: DownstreamCall): boolean {
  const declared = call.clientCapabilities['elicitation'];
  if (!isObject(declared)) return false;
  const modes = Object.keys(declared).filter((k) => k === 'form' || k === 'url');
  return modes.length === 0 || modes.includes('form');
}

/** Holds one call until the broker has an outcome, records the outcome, then passes or refuses the call. */
async function hold(
  options: ApprovalFlowOptions,
  call: DownstreamCall,
  decision: PolicyDecision,
  parked: { ask: () => Promise<{ approved: boolean; reason?: string }>; signal: AbortSignal } | undefined,
): Promise<GuardResult> {
  const name = targetLabel(call, call.trace.target);
  const server = call.trace.server ?? '';
  const mode = decision.approval ?? 'approver';
  const legacyAsk =
    mode === 'any' && options.elicitation && canElicit(call)
      ? () =>
          askUser(decision, call, (params) => call.sendRequest!('elicitation/create', params, call.signal))
      : undefined;
  const ask = parked?.ask ?? legacyAsk;
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
    signal: parked?.signal ?? call.signal,
    ...(ask ? { askUser: ask } : {}),
    onPending: (id) => {
      options.log.info('call held for approval', { approval: id, server, name, policies: decision.policies });
      options.notifyPending?.({ id, server, name, policies: decision.policies });
    },
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
  if (approved) return { kind: 'pass', ruleIds: [...policyRuleIds(decision), `approval:${outcome.id}`] };
  const denied = policyDeny({ ...decision, policies: decision.holding ?? decision.policies }, code);
  return denied.kind === 'deny'
    ? {
        ...denied,
        ruleIds: [...(denied.ruleIds ?? []), `approval:${outcome.id}`],
        data: { ...denied.data, approval: outcome.id },
      }
    : denied;
}

/**
 * Asks the user, through their client, whether this call may go ahead (form elicitation with one boolean), on a
 * legacy response stream or as an MRTR input request.
 */
async function askUser(
  decision: PolicyDecision,
  call: DownstreamCall,
  send: (params: JsonObject) => Promise<JsonObject>,
): Promise<{ approved: boolean; reason?: string }> {
  const name = targetLabel(call, call.trace.target);
  const args = JSON.stringify(baselineRedactor(call.params?.['arguments'] ?? {}, 'arguments'));
  const preview = args.length > 500 ? `${args.slice(0, 500)}…` : args;
  const answer = await send({
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
  });
  const content = isObject(answer['content']) ? answer['content'] : {};
  const approved = answer['action'] === 'accept' && content['approve'] === true;
  const reason = typeof content['reason'] === 'string' ? content['reason'].slice(0, 500) : undefined;
  return reason === undefined ? { approved } : { approved, reason };
}
