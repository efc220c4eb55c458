// Entry of the bundled demo MCP server: newline-delimited JSON-RPC on stdin/stdout, exits when stdin ends.
import { createInterface } from 'node:readline';
import { createDemoServer } from './server.ts';

const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
const server = createDemoServer(send);

// The parent closing our stdout means nobody is listening any more.
process.stdout.on('error', () => process.exit(0));

const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  const response = server.handleLine(line);
  if (response) send(response);
});
lines.on('close', () => {
  // Exit once everything written so far has reached the pipe.
  process.stdout.write('', () => process.exit(0));
});
