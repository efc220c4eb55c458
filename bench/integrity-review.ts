// `npm run bench:integrity`: what the rug-pull quarantine costs. It runs once per list fetched from a server (at
// connect, on list_changed, every recheck), never per call, so the figures are per fetched list of N tools:
//
//   hash        canonical JSON + SHA-256 of every definition and the set hash (the baseline: work any pinning does)
//   steady      review of an unchanged list against its pins (the common case)
//   one-change  review of the list with one description changed (records the change, diffs it)
//   first-use   trust on first use of a new server's list (pins every definition)
//
// Medians of per-repetition medians, each repetition a fresh state directory.
//
//   node bench/integrity-review.ts [--tools 500] [--reps 7] [--runs 30]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PinStore } from '../src/integrity/pin-store.ts';
import { pinOf, setHash } from '../src/integrity/pins.ts';
import { Quarantine } from '../src/integrity/quarantine.ts';

const { values } = parseArgs({
  options: {
    tools: { type: 'string', default: '500' },
    reps: { type: 'string', default: '7' },
    runs: { type: 'string', default: '30' },
  },
});
const TOOLS = Number(values.tools);
const REPS = Number(values.reps);
const RUNS = Number(values.runs);

function toolList(variant: number): Record<string, unknown>[] {
  return Array.from({ length: TOOLS }, (_, i) => ({
    name: `tool_${i}`,
    title: `Tool ${i}`,
    description: `Does thing number ${i} with the given arguments and returns a short report of what it did.${i === 0 && variant > 0 ? ` (v${variant})` : ''}`,
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'A path under the project root.' },
        limit: { type: 'integer', minimum: 1, maximum: 1000 },
        mode: { type: 'string', enum: ['fast', 'thorough'] },
      },
      required: ['path'],
    },
    annotations: { readOnlyHint: i % 2 === 0, openWorldHint: false },
  }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const time = (work: () => void) => {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

const rows: Record<string, number[]> = { hash: [], steady: [], 'one-change': [], 'first-use': [] };
for (let rep = 0; rep < REPS; rep++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rampart-bench-integrity-'));
  const store = PinStore.open(dir);
  let clock = 0;
  let server = 0;
  const quarantine = new Quarantine({
    store,
    modeOf: () => 'tofu',
    approvalsRequired: 1,
    now: () => ++clock,
    onEvent: () => undefined,
    onDecided: () => undefined,
  });
  const list = toolList(0);
  const samples: Record<string, number[]> = { hash: [], steady: [], 'one-change': [], 'first-use': [] };
  for (let run = 0; run < RUNS; run++) {
    samples['hash']!.push(time(() => setHash(list.map((t) => pinOf('tool', t)))));
    const name = `s${server++}`;
    samples['first-use']!.push(time(() => quarantine.review(name, 'tool', list)));
    samples['steady']!.push(time(() => quarantine.review(name, 'tool', list)));
    const changed = toolList(run + 1);
    samples['one-change']!.push(time(() => quarantine.review(name, 'tool', changed)));
  }
  for (const [row, xs] of Object.entries(samples)) rows[row]!.push(median(xs));
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

const baseline = median(rows['hash']!);
console.log(`integrity review of a list of ${TOOLS} tools: medians of ${REPS} repetitions x ${RUNS} runs`);
console.log('row          ms/list   ×hash');
for (const [row, xs] of Object.entries(rows)) {
  const ms = median(xs);
  console.log(`${row.padEnd(12)} ${ms.toFixed(2).padStart(8)}   ${(ms / baseline).toFixed(2)}`);
}
