// Runs INSIDE a sandbox whose network namespace has only loopback: it listens on 127.0.0.1:<port> there (the
// server's HTTPS_PROXY) and carries each connection over the Unix socket bound in from Rampart's egress proxy,
// which decides where it may go. Then it runs the server with the same stdio and exits with it.
// Usage: node egress-bridge.ts <socket> <port> <command> [args...]. Node built-ins only: nothing else is bound.
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

const [socketPath, portText, command, ...args] = process.argv.slice(2);
if (!socketPath || !portText || !command) {
  process.stderr.write('usage: egress-bridge <socket> <port> <command> [args...]\n');
  process.exit(2);
}

const bridge = createServer((inbound) => {
  const outbound = createConnection(socketPath);
  inbound.pipe(outbound).pipe(inbound);
  const end = () => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', end).on('close', end);
  outbound.on('error', end).on('close', end);
});

bridge.listen(Number(portText), '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (err) => {
    process.stderr.write(`cannot start ${command}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
});
