// Method dispatch of the demo MCP server (protocol 2025-11-25 and the versions before it).
import { complete } from './completion.ts';
import { getPrompt, listPrompts } from './prompts.ts';
import { listResources, listResourceTemplates, readResource } from './resources.ts';
import type { Params, Request, Response } from './rpc.ts';
import { errorResponse, parseLine, RPC_ERROR, RpcFailure, resultResponse } from './rpc.ts';
import { callTool, hasTool, listTools } from './tools.ts';

export const LATEST_PROTOCOL_VERSION = '2025-11-25';
const SUPPORTED_PROTOCOL_VERSIONS = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05'];

// RFC 5424 severities in MCP's order; a log message is sent when it is at least as severe as the set level.
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

export interface DemoServer {
  /** Handles one line from the client; returns the response to send, if any. */
  handleLine(line: string): Response | undefined;
}

/** A demo server that sends its notifications (log messages) through `notify`. */
export function createDemoServer(notify: (message: object) => void): DemoServer {
  // Silent until the client asks for logs with logging/setLevel.
  let logThreshold: number | undefined;

  const log = (level: string, data: unknown) => {
    if (logThreshold === undefined || LOG_LEVELS.indexOf(level) < logThreshold) return;
    notify({ jsonrpc: '2.0', method: 'notifications/message', params: { level, logger: 'demo', data } });
  };

  const methods: Record<string, (params: Params) => unknown> = {
    initialize: (params) => initializeResult(params),
    ping: () => ({}),
    'tools/list': (params) => page(params, { tools: listTools() }),
    'tools/call': (params) => {
      const name = requireString(params, 'name');
      if (!hasTool(name)) throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, `Unknown tool: ${name}`);
      const args = params['arguments'] ?? {};
      if (!isRecord(args)) throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, 'arguments must be an object');
      log('info', `tool ${name} called`);
      return callTool(name, args);
    },
    'prompts/list': (params) => page(params, { prompts: listPrompts() }),
    'prompts/get': (params) => {
      const args = params['arguments'] ?? {};
      if (!isRecord(args)) throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, 'arguments must be an object');
      return getPrompt(requireString(params, 'name'), args);
    },
    'resources/list': (params) => page(params, { resources: listResources() }),
    'resources/templates/list': (params) => page(params, { resourceTemplates: listResourceTemplates() }),
    'resources/read': (params) => readResource(requireString(params, 'uri')),
    'logging/setLevel': (params) => {
      const level = LOG_LEVELS.indexOf(requireString(params, 'level'));
      if (level < 0)
        throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, `level must be one of ${LOG_LEVELS.join(', ')}`);
      logThreshold = level;
      return {};
    },
    'completion/complete': (params) => complete(params),
  };

  const handleRequest = (request: Request): Response => {
    const method = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
    if (!method)
      return errorResponse(request.id, { code: RPC_ERROR.METHOD_NOT_FOUND, message: 'Method not found' });
    try {
      return resultResponse(request.id, method(request.params));
    } catch (error) {
      if (error instanceof RpcFailure) {
        const data = error.data === undefined ? {} : { data: error.data };
        return errorResponse(request.id, { code: error.code, message: error.message, ...data });
      }
      return errorResponse(request.id, { code: RPC_ERROR.INTERNAL_ERROR, message: 'Internal error' });
    }
  };

  return {
    handleLine(line) {
      const incoming = parseLine(line);
      if (incoming.kind === 'request') return handleRequest(incoming.request);
      if (incoming.kind === 'invalid') return incoming.reply;
      // notifications/initialized and notifications/cancelled need no action: every request completes at once.
      return undefined;
    },
  };
}

function initializeResult(params: Params): object {
  const requested = requireString(params, 'protocolVersion');
  // Echo a version we speak; otherwise offer our latest and let the client decide whether to continue.
  const protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;
  return {
    protocolVersion,
    capabilities: {
      tools: { listChanged: false },
      prompts: { listChanged: false },
      resources: { subscribe: false, listChanged: false },
      logging: {},
      completions: {},
    },
    serverInfo: {
      name: 'rampart-demo',
      title: 'Rampart demo server',
      version: '0.1.0',
      description: 'Harmless example tools, a prompt and resources for trying Rampart.',
    },
    instructions: 'Try the echo, add, get_time and lookup_city tools, or the plan_trip prompt.',
  };
}

// Every list fits in one page, so no cursor is ever issued and any cursor a client sends is invalid.
function page(params: Params, result: object): object {
  if (params['cursor'] !== undefined) throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, 'Invalid cursor');
  return result;
}

function requireString(params: Params, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, `${key} must be a string`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
