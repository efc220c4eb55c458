// A line diff (Myers' O((N+M)D) greedy algorithm) between two versions of a file: the shortest edit script of
// kept, deleted and inserted lines. Common leading and trailing lines are trimmed first; past MAX_EDITS the
// middle is reported as deleted-then-inserted (still a correct diff, no longer the shortest), which bounds the
// memory the trace needs (about MAX_EDITS² integers).
export type DiffOp = { readonly kind: 'equal' | 'delete' | 'insert'; readonly line: string };

const MAX_EDITS = 2000;

/** The edit script turning `a` into `b`, line by line. */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = MAX_EDITS): DiffOp[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const middle = myers(midA, midB, maxEdits) ?? [
    ...midA.map((line): DiffOp => ({ kind: 'delete', line })),
    ...midB.map((line): DiffOp => ({ kind: 'insert', line })),
  ];
  return [
    ...a.slice(0, start).map((line): DiffOp => ({ kind: 'equal', line })),
    ...middle,
    ...a.slice(endA).map((line): DiffOp => ({ kind: 'equal', line })),
  ];
}

/** The shortest edit script, or undefined when it needs more than `maxEdits` edits. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffOp[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  // v[offset + k]: the furthest x reached on diagonal k (k = x - y).
  const v = new Int32Array(2 * max + 3);
  // trace[d]: v before step d, diagonals -d-1..d+1 (index k + d + 1).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace);
    }
  }
  return undefined;
}

function backtrack(a: readonly string[], b: readonly string[], trace: readonly Int32Array[]): DiffOp[] {
  const ops: DiffOp[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d]!;
    const at = (k: number) => v[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: 'equal', line: a[x - 1]! });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: 'insert', line: b[prevY]! });
      else ops.push({ kind: 'delete', line: a[prevX]! });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}
