// What the downstream client does per client-mode scenario of @modelcontextprotocol/conformance. The suite's
// mock server checks Rampart (its MCP client); the downstream client only has to make Rampart do the thing the
// scenario wants: list tools, call the scenario's tool, answer the elicitation Rampart forwards.
import type { Json, ServerRequestHandler } from './mcp-client.ts';
import { McpHttpClient } from './mcp-client.ts';

type Log = (line: string) => void;

/** SEP-1034: a client accepting a form applies the schema's defaults for the fields the user left alone. */
export function acceptWithDefaults(params: Json | undefined): Json {
  const schema = params?.['requestedSchema'];
  const properties =
    typeof schema === 'object' && schema !== null ? (schema as Json)['properties'] : undefined;
  const content: Json = {};
  if (typeof properties === 'object' && properties !== null) {
    for (const [name, spec] of Object.entries(properties as Json)) {
      if (typeof spec === 'object' && spec !== null && 'default' in spec)
        content[name] = (spec as Json)['default'];
    }
  }
  return { action: 'accept', content };
}

const answerServerRequests: ServerRequestHandler = async (method, params) => {
  if (method === 'elicitation/create') return acceptWithDefaults(params);
  if (method === 'sampling/createMessage') {
    return {
      role: 'assistant',
      content: { type: 'text', text: 'ok' },
      model: 'harness',
      stopReason: 'endTurn',
    };
  }
  if (method === 'roots/list') return { roots: [] };
  throw new Error(`unexpected server request ${method}`);
};

function toolNames(result: Json): string[] {
  const tools = Array.isArray(result['tools']) ? (result['tools'] as Json[]) : [];
  return tools.map((tool) => String(tool['name']));
}

async function callTool(client: McpHttpClient, name: string, args: Json, log: Log): Promise<Json> {
  const result = await client.request('tools/call', { name, arguments: args });
  log(`tools/call ${name} -> ${JSON.stringify(result).slice(0, 500)}`);
  if (result['isError'] === true) throw new Error(`tool ${name} returned isError`);
  return result;
}

/** Lists tools and calls `name` (which the scenario's mock server must offer through Rampart). */
async function listAndCall(client: McpHttpClient, name: string, args: Json, log: Log): Promise<Json> {
  const names = toolNames(await client.request('tools/list'));
  log(`tools/list -> ${names.join(', ') || '(none)'}`);
  if (!names.includes(name))
    throw new Error(`tool ${name} is not exposed by Rampart (got: ${names.join(', ')})`);
  return callTool(client, name, args, log);
}

const DRIVERS: Record<string, (client: McpHttpClient, log: Log) => Promise<void>> = {
  // The mock checks Rampart's own initialize; listing tools proves the session works end to end.
  initialize: async (client, log) => {
    log(`tools/list -> ${toolNames(await client.request('tools/list')).join(', ') || '(none)'}`);
  },
  tools_call: async (client, log) => {
    const result = await listAndCall(client, 'add_numbers', { a: 5, b: 3 }, log);
    if (!JSON.stringify(result).includes('8')) throw new Error('add_numbers did not return the sum 8');
  },
  'elicitation-sep1034-client-defaults': async (client, log) => {
    await listAndCall(client, 'test_client_elicitation_defaults', {}, log);
  },
  // The mock closes the tools/call stream after a priming event with retry: 500 and delivers the result only
  // on a GET reconnection: Rampart's upstream transport has to resume for this call to ever complete.
  'sse-retry': async (client, log) => {
    const result = await listAndCall(client, 'test_reconnection', {}, log);
    if (!JSON.stringify(result).includes('Reconnection test completed')) {
      throw new Error('test_reconnection returned an unexpected result');
    }
  },
};

/** Scenarios without a driver of their own (auth/*): connect, list tools, call the first one if any. */
async function generic(client: McpHttpClient, log: Log): Promise<void> {
  const names = toolNames(await client.request('tools/list'));
  log(`tools/list -> ${names.join(', ') || '(none)'}`);
  if (names[0] !== undefined) await callTool(client, names[0], {}, log);
}

export async function driveScenario(scenario: string, url: string, log: Log): Promise<void> {
  const client = new McpHttpClient(url, { onServerRequest: answerServerRequests, timeoutMs: 20_000 });
  try {
    const init = await client.initialize();
    log(`initialize -> ${String(init['protocolVersion'])}`);
    await (DRIVERS[scenario] ?? generic)(client, log);
  } finally {
    await client.close();
  }
}
