// Tiny /proc readers (Linux only): CPU ticks of a process and of its tree (including reaped children),
// RSS, and machine-wide busy ticks. CPU per call is computed from these, not from inside the process
// under test, so every system is measured the same way without instrumenting it.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on Linux x86_64 and arm64). */
export const HZ = 100;

type Stat = { ppid: number; utime: number; stime: number; cutime: number; cstime: number };

function readStat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] = field 3 (state); utime = field 14 -> f[11], stime f[12], cutime f[13], cstime f[14]
    return {
      ppid: Number(f[1]),
      utime: Number(f[11]),
      stime: Number(f[12]),
      cutime: Number(f[13]),
      cstime: Number(f[14]),
    };
  } catch {
    return null; // the process is gone (or never existed)
  }
}

/** Resident set size in kB, 0 when the process is gone. */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** All live descendants of root (not including root). */
export function descendants(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(Number(d));
    if (!st) continue;
    const list = kids.get(st.ppid);
    if (list) list.push(Number(d));
    else kids.set(st.ppid, [Number(d)]);
  }
  const out: number[] = [];
  const stack = [...(kids.get(root) ?? [])];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** CPU ticks (user+system) of one process, its own threads only. */
export function selfCpu(pid: number): number {
  const s = readStat(pid);
  return s ? s.utime + s.stime : 0;
}

export type TreeCpu = { self: number; children: number; total: number };

/**
 * CPU ticks of a process tree split into the root ("self") and everything below it ("children": live
 * descendants plus reaped ones, which the kernel folds into cutime/cstime of the parent that waited).
 */
export function treeCpu(root: number): TreeCpu {
  const r = readStat(root);
  if (!r) return { self: 0, children: 0, total: 0 };
  let children = r.cutime + r.cstime;
  for (const p of descendants(root)) {
    const s = readStat(p);
    if (s) children += s.utime + s.stime + s.cutime + s.cstime;
  }
  const self = r.utime + r.stime;
  return { self, children, total: self + children };
}

/** RSS (kB) of root and the sum over its live descendants. */
export function treeRss(root: number): { self: number; children: number; count: number } {
  const d = descendants(root);
  let children = 0;
  for (const p of d) children += rssKb(p);
  return { self: rssKb(root), children, count: d.length };
}

/** Machine-wide busy ticks (all CPUs) from /proc/stat, for the noise estimate. */
export function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = total of the first 8 minus idle and iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return total - (v[3] ?? 0) - (v[4] ?? 0);
}
