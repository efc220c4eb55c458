// The machine is shared: estimate other tenants' CPU ("foreign" = machine busy ticks minus ours) so
// runs can wait for a quiet moment and every result carries how noisy its moment was.
import { setTimeout as sleep } from 'node:timers/promises';
import { runningChildren } from './processes.ts';
import { HZ, machineBusyTicks, selfCpu, treeCpu } from './procfs.ts';
import type { Gate } from './types.ts';

/** CPU ticks of this orchestrator plus every process tree it started (the loadgen included). */
export function ourTicks(): number {
  let t = selfCpu(process.pid);
  for (const c of runningChildren()) if (c.pid) t += treeCpu(c.pid).total;
  return t;
}

/** Foreign CPU in % of one core over a window. */
export async function foreignLoad(windowMs = 400): Promise<number> {
  const m0 = machineBusyTicks();
  const o0 = ourTicks();
  await sleep(windowMs);
  const m1 = machineBusyTicks();
  const o1 = ourTicks();
  return Math.max(0, ((m1 - m0 - (o1 - o0)) / HZ / (windowMs / 1000)) * 100);
}

/** Waits (at most maxWaitS) until foreign CPU is below thresholdPct of a core. Never fails: it records. */
export async function quietGate(maxWaitS: number, thresholdPct = 25): Promise<Gate> {
  const t0 = Date.now();
  let f = await foreignLoad();
  while (f > thresholdPct && Date.now() - t0 < maxWaitS * 1000) {
    await sleep(600);
    f = await foreignLoad();
  }
  return { foreignPctBefore: Math.round(f), waitedS: Math.round((Date.now() - t0) / 100) / 10 };
}
