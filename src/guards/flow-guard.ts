// Toxic-flow tracking around the policy decision. Three guards, placed by the runtime:
//   - `snapshot` (request phase, just before policy): fixes the session's labels the decision reads
//     (`context.sessionLabels`) and the audit event records, and the labels of the item acted on;
//   - `commit` (request phase, last): the call is about to be forwarded, so its item's labels join the session.
//     Before the upstream answers on purpose: progress and log notifications may carry the item's data to the agent
//     before any result does, and a call that fails upstream may still have had its effect;
//   - `findings` (response phase, after output detection): a result the detectors flagged as carrying instructions
//     for the agent marks the session `untrusted_input`, before the agent sees the result.
// A request held or refused by a request guard never reaches `commit`, so it adds nothing.
import type { CallTarget, DownstreamCall, FlowTrace } from '../core/call.ts';
import { FLOW_LABELS, type ItemLabel } from '../flows/labels.ts';
import { flowKeyOf, type SessionFlows } from '../flows/session-flows.ts';
import type { Guard } from './pipeline.ts';
import { targetLabel } from './policy-guard.ts';

export interface FlowGuardOptions {
  readonly flows: SessionFlows;
  /** An item's labels with their origin (config, hints): `itemLabels` under the policy config. */
  readonly labelsOf: (target: CallTarget) => ItemLabel[];
  /** Whether flagged results mark the session `untrusted_input` (`policy.flows.detectors`). */
  readonly detectors: boolean;
}

export interface FlowGuards {
  readonly snapshot: Guard;
  readonly commit: Guard;
  readonly findings: Guard;
}

/** Methods that act on an item whose labels flow into the session. */
const FLOWING = new Set(['tools/call', 'prompts/get', 'resources/read']);

export function createFlowGuards(options: FlowGuardOptions): FlowGuards {
  const { flows } = options;
  return {
    snapshot: {
      name: 'flow-snapshot',
      phase: 'request',
      check: ({ call }) => {
        const target = call.trace.target;
        if (!target || !FLOWING.has(call.method)) return { kind: 'pass' };
        const { key, scope } = flowKeyOf(call);
        call.trace.flow = {
          scope,
          session: flows.labels(key),
          sources: flows.sources(key),
          labels: options.labelsOf(target),
          added: [],
        };
        return { kind: 'pass' };
      },
    },
    commit: {
      name: 'flow-commit',
      phase: 'request',
      check: ({ call }) => {
        const flow = call.trace.flow;
        if (!flow || flow.labels.length === 0 || !call.trace.target) return { kind: 'pass' };
        const added = flows.add(flowKeyOf(call).key, targetLabel(call, call.trace.target), flow.labels);
        flow.added.push(...added);
        return { kind: 'pass' };
      },
    },
    findings: {
      name: 'flow-findings',
      phase: 'response',
      check: ({ call }) => {
        if (!options.detectors || !call.trace.target || !FLOWING.has(call.method)) return { kind: 'pass' };
        // The output guard records injection findings (`output.*`) only for results it flagged.
        if (!call.trace.findings?.some((f) => f.rule.startsWith('output.'))) return { kind: 'pass' };
        const label: ItemLabel = { label: FLOW_LABELS.untrustedInput, via: 'detector' };
        call.trace.flow ??= emptyFlow(call);
        const flow = call.trace.flow;
        flow.labels.push(label);
        const added = flows.add(flowKeyOf(call).key, targetLabel(call, call.trace.target), [label]);
        flow.added.push(...added);
        return { kind: 'pass', ruleIds: ['flow:untrusted-output'] };
      },
    },
  };
}

/** A flow for a request the snapshot did not see (a guard list without it); nothing known before the call. */
function emptyFlow(call: DownstreamCall): FlowTrace {
  return { scope: flowKeyOf(call).scope, session: [], sources: {}, labels: [], added: [] };
}

/** The session labels a policy decision reads: the request's snapshot, else the flow as it is now (lists). */
export function sessionLabelsOf(flows: SessionFlows): (call: DownstreamCall) => readonly string[] {
  return (call) => call.trace.flow?.session ?? flows.labels(flowKeyOf(call).key);
}
