// Globs of the alert matchers: `*` any run of characters, `?` one character, everything else literal. Names
// (servers, tools) have no path structure, so `*` crosses every character, `/` included. Matched with the
// classic two-pointer walk (at most pattern × value steps) rather than a RegExp, which can backtrack
// exponentially on patterns like `*a*a*a*b`.

/** True when `value` matches `pattern` as a whole. */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = v;
    } else if (c !== undefined && (c === '?' || c === value[v])) {
      p++;
      v++;
    } else if (star >= 0) {
      // Let the last star swallow one more character and retry from there.
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
