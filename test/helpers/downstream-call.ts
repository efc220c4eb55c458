// A downstream call as guards receive it, for unit tests of one guard (no ingress, no gateway).
import type { CallTrace, DownstreamCall } from '../../src/core/call.ts';
import type { JsonObject } from '../../src/core/jsonrpc.ts';

/** A legacy-era call with `params`; `method` defaults to tools/call and `trace` to server `fx`. */
export function downstreamCall(
  params: JsonObject | undefined,
  options: { method?: string; trace?: CallTrace; principal?: DownstreamCall['principal'] } = {},
): DownstreamCall {
  return {
    era: 'legacy',
    id: 1,
    method: options.method ?? 'tools/call',
    params,
    protocolVersion: '2025-11-25',
    clientCapabilities: {},
    clientInfo: undefined,
    logLevel: undefined,
    sessionId: 's1',
    signal: new AbortController().signal,
    trace: options.trace ?? { server: 'fx' },
    principal: options.principal,
    subjectToken: undefined,
    paramHeaders: {},
    notify: () => undefined,
    sendRequest: undefined,
  };
}
