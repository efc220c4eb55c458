// `npm run bench:policy`: the latency of one authorization decision with 200 policies loaded (issue 5: p50 at
// most 100 µs, p99 at most 250 µs). In-process, one decision at a time, each timed with process.hrtime.bigint:
//
//   whole        the whole set in one Cedar call (`decideWhole`): the baseline, measured in the same run
//   args         `decide` on tools whose decision depends on the arguments (a fresh argument value every call)
//   no-args      `decide` on tools whose decision does not (the plan is cached: no Cedar call at all when the
//                plan is a constant)
//   mixed        the workload as a gateway sees it: tool calls of both kinds, prompt gets, resource reads
//   cold         the first decision of a request shape (slice + Cedar partial evaluation + preparsing residuals)
//   visible-cold list filtering (`visible`) of a shape not seen before
//   visible-warm list filtering of a known shape
//
// The policies and the workload are generated deterministically (seeded). Each repetition measures every row
// in a rotating order after a warm-up; the table gives the medians over repetitions of each repetition's
// percentiles, and each row's percentiles divided by the whole-set baseline's (same repetition, then median).
//
//   node bench/policy-decision.ts [--reps 7] [--decisions 3000] [--cold 300] [--no-pin] [--out FILE.json]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Principal } from '../src/auth/principal.ts';
import type { CedarValue } from '../src/policy/arguments.ts';
import { type CedarEntity, PolicyEngine, type PolicyRequest } from '../src/policy/engine.ts';
import {
  baseContext,
  principalEntity,
  promptEntity,
  resourceEntity,
  serverEntity,
  templateEntity,
  toolEntity,
} from '../src/policy/entities.ts';
import { loadPolicyFiles } from '../src/policy/policy-files.ts';
import { HZ, selfCpu } from './procfs.ts';
import { fmt, median } from './stats.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: a } = parseArgs({
  options: {
    reps: { type: 'string', default: '7' },
    decisions: { type: 'string', default: '3000' },
    cold: { type: 'string', default: '300' },
    'no-pin': { type: 'boolean', default: false },
    out: {
      type: 'string',
      default: `bench/results/raw/policy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    },
  },
});
const positive = (name: string, s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive integer, got ${s}`);
  return n;
};
const REPS = positive('reps', a.reps);
const DECISIONS = positive('decisions', a.decisions);
const COLD = positive('cold', a.cold);

// One core to ourselves when there are two: the same CPU as the system under test of `npm run bench`.
const CPUS = availableParallelism();
const pinned =
  !a['no-pin'] &&
  CPUS >= 2 &&
  spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]).status === 0;
const log = (...x: unknown[]) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${x.join(' ')}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Deterministic generation

/** mulberry32: a small seeded PRNG, so every run measures the same policies and workload. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(5);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

const SERVER_COUNT = 40;
const TEAMS = ['platform', 'data', 'payments', 'web', 'infra', 'security', 'support', 'research'];
const servers = Array.from({ length: SERVER_COUNT }, (_, i) => ({
  name: `s${String(i).padStart(2, '0')}`,
  team: TEAMS[i % TEAMS.length]!,
  labels: i % 2 === 0 ? ['prod'] : i % 5 === 1 ? ['pii'] : [],
}));

/** Five tools per server: three read-only, one destructive, one whose policies read the arguments. */
interface ToolSpec {
  readonly server: (typeof servers)[number];
  readonly name: string;
  readonly exposed: string;
  readonly annotations: { readonly readOnlyHint?: boolean; readonly destructiveHint?: boolean };
  /** The argument a policy constrains on this tool (undefined: no policy reads its arguments). */
  readonly argument: 'path' | 'amount' | 'host' | undefined;
  readonly risk: number;
}
const ARG_TOOL = ['write_file', 'transfer', 'fetch'] as const;
const ARG_OF = { write_file: 'path', transfer: 'amount', fetch: 'host' } as const;
const tools: ToolSpec[] = servers.flatMap((server, i) => {
  const argTool = ARG_TOOL[i % 3]!;
  const names = ['read', 'list', 'delete', argTool, 'search'];
  return names.map((name) => ({
    server,
    name,
    exposed: `${server.name}__${name}`,
    annotations:
      name === 'read' || name === 'list' || name === 'search'
        ? { readOnlyHint: true, destructiveHint: false }
        : name === 'delete'
          ? { destructiveHint: true }
          : { destructiveHint: false },
    argument: name === argTool ? ARG_OF[argTool] : undefined,
    risk: name === 'delete' ? 5 : name === argTool ? 3 : 1,
  }));
});

