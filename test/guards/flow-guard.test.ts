// The flow guards around a request: the snapshot fixes what policy reads and the event records, only a call that
// passed every request guard adds its labels, and only an injection finding on a result marks untrusted input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policySchema } from '../../src/config/policy-schema.ts';
import type { CallTarget, CallTrace } from '../../src/core/call.ts';
import type { JsonObject } from '../../src/core/jsonrpc.ts';
import { itemLabels } from '../../src/flows/labels.ts';
import { SessionFlows } from '../../src/flows/session-flows.ts';
import { createFlowGuards, sessionLabelsOf } from '../../src/guards/flow-guard.ts';
import { type Guard, Pipeline, type RequestEvent } from '../../src/guards/pipeline.ts';
import { downstreamCall } from '../helpers/downstream-call.ts';

const config = policySchema.parse({
  files: ['p.cedar'],
  labels: { crm__read: ['private_data'], mail__send: ['public_sink'] },
});

function target(name: string, annotations?: JsonObject): CallTarget {
  const [server, own] = name.split('__') as [string, string];
  return {
    kind: 'tool',
    server,
    exposedName: name,
    item: { name: own, ...(annotations ? { annotations } : {}) },
  };
}

function setup(options: { detectors?: boolean; between?: Guard[]; response?: Guard[] } = {}) {
  const flows = new SessionFlows({ idleMs: 60_000, maxTracked: 100 });
  const guards = createFlowGuards({
    flows,
    labelsOf: (t) => itemLabels(config, t),
    detectors: options.detectors ?? true,
  });
  const events: RequestEvent[] = [];
  const seen: (readonly string[])[] = [];
  const policyLike: Guard = {
    name: 'policy',
    phase: 'request',
    check: ({ call }) => {
      seen.push(sessionLabelsOf(flows)(call));
      return { kind: 'pass' };
    },
  };
  const pipeline = new Pipeline(
    [
      guards.snapshot,
      policyLike,
      ...(options.between ?? []),
      ...(options.response ?? []),
      guards.commit,
      guards.findings,
    ],
    { record: (event) => void events.push(event) },
  );
  const run = async (name: string, sessionId = 's1', annotations?: JsonObject) => {
    const trace: CallTrace = { server: name.split('__')[0], target: target(name, annotations) };
    const call = { ...downstreamCall({ name, arguments: {} }, { trace }), sessionId };
    try {
      await pipeline.run(call, async () => async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    } catch {
      // refusals are looked at through the events
    }
    return events.at(-1)!;
  };
  return { flows, run, seen, events };
}

describe('flow guards', () => {
  it('policy reads, and the event records, the session as it was before the call', async () => {
    const { run, seen } = setup();
    const read = await run('crm__read');
    assert.deepEqual(read.flow, {
      scope: 'session',
      session: [],
      sources: {},
      labels: [{ label: 'private_data', via: 'config' }],
      added: ['private_data'],
    });
    const fetch = await run('web__fetch', 's1', { openWorldHint: true });
    assert.deepEqual(fetch.flow?.session, ['private_data']);
    assert.deepEqual(fetch.flow?.added, ['untrusted_input']);
    const send = await run('mail__send');
    assert.deepEqual(send.flow?.session, ['private_data', 'untrusted_input']);
    assert.deepEqual(send.flow?.sources, {
      private_data: [{ item: 'crm__read', via: 'config' }],
      untrusted_input: [{ item: 'web__fetch', via: 'annotation' }],
    });
    assert.deepEqual(seen, [[], ['private_data'], ['private_data', 'untrusted_input']]);
  });

  it('records no flow for an unlabelled call in a clean session', async () => {
    const { run } = setup();
    const event = await run('web__other');
    assert.equal(event.flow, undefined);
    assert.equal('flow' in event, false);
  });

  it('a call refused by a later request guard adds nothing', async () => {
    const refuse: Guard = {
      name: 'refuse',
      phase: 'request',
      check: ({ call }) =>
        call.params?.['name'] === 'crm__read'
          ? { kind: 'deny', code: 'RAMPART_POLICY_DENIED', ruleId: 'test:refuse', reason: 'no' }
          : { kind: 'pass' },
    };
    const { run, flows } = setup({ between: [refuse] });
    const refused = await run('crm__read');
    assert.equal(refused.decision, 'denied');
    assert.deepEqual(refused.flow?.added, []);
    assert.deepEqual(flows.labels('session:s1'), []);
  });

  it('an injection finding on a result marks the session untrusted_input; a redaction does not', async () => {
    const finding = (rule: string): Guard => ({
      name: 'detect',
      phase: 'response',
      check: ({ call }) => {
        call.trace.findings = [{ rule, severity: 'high' }];
        return { kind: 'pass' };
      },
    });
    const flagged = setup({ response: [finding('output.override_instructions')] });
    const event = await flagged.run('help__lookup');
    assert.deepEqual(event.flow?.labels, [{ label: 'untrusted_input', via: 'detector' }]);
    assert.deepEqual(event.flow?.added, ['untrusted_input']);
    assert.ok(event.ruleIds.includes('flow:untrusted-output'));
    assert.deepEqual(flagged.flows.sources('session:s1'), {
      untrusted_input: [{ item: 'help__lookup', via: 'detector' }],
    });

    const redacted = setup({ response: [finding('secret.aws_access_key')] });
    await redacted.run('help__lookup');
    assert.deepEqual(redacted.flows.labels('session:s1'), []);

    const off = setup({ detectors: false, response: [finding('output.override_instructions')] });
    await off.run('help__lookup');
    assert.deepEqual(off.flows.labels('session:s1'), []);
  });

  it('keeps sessions apart', async () => {
    const { run, flows } = setup();
    await run('crm__read', 's1');
    const other = await run('mail__send', 's2');
    assert.deepEqual(other.flow?.session, []);
    assert.deepEqual(flows.labels('session:s2'), ['public_sink']);
  });
});
