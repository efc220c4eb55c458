// Look-alike tool names against the other tools of the session: the same TR39 skeleton under different code points,
// a known name wrapped in affixes (`_v2`, `best-`, `official_`, a trailing `_`), or a near-miss by edit distance.
// The check is directional: the tool carrying the affix or the foreign letters is the imposter, not the original.

import type { Finding } from '../finding.ts';
import { skeleton } from './confusables.ts';

const PREFIX =
  /^(?:best|better|official|real|true|genuine|new|secure|safe|verified|trusted|super|pro|premium|improved|advanced|latest|updated|fixed|enhanced|ultimate|the|my|original)[-_.]?/iu;
const SUFFIX =
  /(?:[-_.]?(?:v\d+(?:\.\d+)*|\d+|new|pro|plus|official|real|fixed|updated|latest|secure|safe|verified|enhanced|improved|premium|copy|alt|final|2)|[-_.]+)$/iu;
// Names that advertise themselves ("best-", "official_") are preference manipulation even without a twin.
const SELF_PROMOTING =
  /^(?:best|better|official|verified|trusted|ultimate|premium|super|number[-_]?one|top)[-_.]/iu;

function core(name: string): string {
  let n = name;
  for (let i = 0; i < 3; i++) {
    const next = n.replace(PREFIX, '').replace(SUFFIX, '');
    if (next === n || next.length < 3) break;
    n = next;
  }
  return n;
}

/** Optimal-string-alignment distance (edits and adjacent swaps), stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swapped pair (`emial` for `email`) is one typo, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, before[j - 2]! + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

const SEPARATORS = /[-_.\s]+/g;
const EDGE_SEPARATORS = /^[-_.\s]+|[-_.\s]+$/g;
// Singular/plural siblings (`get_issue`, `get_issues`) are normal API design, not typosquatting.
const pluralPair = (a: string, b: string) =>
  a === `${b}s` || b === `${a}s` || a === `${b}es` || b === `${a}es`;

/** Findings for `name` imitating one of `otherTools` (the name itself excluded), plus self-promoting prefixes. */
export function lookalikeName(name: string, otherTools: readonly string[], out: Finding[]): void {
  const span = { field: 'name', start: 0, end: name.length };
  if (SELF_PROMOTING.test(name)) {
    out.push({ rule: 'meta.promotional_name', severity: 'medium', evidence: name.slice(0, 200), span });
  }
  const sk = skeleton(name);
  const nonAscii = /[^\x20-\x7e]/.test(name);
  const myCore = skeleton(core(name));
  let nearMiss: string | undefined;
  for (const other of otherTools) {
    if (other === name) continue;
    const otherSk = skeleton(other);
    if (sk === otherSk) {
      // Same skeleton: the one with foreign or unusual code points imitates the plain one.
      if (nonAscii || !/[^\x20-\x7e]/.test(other)) {
        out.push({
          rule: 'meta.confusable_name',
          severity: 'critical',
          evidence: `${name} looks like ${other}`,
          span,
        });
        return;
      }
      continue;
    }
    // Affix wrapping: our core is the other name, and we are the longer one.
    if (
      name.length > other.length &&
      (myCore === otherSk || skeleton(core(other)) === myCore) &&
      otherSk.length >= 3
    ) {
      if (myCore === otherSk || sk.includes(otherSk)) {
        out.push({ rule: 'meta.affixed_name', severity: 'high', evidence: `${name} wraps ${other}`, span });
        return;
      }
    }
    // Same name but for separators or case (`get-weather`, `GetWeather` vs `get_weather`): one is an imitation.
    // (Edge separators only, as in `compute_`, make the longer name the imposter: the affix rule covers it.)
    const edgeOnly = sk.replace(EDGE_SEPARATORS, '') === otherSk.replace(EDGE_SEPARATORS, '');
    if (!edgeOnly && sk.replace(SEPARATORS, '') === otherSk.replace(SEPARATORS, '')) {
      out.push({ rule: 'meta.separator_twin', severity: 'high', evidence: `${name} mirrors ${other}`, span });
      return;
    }
    if (
      nearMiss === undefined &&
      sk.length >= 6 &&
      !pluralPair(sk, otherSk) &&
      editDistance(sk, otherSk, 1) <= 1
    ) {
      nearMiss = other;
    }
  }
  if (nearMiss !== undefined) {
    out.push({
      rule: 'meta.near_miss_name',
      severity: 'medium',
      evidence: `${name} is one edit from ${nearMiss}`,
      span,
    });
  }
}