function policiesText(): string {
  const out: string[] = [];
  const add = (id: string, text: string) => out.push(`@id("${id}")\n${text}`);
  for (const s of servers) {
    // Each team uses its servers.
    add(
      `team-${s.name}`,
      `permit (principal in Group::"${s.team}", action in [Action::"call", Action::"get", Action::"read", Action::"complete"], resource in Server::"${s.name}");`,
    );
    // Everyone may use the read-only tools.
    add(
      `readonly-${s.name}`,
      `permit (principal, action == Action::"call", resource is Tool in Server::"${s.name}")\n  when { resource.annotations.readOnlyHint };`,
    );
    // Destructive tools need an approver, except for admins.
    add(
      `destructive-${s.name}`,
      `@approval("approver")\n@reason("Destructive tools need approval.")\nforbid (principal, action == Action::"call", resource is Tool in Server::"${s.name}")\n  when { resource.annotations.destructiveHint }\n  unless { principal.roles.contains("admin") };`,
    );
  }
  for (const t of tools.filter((t) => t.argument !== undefined)) {
    const id = `args-${t.exposed}`;
    const head = `forbid (principal, action == Action::"call", resource == Tool::"${t.exposed}")`;
    if (t.argument === 'path')
      add(
        id,
        `@reason("Only files under /data.")\n${head}\n  unless { context.arguments has path && context.arguments.path like "/data/*" };`,
      );
    else if (t.argument === 'amount')
      add(
        id,
        `@approval\n${head}\n  when { context.arguments has amount && context.arguments.amount > 1000 };`,
      );
    else
      add(
        id,
        `${head}\n  unless { context.arguments has host && ["api.example.com", "cdn.example.com"].contains(context.arguments.host) };`,
      );
  }
  // Production servers: business hours only (UTC), on weekdays.
  for (const s of servers.filter((s) => s.labels.includes('prod'))) {
    add(
      `hours-${s.name}`,
      `forbid (principal, action == Action::"call", resource in Server::"${s.name}")\n  unless { context.time.hour >= 7 && context.time.hour < 20 && !["Sat", "Sun"].contains(context.time.weekday) };`,
    );
  }
  // Some servers only from the office network.
  for (const s of servers.filter((_, i) => i % 8 === 1)) {
    add(
      `network-${s.name}`,
      `forbid (principal, action, resource in Server::"${s.name}")\n  unless { context has sourceAddress && (context.sourceAddress.isLoopback() || context.sourceAddress.isInRange(ip("10.0.0.0/8"))) };`,
    );
  }
  // Writes need the write scope on some servers.
  for (const s of servers.filter((_, i) => i % 8 === 3)) {
    add(
      `scope-${s.name}`,
      `forbid (principal, action == Action::"call", resource is Tool in Server::"${s.name}")\n  unless { resource.annotations.readOnlyHint || context.scopes.contains("tools:write") };`,
    );
  }
  // Global rules.
  add(
    'global-agents-destructive',
    'forbid (principal is Agent, action == Action::"call", resource is Tool)\n  when { resource.annotations.destructiveHint && resource.risk > 3 };',
  );
  add(
    'global-quarantine',
    'forbid (principal, action, resource)\n  when { resource has labels && resource.labels.contains("quarantined") };',
  );
  add(
    'global-pii',
    'forbid (principal, action in [Action::"call", Action::"read", Action::"get"], resource)\n  when { resource has labels && resource.labels.contains("pii") }\n  unless { principal in Group::"security" || principal.roles.contains("dpo") };',
  );
  add('global-tenant', 'forbid (principal, action, resource)\n  unless { principal.tenant == "acme" };');
  add(
    'global-admins',
    'permit (principal, action, resource)\n  when { principal.roles.contains("admin") && context.scopes.contains("admin") };',
  );
  add('global-prompts', 'permit (principal, action == Action::"get", resource is Prompt);');
  add('global-catalog', 'permit (principal, action == Action::"list", resource);');
  // Fill up to 200 with per-tool permits for the support team (realistic long tail of exceptions).
  let i = 0;
  while (out.length < 200) {
    const t = tools[(i * 7) % tools.length]!;
    add(
      `support-${i}`,
      `permit (principal in Group::"support", action == Action::"call", resource == Tool::"${t.exposed}");`,
    );
    i++;
  }
  return out.join('\n\n');
}

