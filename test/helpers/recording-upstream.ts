// An HTTP MCP upstream for tests (2025-11-25, JSON answers, one `echo` tool) that records the headers of every
// request it receives, to prove what Rampart sends upstream (and what it never sends).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RecordingUpstream {
  url: string;
  seen: IncomingHttpHeaders[];
  /** The JSON-RPC messages received, in order. */
  bodies: Array<{ method?: string; params?: Record<string, unknown>; headers: IncomingHttpHeaders }>;
  server: Server;
}

/** Starts the upstream on a free loopback port. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const seen: IncomingHttpHeaders[] = [];
  const bodies: RecordingUpstream['bodies'] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(body) as { id?: number; method?: string; params?: Record<string, unknown> };
      bodies.push({ ...msg, headers: req.headers });
      if (msg.id === undefined) return void res.writeHead(202).end();
      const results: Record<string, unknown> = {
        initialize: {
          protocolVersion: '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'rec', version: '1' },
        },
        'tools/list': { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] },
        'tools/call': { content: [{ type: 'text', text: 'ok' }] },
      };
      const result = results[String(msg.method)];
      const answer = result
        ? { jsonrpc: '2.0', id: msg.id, result }
        : { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'nope' } };
      res
        .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'rec-session' })
        .end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, seen, bodies, server };
}
