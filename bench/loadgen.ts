// Closed-loop MCP Streamable HTTP load generator (raw JSON-RPC over undici keep-alive). Loopback only.
//
//   node bench/loadgen.ts --url http://127.0.0.1:18001/mcp --tool echo --concurrency 16 \
//        --calls 5000 --max-seconds 30 [--warmup 300] [--header 'authorization: Bearer x'] \
//        [--auth bearer|dpop --auth-file FILE]
//
// Each virtual client is one MCP session: initialize (2025-11-25) + notifications/initialized, then
// sequential `tools/call` of the echo tool until the shared call budget or the time limit runs out,
// then DELETE. Prints one JSON line (LoadResult). With --marks it prints `MARK start` / `MARK end`
// around the measured phase and waits for a line on stdin after each, so the orchestrator's /proc
// snapshots bracket exactly the measured calls. With --auth every request carries the virtual client's own
// token from FILE (auth-client.ts), and with `dpop` a proof made for that very request.
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import type { AuthHeaders } from './auth-client.ts';
import { loadClientAuth } from './auth-client.ts';
import type { LoadResult } from './types.ts';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:18001/mcp' },
    tool: { type: 'string', default: 'echo' },
    concurrency: { type: 'string', default: '1' },
    calls: { type: 'string', default: '3000' },
    'max-seconds': { type: 'string', default: '30' },
    warmup: { type: 'string', default: '' },
    text: { type: 'string', default: 'hello from the load generator' },
    header: { type: 'string', multiple: true, default: [] },
    'protocol-version': { type: 'string', default: '2025-11-25' },
    marks: { type: 'boolean', default: false },
    auth: { type: 'string' },
    'auth-file': { type: 'string' },
  },
});

const url = new URL(a.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
  throw new Error('loadgen only targets loopback');
const C = Number(a.concurrency);
const TOTAL = Number(a.calls);
const MAX_MS = Number(a['max-seconds']) * 1000;
const WARMUP = a.warmup === '' ? Math.max(200, C * 10) : Number(a.warmup);
const TEXT = a.text;
const TOOL = a.tool;
const PV = a['protocol-version'];
const EXTRA_HEADERS: Record<string, string> = {};
for (const h of a.header) {
  const i = h.indexOf(':');
  if (i <= 0) throw new Error(`--header wants "name: value", got ${h}`);
  EXTRA_HEADERS[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
}
let authHeaders: AuthHeaders | undefined;
if (a.auth !== undefined) {
  if (a.auth !== 'bearer' && a.auth !== 'dpop') throw new Error(`--auth wants bearer or dpop, got ${a.auth}`);
  if (!a['auth-file']) throw new Error('--auth needs --auth-file');
  authHeaders = await loadClientAuth(a.auth, a['auth-file']);
}
// Absolute safety stop: init + warm-up + measured phase can never keep this process alive for long.
setTimeout(() => {
  process.stderr.write('loadgen: hard deadline hit\n');
  process.exit(3);
}, MAX_MS + 90_000).unref();

// One connection per virtual client (+ spare for DELETEs): keep-alive, no pipelining, like an agent.
const agent = new Agent({ connections: C + 4, pipelining: 1, keepAliveTimeout: 60_000 });

type Message = { id?: unknown; result?: { content?: { text?: unknown }[] }; error?: unknown };

/** Finds the response with `id` in a JSON or SSE body. Empty `data:` frames (SSE priming events) are skipped. */
function parseBody(contentType: string, text: string, id: number): Message {
  if (!contentType.includes('text/event-stream')) return JSON.parse(text) as Message;
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data: string[] = [];
    for (const line of event.split(/\r?\n/)) {
      if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
    const payload = data.join('\n');
    if (!payload.trim()) continue;
    const m = JSON.parse(payload) as Message;
    if (m.id === id) return m;
  }
  throw new Error(`no SSE data frame with id ${id}`);
}

class Session {
  readonly index: number;
  sid: string | undefined;
  nextId = 1;

  constructor(index: number) {
    this.index = index;
  }

  async headers(method: 'POST' | 'DELETE'): Promise<Record<string, string>> {
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...EXTRA_HEADERS,
    };
    if (this.sid) {
      h['mcp-session-id'] = this.sid;
      h['mcp-protocol-version'] = PV;
    }
    return authHeaders ? Object.assign(h, await authHeaders(this.index, method)) : h;
  }

  async post(
    msg: unknown,
  ): Promise<{ status: number; contentType: string; sid: string | undefined; text: string }> {
    const r = await request(url, {
      method: 'POST',
      headers: await this.headers('POST'),
      body: JSON.stringify(msg),
      dispatcher: agent,
    });
    const text = await r.body.text();
    const ct = r.headers['content-type'];
    const sid = r.headers['mcp-session-id'];
    return {
      status: r.statusCode,
      contentType: typeof ct === 'string' ? ct : '',
      sid: typeof sid === 'string' ? sid : undefined,
      text,
    };
  }

  async init(): Promise<void> {
    const r = await this.post({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PV,
        capabilities: {},
        clientInfo: { name: 'rampart-bench', version: '1.0.0' },
      },
    });
    if (r.status !== 200) throw new Error(`initialize HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    const m = parseBody(r.contentType, r.text, 0);
    if (!m.result) throw new Error(`initialize failed: ${r.text.slice(0, 200)}`);
    this.sid = r.sid;
    const n = await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (n.status !== 202 && n.status !== 200) throw new Error(`notifications/initialized HTTP ${n.status}`);
  }

  async call(): Promise<void> {
    const id = this.nextId++;
    const r = await this.post({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: TOOL, arguments: { text: TEXT } },
    });
    if (r.status !== 200) throw new Error(`tools/call HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    const m = parseBody(r.contentType, r.text, id);
    if (m.result?.content?.[0]?.text !== TEXT) throw new Error(`bad echo: ${r.text.slice(0, 200)}`);
  }

  async close(): Promise<void> {
    if (!this.sid) return;
    try {
      const r = await request(url, {
        method: 'DELETE',
        headers: await this.headers('DELETE'),
        dispatcher: agent,
      });
      await r.body.dump();
    } catch {
      // best effort: the SUT is stopped at the end of the bench anyway
    }
  }
}

const acks: (() => void)[] = [];
if (a.marks) {
  let pend = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    pend += d;
    for (let i = pend.indexOf('\n'); i >= 0; i = pend.indexOf('\n')) {
      pend = pend.slice(i + 1);
      acks.shift()?.();
    }
  });
}
function mark(name: string): Promise<void> {
  if (!a.marks) return Promise.resolve();
  const p = new Promise<void>((resolve) => acks.push(resolve));
  process.stdout.write(`MARK ${name}\n`);
  return p;
}