const text = policiesText();
const source = loadPolicyFiles(['bench.cedar'], {
  read: () => text,
  argumentsType: '{path?: String, amount?: Long, host?: String}',
});
if (source.policies.length !== 200)
  throw new Error(`expected 200 policies, generated ${source.policies.length}`);

// Principals: users in one or two teams (some admins), and agents.
function principal(i: number): CedarEntity {
  const agent = i % 6 === 5;
  const subject = agent ? `agent-${i}` : `user-${i}`;
  const p: Principal = {
    issuer: 'https://issuer.example',
    subject,
    clientId: agent ? subject : 'desktop',
    agent: undefined,
    groups: i % 3 === 0 ? [TEAMS[i % TEAMS.length]!, 'support'] : [TEAMS[i % TEAMS.length]!],
    roles: i % 10 === 0 ? ['admin'] : [],
    tenant: i % 17 === 16 ? 'globex' : 'acme',
    scopes: i % 2 === 0 ? ['mcp', 'tools:write'] : ['mcp'],
    binding: 'bearer',
    tokenId: undefined,
    expiresAt: 0,
  };
  return principalEntity(p);
}

/** Tuesday 2026-01-06, 10:30 UTC: inside business hours (a few decisions differ at night, see `NIGHT`). */
const DAY = Date.UTC(2026, 0, 6, 10, 30);
const NIGHT = Date.UTC(2026, 0, 6, 22, 30);
function contextOf(i: number, nowMs: number): Record<string, CedarValue> {
  return baseContext({
    principal: undefined,
    nowMs,
    timezone: 'UTC',
    remoteAddress: i % 4 === 3 ? '192.168.7.9' : i % 4 === 2 ? '127.0.0.1' : '10.1.2.3',
    era: '2025-11-25',
    sessionLabels: [],
  });
}
const serverEntities = new Map(servers.map((s) => [s.name, serverEntity(s.name, s.labels)]));
const toolEntities = new Map(
  tools.map((t) => [
    t.exposed,
    toolEntity(
      t.server.name,
      t.exposed,
      { name: t.name, annotations: t.annotations },
      { labels: t.server.labels, risk: t.risk },
    ),
  ]),
);

let fresh = 0;
/** A new argument value every call (the residuals run on it; nothing about it can be cached). */
function argumentsFor(t: ToolSpec): Record<string, CedarValue> {
  fresh++;
  switch (t.argument) {
    case 'path':
      return { path: random() < 0.7 ? `/data/reports/${fresh}.csv` : `/etc/conf-${fresh}`, mode: 'w' };
    case 'amount':
      return { amount: Math.floor(random() * 2000), currency: 'EUR', memo: `invoice ${fresh}` };
    case 'host':
      return {
        host: random() < 0.7 ? 'api.example.com' : `h${fresh}.example.org`,
        path: `/v1/items/${fresh}`,
      };
    default:
      return { query: `q${fresh}`, limit: fresh % 100 };
  }
}

function toolRequest(p: number, t: ToolSpec, nowMs = DAY, withArguments = true): PolicyRequest {
  return {
    principal: principals[p]!,
    action: 'call',
    resource: toolEntities.get(t.exposed)!,
    related: [serverEntities.get(t.server.name)!],
    context: contexts[p]!.get(nowMs)!,
    arguments: withArguments ? argumentsFor(t) : undefined,
    argumentTypes: DECLARED_TYPES[t.argument ?? 'none'],
  };
}

