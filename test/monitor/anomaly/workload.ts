// A deterministic fixture workload for the anomaly tests: a few principals and agents doing ordinary work over
// simulated days (office hours on weekdays, an hourly CI job around the clock), with sessions, quick bursts of
// calls, the odd denial and error, and result sizes that vary per tool. Seeded, so every run is the same.
import { alertsSchema } from '../../../src/config/alerts-schema.ts';
import type { Alert } from '../../../src/monitor/anomaly/alert.ts';
import { AnomalyDetector } from '../../../src/monitor/anomaly/detector.ts';
import type { CallObservation, PrincipalRef } from '../../../src/monitor/anomaly/observation.ts';

export const ISSUER = 'https://idp.example';
/** Monday 2026-01-05, 00:00 UTC: day 0 of the workload. */
export const START = Date.parse('2026-01-05T00:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

interface Tool {
  readonly server: string;
  readonly name: string;
  readonly method?: string;
  readonly weight: number;
  /** Typical result size range in bytes; `big` is the occasional large result. */
  readonly bytes: readonly [number, number];
  readonly annotations?: CallObservation['annotations'];
}

export interface Persona {
  readonly id: string;
  readonly principalRef: PrincipalRef | undefined;
  readonly agent: string;
  /** `office`: weekdays within [first, last) hours UTC; `cron`: a short job every hour of every day. */
  readonly schedule: 'office' | 'cron';
  /** Tool mixes; each session uses one of them. */
  readonly kinds: readonly (readonly Tool[])[];
}

const RO = { readOnlyHint: true } as const;
const OPEN = { openWorldHint: true } as const;

const fs = (
  name: string,
  weight: number,
  bytes: readonly [number, number],
  annotations?: Tool['annotations'],
) => ({ server: 'fs', name: `fs__${name}`, weight, bytes, annotations }) satisfies Tool;

export const ALICE: Persona = {
  id: 'alice',
  principalRef: { issuer: ISSUER, subject: 'alice', clientId: 'claude-code', agent: 'claude-code' },
  agent: 'claude-code',
  schedule: 'office',
  kinds: [
    [
      fs('read_file', 40, [1_000, 60_000], RO),
      fs('list_directory', 15, [300, 4_000], RO),
      fs('search_files', 10, [500, 20_000], RO),
      fs('write_file', 8, [50, 200]),
      { server: 'github', name: 'github__get_issue', weight: 8, bytes: [2_000, 15_000], annotations: RO },
      { server: 'github', name: 'github__list_issues', weight: 5, bytes: [5_000, 40_000], annotations: RO },
      { server: 'github', name: 'github__search_code', weight: 6, bytes: [3_000, 30_000], annotations: RO },
      { server: 'github', name: 'github__create_comment', weight: 3, bytes: [300, 800], annotations: OPEN },
    ],
  ],
};

export const BOB: Persona = {
  id: 'bob',
  principalRef: { issuer: ISSUER, subject: 'bob', clientId: 'cursor', agent: 'cursor' },
  agent: 'cursor',
  schedule: 'office',
  kinds: [
    [
      { server: 'db', name: 'db__query', weight: 30, bytes: [500, 80_000], annotations: RO },
      { server: 'db', name: 'db__describe_table', weight: 10, bytes: [300, 3_000], annotations: RO },
      { server: 'db', name: 'db__list_tables', weight: 5, bytes: [200, 1_500], annotations: RO },
      fs('read_file', 20, [1_000, 50_000], RO),
      fs('write_file', 5, [50, 200]),
    ],
  ],
};

/** Reads HR records in some sessions and writes to chat and mail in others, never both in one session. */
export const CAROL: Persona = {
  id: 'carol',
  principalRef: { issuer: ISSUER, subject: 'carol', clientId: 'assistant', agent: 'assistant' },
  agent: 'assistant',
  schedule: 'office',
  kinds: [
    [
      { server: 'hr', name: 'hr__get_employee', weight: 20, bytes: [800, 4_000], annotations: RO },
      { server: 'hr', name: 'hr__list_employees', weight: 8, bytes: [5_000, 30_000], annotations: RO },
      { server: 'hr', name: 'hr__review_template', method: 'prompts/get', weight: 3, bytes: [1_000, 3_000] },
    ],
    [
      { server: 'slack', name: 'slack__list_channels', weight: 5, bytes: [1_000, 6_000], annotations: OPEN },
      { server: 'slack', name: 'slack__post_message', weight: 15, bytes: [200, 600], annotations: OPEN },
      { server: 'mail', name: 'mail__send_email', weight: 4, bytes: [100, 300] },
    ],
  ],
};

export const CI: Persona = {
  id: 'ci',
  principalRef: { issuer: ISSUER, subject: 'svc-ci', clientId: 'ci', agent: 'ci' },
  agent: 'ci',
  schedule: 'cron',
  kinds: [
    [
      { server: 'github', name: 'github__list_issues', weight: 4, bytes: [5_000, 40_000], annotations: RO },
      { server: 'github', name: 'github__get_issue', weight: 10, bytes: [2_000, 15_000], annotations: RO },
      { server: 'github', name: 'github__create_comment', weight: 2, bytes: [300, 800], annotations: OPEN },
    ],
  ],
};

/** A local user without authentication: its baseline is `anonymous` + agent. */
export const DAVE: Persona = {
  id: 'dave',
  principalRef: undefined,
  agent: 'local-cli',
  schedule: 'office',
  kinds: [
    [
      fs('read_file', 10, [1_000, 30_000], RO),
      fs('list_directory', 5, [300, 4_000], RO),
      { server: 'fs', name: 'fs://notes/todo.md', method: 'resources/read', weight: 2, bytes: [200, 2_000] },
    ],
  ],
};

export const PERSONAS: readonly Persona[] = [ALICE, BOB, CAROL, CI, DAVE];

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One observation of `persona` calling `tool` at `timeMs`; overrides win. */
export function call(
  persona: Persona,
  timeMs: number,
  target: { server: string; name: string; method?: string; annotations?: CallObservation['annotations'] },
  overrides: Partial<CallObservation> = {},
): CallObservation {
  const ref = persona.principalRef;
  return {
    timeMs,
    principal: ref ? `${ref.issuer}|${ref.subject}` : undefined,
    principalRef: ref,
    agent: persona.agent,
    sessionId: `${persona.id}-session`,
    server: target.server,
    method: target.method ?? 'tools/call',
    name: target.name,
    decision: 'allowed',
    bytesIn: 120,
    bytesOut: 2_000,
    annotations: target.annotations,
    ...overrides,
  };
}

/** A tool of a persona by name, for crafted calls that must look like its usual ones. */
export function toolOf(persona: Persona, name: string): Tool {
  for (const kind of persona.kinds) {
    const tool = kind.find((t) => t.name === name);
    if (tool) return tool;
  }
  throw new Error(`${persona.id} has no tool ${name}`);
}

function pick(tools: readonly Tool[], random: () => number): Tool {
  const total = tools.reduce((sum, t) => sum + t.weight, 0);
  let r = random() * total;
  for (const tool of tools) {
    r -= tool.weight;
    if (r < 0) return tool;
  }
  return tools.at(-1)!;
}

function decision(random: () => number): CallObservation['decision'] {
  const r = random();
  return r < 0.004 ? 'denied' : r < 0.02 ? 'errored' : 'allowed';
}

function observation(
  persona: Persona,
  t: number,
  tool: Tool,
  sessionId: string,
  random: () => number,
): CallObservation {
  const d = decision(random);
  const [lo, hi] = tool.bytes;
  // Now and then a result is far bigger than usual (a long file, a wide query).
  const big = random() < 0.02 ? 10 : 1;
  const bytesOut = d === 'denied' ? 0 : Math.round((lo + random() * (hi - lo)) * big);
  return call(persona, Math.round(t), tool, {
    sessionId,
    decision: d,
    bytesIn: 80 + Math.round(random() * 400),
    bytesOut,
  });
}

/** Calls of one session from `start` for `lengthMs`: gaps of seconds to a minute, with quick bursts. */
function session(
  persona: Persona,
  start: number,
  lengthMs: number,
  sessionId: string,
  random: () => number,
  out: CallObservation[],
): void {
  const tools = persona.kinds[Math.floor(random() * persona.kinds.length)]!;
  let t = start;
  while (t < start + lengthMs) {
    out.push(observation(persona, t, pick(tools, random), sessionId, random));
    if (random() < 0.08) {
      // An agent working through a list: a handful of calls a second or two apart.
      const n = 4 + Math.floor(random() * 8);
      for (let i = 0; i < n; i++) {
        t += 800 + random() * 2_200;
        out.push(observation(persona, t, pick(tools, random), sessionId, random));
      }
    }
    t += 4_000 + random() * 56_000;
  }
}

function officeDay(persona: Persona, day: number, random: () => number, out: CallObservation[]): void {
  const dayStart = START + day * DAY;
  const weekday = new Date(dayStart).getUTCDay();
  if (weekday === 0 || weekday === 6) return;
  const first = dayStart + 8 * HOUR + random() * 90 * MINUTE;
  const last = dayStart + 17 * HOUR + random() * 55 * MINUTE;
  let t = first;
  for (let n = 0; t < last; n++) {
    const lunch = dayStart + 12 * HOUR;
    if (t >= lunch && t < lunch + HOUR) {
      t = lunch + HOUR + random() * 15 * MINUTE;
      continue;
    }
    const length = Math.min(5 * MINUTE + random() * 40 * MINUTE, last - t);
    session(persona, t, length, `${persona.id}-${day}-${n}`, random, out);
    t += length + 2 * MINUTE + random() * 38 * MINUTE;
  }
}

function cronDay(persona: Persona, day: number, random: () => number, out: CallObservation[]): void {
  const tools = persona.kinds[0]!;
  for (let hour = 0; hour < 24; hour++) {
    let t = START + day * DAY + hour * HOUR + 3 * MINUTE + random() * 4 * MINUTE;
    const n = 12 + Math.floor(random() * 12);
    const sessionId = `${persona.id}-${day}-${hour}`;
    for (let i = 0; i < n; i++) {
      out.push(observation(persona, t, pick(tools, random), sessionId, random));
      t += 1_000 + random() * 2_000;
    }
  }
}

/** Every persona's calls over `days` days from START, merged in time order. */
export function workload(days: number, seed = 42): CallObservation[] {
  const out: CallObservation[] = [];
  PERSONAS.forEach((persona, index) => {
    const random = rng(seed * 1_000 + index);
    for (let day = 0; day < days; day++) {
      if (persona.schedule === 'office') officeDay(persona, day, random, out);
      else cronDay(persona, day, random, out);
    }
  });
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/** The test config: defaults, plus what `risky_sequence` needs to know about the fixture's servers. */
export function testConfig(overrides: Record<string, unknown> = {}) {
  const { rules, ...rest } = overrides as { rules?: Record<string, unknown> };
  return alertsSchema.parse({
    ...rest,
    rules: {
      ...rules,
      riskySequence: {
        privateServers: ['hr', 'db'],
        sendsOut: [{ server: 'mail' }],
        ...(rules?.['riskySequence'] as object | undefined),
      },
    },
  });
}

/** A detector on a clock that follows the observations fed to it, collecting what it raises. */
export function harness(config = testConfig()) {
  let now = START;
  const alerts: Alert[] = [];
  const errors: unknown[] = [];
  const detector = new AnomalyDetector(config, {
    now: () => now,
    onAlert: (alert) => alerts.push(alert),
    onError: (err) => errors.push(err),
  });
  return {
    detector,
    alerts,
    errors,
    feed(observations: readonly CallObservation[]): void {
      for (const obs of observations) {
        now = obs.timeMs;
        detector.observe(obs);
      }
    },
    /** Alerts raised from here on. */
    since(): () => Alert[] {
      const mark = alerts.length;
      return () => alerts.slice(mark);
    },
  };
}

/** A harness that has learned `days` days of the workload (asserting they raised nothing). */
export function trained(days = 10, config = testConfig()) {
  const h = harness(config);
  h.feed(workload(days));
  if (h.alerts.length > 0 || h.errors.length > 0) {
    throw new Error(`the baseline workload raised ${JSON.stringify(h.alerts.map((a) => a.message))}`);
  }
  return h;
}

/** Day `day` of the workload at hh:mm UTC. */
export function at(day: number, hh: number, mm = 0): number {
  return START + day * DAY + hh * HOUR + mm * MINUTE;
}
