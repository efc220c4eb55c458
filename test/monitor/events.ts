// Downstream calls and the RequestEvents the pipeline records for them, for the monitor tests.
import type { DownstreamCall } from '../../src/core/call.ts';
import type { JsonObject } from '../../src/core/jsonrpc.ts';
import type { RequestEvent } from '../../src/guards/pipeline.ts';

export function requestEvent(overrides: Partial<RequestEvent> = {}): RequestEvent {
  return {
    time: '2026-01-01T00:00:00.000Z',
    requestId: '7',
    sessionId: 's1',
    principal: {
      issuer: 'https://idp.example',
      subject: 'alice',
      clientId: 'cli',
      agent: undefined,
      tenant: undefined,
      binding: 'bearer',
    },
    era: 'legacy',
    server: 'fs',
    method: 'tools/call',
    name: 'fs__read',
    decision: 'allowed',
    code: undefined,
    ruleIds: [],
    timings: { authenticate: 0.2, route: 0.05, request: 0.3, upstream: 12, response: 0.4, totalMs: 13 },
    ...overrides,
  };
}

/** A routed tools/call from an authenticated caller, as the ingress hands it to the pipeline. */
export function downstreamCall(params: JsonObject = { name: 'fs__read' }): DownstreamCall {
  return {
    era: 'legacy',
    id: 7,
    method: 'tools/call',
    params,
    protocolVersion: '2025-11-25',
    clientCapabilities: {},
    clientInfo: undefined,
    logLevel: undefined,
    sessionId: 's1',
    signal: new AbortController().signal,
    trace: { server: 'fs' },
    principal: {
      issuer: 'https://idp.example',
      subject: 'alice',
      clientId: 'cli',
      agent: undefined,
      groups: [],
      roles: [],
      tenant: undefined,
      scopes: [],
      binding: 'bearer',
      tokenId: undefined,
      expiresAt: 0,
    },
    subjectToken: undefined,
    paramHeaders: {},
    notify: () => undefined,
    sendRequest: undefined,
  };
}
