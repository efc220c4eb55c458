// The benchmark upstream's whole MCP logic, shared by the stdio and the HTTP echo server so that
// "direct" and "through a proxy" exercise the same handler. Raw JSON-RPC, no SDK: the upstream should
// cost as little as possible so that the proxy's share of the CPU is what the numbers show.

export const PROTOCOL_VERSION = '2025-11-25';
const SUPPORTED_VERSIONS = new Set([PROTOCOL_VERSION, '2025-06-18', '2025-03-26']);

const ECHO_TOOL = {
  name: 'echo',
  description: 'Echo back the given text',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
  },
};

type JsonRpcId = string | number;
type Request = { jsonrpc?: unknown; id?: JsonRpcId | null; method?: unknown; params?: unknown };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function error(id: JsonRpcId | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
}

function result(id: JsonRpcId, value: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: value });
}

function initializeResult(params: Record<string, unknown>): unknown {
  const asked = params['protocolVersion'];
  // Answer with the client's version when we speak it, else our latest (spec version negotiation).
  const protocolVersion =
    typeof asked === 'string' && SUPPORTED_VERSIONS.has(asked) ? asked : PROTOCOL_VERSION;
  return {
    protocolVersion,
    capabilities: { tools: { listChanged: false } },
    serverInfo: { name: 'bench-echo', version: '1.0.0' },
  };
}

function callTool(id: JsonRpcId, params: Record<string, unknown>): string {
  if (params['name'] !== ECHO_TOOL.name) return error(id, -32602, `Unknown tool: ${String(params['name'])}`);
  const args = params['arguments'];
  const text = isObject(args) ? args['text'] : undefined;
  if (typeof text !== 'string') return error(id, -32602, 'echo needs a string argument "text"');
  return result(id, { content: [{ type: 'text', text }] });
}

/**
 * Handles one parsed JSON-RPC message. Returns the serialised response, or null for notifications and
 * for responses sent to us (we never send requests, so there is nothing to match them with).
 */
export function handleMessage(message: unknown): string | null {
  if (!isObject(message)) return error(null, -32600, 'Invalid Request');
  const msg = message as Request;
  if (typeof msg.method !== 'string') return null; // a response or junk without a method: nothing to answer
  if (msg.id === undefined || msg.id === null) return null; // notification (initialized, cancelled, ...)
  const id = msg.id;
  const params = isObject(msg.params) ? msg.params : {};
  switch (msg.method) {
    case 'initialize':
      return result(id, initializeResult(params));
    case 'ping':
      return result(id, {});
    case 'tools/list':
      return result(id, { tools: [ECHO_TOOL] });
    case 'tools/call':
      return callTool(id, params);
    default:
      // Includes the 2026-07-28 `server/discover` probe: answering "method not found" makes a
      // dual-era client fall back to initialize, as a plain 2025-11-25 server would.
      return error(id, -32601, `Method not found: ${msg.method}`);
  }
}

/** Parses one JSON text and answers it; a parse error gets the JSON-RPC parse error response. */
export function handleText(text: string): string | null {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return error(null, -32700, 'Parse error');
  }
  return handleMessage(message);
}
