// Benchmark upstream over Streamable HTTP (2025-11-25, stateful): the same echo handler as
// echo-stdio.ts behind raw node:http, answering every request with a JSON body (no SSE framing).
// This is the "direct" configuration: what a client pays with no proxy in between.
//
//   node bench/servers/echo-http.ts --port 18001 [--host 127.0.0.1] [--path /mcp]
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { handleMessage } from './echo-handler.ts';

const NO_SESSION = '{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}';
const SESSION_REQUIRED =
  '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Mcp-Session-Id required"}}';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '18001' },
    host: { type: 'string', default: '127.0.0.1' },
    path: { type: 'string', default: '/mcp' },
  },
});

const sessions = new Set<string>();

function reply(res: http.ServerResponse, status: number, body?: string, headers?: http.OutgoingHttpHeaders) {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}

function onPost(req: http.IncomingMessage, res: http.ServerResponse, text: string) {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return reply(res, 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
  }
  const isInitialize = (message as { method?: unknown } | null)?.method === 'initialize';
  const sid = req.headers['mcp-session-id'];
  if (typeof sid === 'string') {
    if (!sessions.has(sid)) return reply(res, 404, NO_SESSION);
  } else if (!isInitialize) {
    return reply(res, 400, SESSION_REQUIRED);
  }
  const answer = handleMessage(message);
  if (answer === null) return reply(res, 202);
  if (isInitialize && typeof sid !== 'string') {
    const newSid = randomUUID();
    sessions.add(newSid);
    return reply(res, 200, answer, { 'mcp-session-id': newSid });
  }
  reply(res, 200, answer);
}

const server = http.createServer((req, res) => {
  if (req.url !== args.path) return reply(res, 404);
  if (req.method === 'DELETE') {
    const sid = req.headers['mcp-session-id'];
    return reply(res, typeof sid === 'string' && sessions.delete(sid) ? 200 : 404);
  }
  // No server-initiated messages here, so no standalone SSE stream (spec: 405 is the way to say so).
  if (req.method !== 'POST') return reply(res, 405, undefined, { allow: 'POST, DELETE' });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => onPost(req, res, Buffer.concat(chunks).toString('utf8')));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(args.port), args.host, () => {
  process.stderr.write(`echo-http listening on http://${args.host}:${args.port}${args.path}\n`);
});

// If the orchestrator dies without stopping us, do not linger as an orphan holding the port.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
