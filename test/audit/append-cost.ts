// Not a test: measures the CPU one append costs (both threads: main and the SQLite writer) with `c` concurrent
// closed-loop callers in digest mode, the setting of the bench row "audit adds at most 40 µs CPU per call".
//   node test/audit/append-cost.ts [--c 16] [--calls 20000] [--mode digest]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PayloadMode } from '../../src/audit/event.ts';
import { openAuditLog } from '../../src/audit/open.ts';

const { values } = parseArgs({
  options: {
    c: { type: 'string', default: '16' },
    calls: { type: 'string', default: '20000' },
    mode: { type: 'string', default: 'digest' },
  },
});
const concurrency = Number(values.c);
const calls = Number(values.calls);
const dir = mkdtempSync(path.join(tmpdir(), 'rampart-audit-cost-'));
const log = await openAuditLog(dir, { payloadMode: values.mode as PayloadMode });

const principal = {
  issuer: 'https://idp.example.com',
  subject: 'alice',
  clientId: 'claude',
  agent: 'agent-1',
};
function call(i: number) {
  return log.append({
    decision: 'allowed',
    principal,
    sessionId: 'b0f3c2a4-5e6f-4a1b-9c8d-7e6f5a4b3c2d',
    requestId: String(i),
    traceId: '0af7651916cd43dd8448eb211c80319c',
    server: 'echo',
    method: 'tools/call',
    name: 'echo__echo',
    ruleIds: [],
    timings: {
      authenticate: 0.0123,
      route: 0.004,
      request: 0.0081,
      upstream: 0.412,
      response: 0.003,
      totalMs: 0.45,
    },
    arguments: { name: 'echo', arguments: { text: `hello ${i}` } },
    result: { content: [{ type: 'text', text: `hello ${i}` }] },
  });
}

async function run(n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await call(next++);
    }),
  );
}

await run(2000); // warm-up: JIT, page cache, WAL
const batches0 = log.stats.batches;
const cpu0 = process.cpuUsage();
const main0 = process.threadCpuUsage();
const t0 = performance.now();
await run(calls);
const cpu = process.cpuUsage(cpu0);
const main = process.threadCpuUsage(main0);
const ms = performance.now() - t0;
const batches = log.stats.batches - batches0;
await log.close();
rmSync(dir, { recursive: true, force: true });
const us = (cpu.user + cpu.system) / calls;
process.stdout.write(
  `mode=${values.mode} c=${concurrency} calls=${calls}: ${us.toFixed(1)} µs CPU/append ` +
    `(user ${(cpu.user / calls).toFixed(1)}, system ${(cpu.system / calls).toFixed(1)}), ` +
    `main thread ${((main.user + main.system) / calls).toFixed(1)}, ` +
    `${Math.round(calls / (ms / 1000))} appends/s, ${(calls / batches).toFixed(1)} events/transaction\n`,
);