/** The tools' input schemas as list filtering sees them (declared top-level argument types). */
const DECLARED_TYPES = {
  path: { path: 'string', mode: 'string' },
  amount: { amount: 'integer', currency: 'string', memo: 'string' },
  host: { host: 'string', path: 'string' },
  none: { query: 'string', limit: 'integer' },
} as const;

const PRINCIPALS = 60;
const principals = Array.from({ length: PRINCIPALS }, (_, i) => principal(i));
const contexts = principals.map((_, i) => new Map([DAY, NIGHT].map((t) => [t, contextOf(i, t)])));

// The hot working set: 20 principals × 80 tools (per server its argument-dependent tool and one other), 1600
// shapes, well inside the plan cache (4096): a gateway sees the same callers use the same tools within a minute.
const HOT_PRINCIPALS = Array.from({ length: 20 }, (_, i) => i * 3);
const hotTools = servers.flatMap((s, i) =>
  tools.filter(
    (t) => t.server === s && (t.argument !== undefined || t.name === ['read', 'delete', 'list'][i % 3]),
  ),
);
const argTools = hotTools.filter((t) => t.argument !== undefined);
const plainTools = hotTools.filter((t) => t.argument === undefined);

const prompts = servers.slice(0, 10).map((s) => ({
  entity: promptEntity(s.name, `${s.name}__summarize`, { name: 'summarize' }, { labels: s.labels, risk: 0 }),
  server: serverEntities.get(s.name)!,
}));
const resources = servers.slice(0, 10).map((s) => {
  const template = `file:///${s.name}/{name}`;
  const marks = { labels: s.labels, risk: 0 };
  return {
    entity: resourceEntity(
      s.name,
      `file:///${s.name}/readme.md`,
      'file:///readme.md',
      'text/markdown',
      [template],
      marks,
    ),
    related: [serverEntities.get(s.name)!, templateEntity(s.name, template, 'file:///{name}', marks)],
  };
});

// ---------------------------------------------------------------------------------------------------------------
// Workloads: arrays of requests built before timing (building a request is not part of a decision).

function workload(kind: 'args' | 'no-args' | 'mixed', n: number): PolicyRequest[] {
  const out: PolicyRequest[] = [];
  for (let k = 0; k < n; k++) {
    const p = pick(HOT_PRINCIPALS);
    if (kind === 'args') out.push(toolRequest(p, pick(argTools)));
    else if (kind === 'no-args') out.push(toolRequest(p, pick(plainTools)));
    else {
      const r = random();
      if (r < 0.4) out.push(toolRequest(p, pick(argTools)));
      else if (r < 0.8) out.push(toolRequest(p, pick(plainTools)));
      else if (r < 0.9) {
        const pr = pick(prompts);
        const args: Record<string, CedarValue> = { topic: `t${k}` };
        out.push({
          principal: principals[p]!,
          action: 'get',
          resource: pr.entity,
          related: [pr.server],
          context: contexts[p]!.get(DAY)!,
          arguments: args,
        });
      } else {
        const res = pick(resources);
        out.push({
          principal: principals[p]!,
          action: 'read',
          resource: res.entity,
          related: res.related,
          context: contexts[p]!.get(DAY)!,
        });
      }
    }
  }
  return out;
}

/**
 * Requests of a principal id used once. `newShape`: it also belongs to a group of its own, which the slices read
 * (every slice has a group condition), so nothing planned applies. Otherwise it is a new member of a known team:
 * no policy names the person, so the team's plans apply to it.
 */
