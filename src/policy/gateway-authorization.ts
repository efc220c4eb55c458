// The places the gateway asks the same policies as the request guard: list items (visible unless every call of
// them is denied), server-to-client requests (`sample`, `elicit`, `roots` on the sending server; a refused one is
// recorded), resource subscriptions of listen streams, and the tools' input schemas that type
// `context.arguments` for validation.
import type { CallTarget, DownstreamCall } from '../core/call.ts';
import type { Gateway } from '../core/gateway.ts';
import { RampartError } from '../errors.ts';
import { type EventSink, eventPrincipal } from '../guards/pipeline.ts';
import { policyRuleIds, serverTarget } from '../guards/policy-guard.ts';
import type { ListenHub } from '../ingress/listen-hub.ts';
import type { Logger } from '../monitor/logger.ts';
import type { PolicyAction } from './mcp-schema.ts';
import type { PolicyService } from './policy-service.ts';

const SERVER_REQUEST_ACTIONS: Record<string, PolicyAction> = {
  'sampling/createMessage': 'sample',
  'elicitation/create': 'elicit',
  'roots/list': 'roots',
};

export interface GatewayAuthorizationDeps {
  readonly gateway: Gateway;
  readonly listeners: ListenHub;
  readonly policies: PolicyService;
  readonly sink: EventSink;
  readonly log: Logger;
}

export function authorizeGateway({
  gateway,
  listeners,
  policies,
  sink,
  log,
}: GatewayAuthorizationDeps): void {
  gateway.setAuthorizer({
    visible: (call: DownstreamCall, target: CallTarget) => policies.visible(call, target),
    serverRequest: async (call: DownstreamCall, server: string, method: string) => {
      const action = SERVER_REQUEST_ACTIONS[method];
      if (action === undefined) throw new RampartError('RAMPART_METHOD_NOT_FOUND');
      const decision = policies.decide(call, action, serverTarget(server));
      if (decision.effect === 'allow') return;
      const ruleIds = policyRuleIds(decision);
      // Not a pipeline request: its refusal is recorded here, attributed to the call it interrupts.
      await sink.record({
        time: new Date().toISOString(),
        requestId: String(call.id),
        sessionId: call.sessionId,
        principal: eventPrincipal(call.principal),
        era: call.era,
        server,
        method,
        name: undefined,
        decision: 'denied',
        code: 'RAMPART_POLICY_DENIED',
        ruleIds: ruleIds.length > 0 ? ruleIds : ['policy:default-deny'],
        timings: { totalMs: 0 },
      });
      throw new RampartError('RAMPART_POLICY_DENIED', decision.reason, {
        policies: decision.policies,
        reason: decision.reason,
      });
    },
  });
  gateway.catalog.onFetched = (server, kind, items) => {
    if (kind !== 'tools' && kind !== 'prompts') return;
    try {
      policies.noteCatalog(server, kind, items);
    } catch (err) {
      log.error('re-validating policies failed', { error: String(err) });
    }
  };
  listeners.authorizeSubscriptions = async (call, uris) => {
    const allowed: string[] = [];
    for (const uri of uris) {
      const target = await gateway.resourceTargetOf(uri, call.signal);
      if (target && policies.decide(call, 'subscribe', target).effect === 'allow') allowed.push(uri);
    }
    return allowed;
  };
}
