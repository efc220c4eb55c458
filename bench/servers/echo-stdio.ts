// Benchmark upstream over stdio: newline-delimited JSON-RPC on stdin/stdout (MCP stdio transport),
// one `echo` tool. Started by the proxies under test (mcp-proxy, Rampart) as their child.
//
//   node bench/servers/echo-stdio.ts
import { handleText } from './echo-handler.ts';

let pending = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  let out = '';
  let nl = pending.indexOf('\n');
  while (nl >= 0) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    if (line) {
      const reply = handleText(line);
      if (reply !== null) out += reply + '\n';
    }
    nl = pending.indexOf('\n');
  }
  // One write per chunk: requests that arrive together leave together (fewer syscalls under load).
  if (out) process.stdout.write(out);
});
// The parent closing our stdin is the stdio transport's shutdown signal.
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