let unique = 0;
function coldRequests(n: number, withArguments: boolean, newShape = true): PolicyRequest[] {
  return Array.from({ length: n }, () => {
    const base = toolRequest(pick(HOT_PRINCIPALS), pick(hotTools), pick([DAY, NIGHT]), withArguments);
    const id = `cold-${unique++}`;
    const attrs = { ...base.principal.attrs, subject: id };
    const parents = newShape
      ? [...base.principal.parents, { type: 'Group', id: `group-${id}` }]
      : base.principal.parents;
    return { ...base, principal: { uid: { type: base.principal.uid.type, id }, attrs, parents } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Measurement

type Row = 'whole' | 'args' | 'no-args' | 'mixed' | 'cold' | 'new-member' | 'visible-cold' | 'visible-warm';
const ROWS: Row[] = [
  'whole',
  'args',
  'no-args',
  'mixed',
  'cold',
  'new-member',
  'visible-cold',
  'visible-warm',
];

function time(requests: readonly PolicyRequest[], f: (r: PolicyRequest) => unknown): number[] {
  const out = new Array<number>(requests.length);
  let sink = 0;
  for (let k = 0; k < requests.length; k++) {
    const t0 = process.hrtime.bigint();
    const result = f(requests[k]!);
    out[k] = Number(process.hrtime.bigint() - t0) / 1000;
    if (result) sink++;
  }
  if (sink < 0) log('unreachable');
  return out;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  n: number;
}
function stats(samples: number[]): Stats {
  const s = [...samples].sort((x, y) => x - y);
  return {
    p50: percentile(s, 0.5),
    p95: percentile(s, 0.95),
    p99: percentile(s, 0.99),
    mean: s.reduce((x, y) => x + y, 0) / s.length,
    n: s.length,
  };
}

const engine = new PolicyEngine(source);
/** Cold rows add a shape per decision: on an engine of their own, so they never evict the hot working set. */
const coldEngine = new PolicyEngine(source);

// Warm-up: JIT, the whole set preparsed, every hot shape planned.
log(
  `200 policies; ${hotTools.length} hot tools (${argTools.length} argument-dependent) × ${HOT_PRINCIPALS.length} principals; warming up`,
);
for (const r of workload('mixed', 4000)) {
  engine.decide(r);
  engine.decideWhole(r);
  engine.visible(r);
}
for (const p of HOT_PRINCIPALS) {
  for (const t of hotTools) {
    engine.decide(toolRequest(p, t));
    engine.visible(toolRequest(p, t, DAY, false));
  }
}
for (const r of coldRequests(200, true)) coldEngine.decide(r);

const results: Record<Row, Stats[]> = Object.fromEntries(ROWS.map((r) => [r, []])) as unknown as Record<
  Row,
  Stats[]
>;
const ratios: Record<Row, { p50: number[]; p99: number[] }> = Object.fromEntries(
  ROWS.map((r) => [r, { p50: [], p99: [] }]),
) as unknown as Record<Row, { p50: number[]; p99: number[] }>;

/** Busy ticks of our CPU when pinned (else of the whole machine), from /proc/stat. */
function busyTicks(): number {
  const name = pinned ? 'cpu1' : 'cpu';
  const line =
    readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name} `)) ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  return v.slice(0, 8).reduce((x, y) => x + y, 0) - (v[3] ?? 0) - (v[4] ?? 0);
}
/** CPU other tenants used during each repetition on our core (pinned), in % of that core. */
const foreign: number[] = [];

for (let rep = 0; rep < REPS; rep++) {
  const order = ROWS.map((_, k) => ROWS[(k + rep) % ROWS.length]!);
  const measured = {} as Record<Row, Stats>;
  const m0 = busyTicks();
  const s0 = selfCpu(process.pid);
  const t0 = process.hrtime.bigint();
  for (const row of order) {
    let samples: number[];
    switch (row) {
      case 'whole':
        samples = time(workload('mixed', DECISIONS), (r) => engine.decideWhole(r));
        break;
      case 'args':
      case 'no-args':
      case 'mixed':
        samples = time(workload(row, DECISIONS), (r) => engine.decide(r));
        break;
      case 'cold':
        samples = time(coldRequests(COLD, true), (r) => coldEngine.decide(r));
        break;
      case 'new-member':
        samples = time(coldRequests(COLD, true, false), (r) => engine.decide(r));
        break;
      case 'visible-cold':
        samples = time(coldRequests(COLD, false), (r) => coldEngine.visible(r));
        break;
      case 'visible-warm':
        samples = time(workload('mixed', DECISIONS), (r) => engine.visible(r));
        break;
    }
    measured[row] = stats(samples);
    results[row].push(measured[row]);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  foreign.push(Math.max(0, ((busyTicks() - m0 - (selfCpu(process.pid) - s0)) / HZ / seconds) * 100));
  for (const row of ROWS) {
    ratios[row].p50.push(measured[row].p50 / measured.whole.p50);
    ratios[row].p99.push(measured[row].p99 / measured.whole.p99);
  }
  log(
    `rep ${rep + 1}/${REPS} (foreign CPU ${fmt(foreign.at(-1)!, 0)} %): ` +
      ROWS.map((r) => `${r} p50 ${fmt(measured[r].p50, 0)} µs`).join(', '),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const LABEL: Record<Row, string> = {
  whole: 'whole set, one Cedar call (`decideWhole`, baseline)',
  args: '`decide`, argument-dependent tools (fresh arguments)',
  'no-args': '`decide`, argument-independent tools (plan cached)',
  mixed: '`decide`, mixed workload',
  cold: '`decide`, first decision of a new request shape',
  'new-member': '`decide`, first decision of a new principal in a known team',
  'visible-cold': '`visible` (list filtering), new shape',
  'visible-warm': '`visible` (list filtering), known shape',
};
/** The budget applies to a decision on the hot path; cold rows are reported against it for information. */
const JUDGED: ReadonlySet<Row> = new Set(['args', 'no-args', 'mixed', 'visible-warm']);
const P50_BUDGET = 100;
const P99_BUDGET = 250;

const med = (row: Row, f: (s: Stats) => number) => median(results[row].map(f));
const lines: string[] = [];
const p = (s = '') => lines.push(s);
p(
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${CPUS} CPUs, ` +
    `${pinned ? 'pinned to CPU 1' : 'unpinned'}; 200 policies; ${REPS} reps × ${DECISIONS} decisions per row ` +
    `(cold rows: ${COLD}); medians over reps. Other tenants' CPU during the reps, ${pinned ? 'on CPU 1' : 'machine-wide'}: ${foreign.map((f) => fmt(f, 0)).join(', ')} % of a core.`,
);
p();
p(
  '| row | p50 µs | p95 µs | p99 µs | mean µs | p50 range µs | p99 range µs | p50 ÷ whole | p99 ÷ whole | p50 ≤ 100 µs | p99 ≤ 250 µs |',
);
p('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
for (const row of ROWS) {
  const p50 = med(row, (s) => s.p50);
  const p99 = med(row, (s) => s.p99);
  const range = (f: (s: Stats) => number) => {
    const xs = results[row].map(f);
    return `${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)}`;
  };
  const verdict = (v: number, budget: number) =>
    row === 'whole' ? '–' : (v <= budget ? 'yes' : 'NO') + (JUDGED.has(row) ? '' : ' (not judged)');
  const cells = [
    LABEL[row],
    fmt(p50, 0),
    fmt(
      med(row, (s) => s.p95),
      0,
    ),
    fmt(p99, 0),
    fmt(
      med(row, (s) => s.mean),
      0,
    ),
    range((s) => s.p50),
    range((s) => s.p99),
    fmt(median(ratios[row].p50)),
    fmt(median(ratios[row].p99)),
    verdict(p50, P50_BUDGET),
    verdict(p99, P99_BUDGET),
  ];
  p(`| ${cells.join(' | ')} |`);
}
p();
p(
  'Ranges: the lowest and highest of the per-repetition percentiles. Ratios: median over reps of row ÷ whole set.',
);
process.stdout.write(`${lines.join('\n')}\n`);

const outFile = resolve(ROOT, a.out);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      startedAt: new Date().toISOString(),
      node: process.version,
      cpus: CPUS,
      pinned,
      reps: REPS,
      decisions: DECISIONS,
      cold: COLD,
      foreign,
      results,
      ratios,
    },
    null,
    1,
  ),
);
log(`raw results: ${a.out}`);
