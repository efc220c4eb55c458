// The authorization guard (request phase): asks the policy set about the exact request the gateway routed (who,
// which tool of which server, with which arguments, in which session, when) and refuses, passes or holds it for
// human approval. List requests are decided here as a whole (`list` on the Catalog); their items are filtered by
// the same policies in the gateway.
import type { CallTarget, DownstreamCall } from '../core/call.ts';
import { isObject } from '../core/jsonrpc.ts';
import type { ErrorCode } from '../errors.ts';
import { ArgumentTypeError } from '../policy/arguments.ts';
import type { PolicyDecision } from '../policy/engine.ts';
import type { PolicyAction } from '../policy/mcp-schema.ts';
import type { PolicyService } from '../policy/policy-service.ts';
import type { Guard, GuardResult } from './pipeline.ts';
import { targetName } from './pipeline.ts';

/** How a held call is put before a human; `approval-flow.ts` implements it with the broker and elicitation. */
export type ApprovalFlow = (call: DownstreamCall, decision: PolicyDecision) => Promise<GuardResult>;

const LIST_KINDS: Record<string, string> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};

/** Which action a method is, and whether it needs a routed target. Methods not named here are not decided. */
const ACTION_OF: Record<string, PolicyAction> = {
  'tools/call': 'call',
  'prompts/get': 'get',
  'resources/read': 'read',
  'resources/subscribe': 'subscribe',
  'completion/complete': 'complete',
};

export function policyRuleIds(decision: PolicyDecision): string[] {
  return decision.policies.map((id) => `policy:${id}`);
}

/** The deny a refused decision becomes: a stable code, the deciding policy ids and a reason safe to show. */
export function policyDeny(decision: PolicyDecision, code: ErrorCode = 'RAMPART_POLICY_DENIED'): GuardResult {
  const ids = policyRuleIds(decision);
  return {
    kind: 'deny',
    code,
    ruleId: ids[0] ?? 'policy:default-deny',
    ruleIds: ids.slice(1),
    reason: decision.reason,
    data: { policies: decision.policies, reason: decision.reason },
  };
}

export function createPolicyGuard(policies: PolicyService, approvals: ApprovalFlow): Guard {
  return {
    name: 'policy',
    phase: 'request',
    async check({ call }): Promise<GuardResult> {
      const kind = LIST_KINDS[call.method];
      if (kind !== undefined)
        return settle(call, policies.decide(call, 'list', { kind: 'catalog', name: kind }));
      const action = ACTION_OF[call.method];
      if (action === undefined) return { kind: 'pass' };
      const target = call.trace.target;
      // resources/subscribe of an unknown URI is refused by routing itself; anything else must have a target.
      if (!target) {
        return call.method === 'resources/subscribe'
          ? { kind: 'pass' }
          : {
              kind: 'deny',
              code: 'RAMPART_POLICY_DENIED',
              ruleId: 'policy:no-target',
              reason: 'Unknown target.',
            };
      }
      let decision: PolicyDecision;
      try {
        decision = policies.decide(call, action, target);
      } catch (err) {
        if (!(err instanceof ArgumentTypeError)) throw err;
        return {
          kind: 'deny',
          code: 'RAMPART_ARGUMENT_TYPE',
          ruleId: 'policy:argument-type',
          reason: err.message,
          data: { path: err.path },
        };
      }
      if (decision.effect === 'approval') return approvals(call, decision);
      return settle(call, decision);
    },
  };
}

/** Allow passes (naming the permitting policies for the audit event); anything else is refused. */
function settle(call: DownstreamCall, decision: PolicyDecision): GuardResult {
  call.trace.policy = { digest: decision.policyDigest, effect: decision.effect };
  if (decision.effect === 'allow') return { kind: 'pass', ruleIds: policyRuleIds(decision) };
  return policyDeny(decision);
}

/** The target a server-to-client request is decided on: the server that sends it. */
export function serverTarget(server: string): { kind: 'server'; server: string } {
  return { kind: 'server', server };
}

/** The exposed name a target is known by, for messages and approval records. */
export function targetLabel(call: DownstreamCall, target: CallTarget | undefined): string {
  if (!target) return targetName(call.method, call.params) ?? call.method;
  switch (target.kind) {
    case 'tool':
    case 'prompt':
      return target.exposedName;
    case 'resource':
      return target.uri;
    case 'resourceTemplate':
      return target.uriTemplate;
  }
}

/** True when the client declared form elicitation (the only mode an approval question uses). */
export function canElicit(call: DownstreamCall): boolean {
  const declared = call.clientCapabilities['elicitation'];
  if (!isObject(declared)) return false;
  const modes = Object.keys(declared).filter((k) => k === 'form' || k === 'url');
  return call.sendRequest !== undefined && (modes.length === 0 || modes.includes('form'));
}