async function fail(sessions: Session[], message: string): Promise<never> {
  await Promise.all(sessions.map((s) => s.close()));
  process.stderr.write(`loadgen: ${message}\n`);
  process.exit(2);
}

const sessions = Array.from({ length: C }, (_, i) => new Session(i));
const tInit = performance.now();
const inits = await Promise.allSettled(sessions.map((s) => s.init()));
const initMs = performance.now() - tInit;
const initFailure = inits.find((r) => r.status === 'rejected');
if (initFailure) await fail(sessions, `init: ${String(initFailure.reason?.message ?? initFailure.reason)}`);

// Warm-up, not recorded. An error here means a misconfigured system (wrong tool name...): stop early.
let warmLeft = WARMUP;
const warmDeadline = Date.now() + MAX_MS;
const warm = await Promise.allSettled(
  sessions.map(async (s) => {
    while (warmLeft-- > 0 && Date.now() < warmDeadline) await s.call();
  }),
);
const warmFailure = warm.find((r) => r.status === 'rejected');
if (warmFailure)
  await fail(sessions, `warm-up: ${String(warmFailure.reason?.message ?? warmFailure.reason)}`);

const lat = new Float64Array(TOTAL);
let issued = 0;
let done = 0;
let errors = 0;
const errSamples: string[] = [];
await mark('start');
const tStart = performance.now();
const deadline = tStart + MAX_MS;
const cpu0 = process.cpuUsage();
await Promise.all(
  sessions.map(async (s) => {
    while (issued < TOTAL && performance.now() < deadline) {
      issued++;
      const t = performance.now();
      try {
        await s.call();
        lat[done++] = performance.now() - t;
      } catch (e) {
        errors++;
        if (errSamples.length < 3) errSamples.push(String((e as Error)?.message ?? e));
      }
    }
  }),
);
const elapsed = performance.now() - tStart;
const cpu = process.cpuUsage(cpu0);
await mark('end');
await Promise.all(sessions.map((s) => s.close()));

const sorted = lat.subarray(0, done).sort();
const pct = (p: number) =>
  done ? (sorted[Math.min(done - 1, Math.ceil((p / 100) * done) - 1)] ?? Number.NaN) : Number.NaN;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const out: LoadResult = {
  concurrency: C,
  warmup: WARMUP,
  calls: done,
  errors,
  errSamples,
  timedOut: done + errors < TOTAL,
  seconds: r3(elapsed / 1000),
  throughput: r3(done / (elapsed / 1000)),
  p50: r3(pct(50)),
  p90: r3(pct(90)),
  p99: r3(pct(99)),
  max: r3(done ? (sorted[done - 1] ?? Number.NaN) : Number.NaN),
  initMs: r3(initMs),
  loadgenCpuUsPerCall: r3((cpu.user + cpu.system) / (done || 1)),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
await agent.close().catch(() => {});
process.exit(0);
