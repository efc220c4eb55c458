// The outcome of one argument check: either the vetted value (with what a caller may need, e.g. the address a
// URL was vetted against) or the reason it was refused. Reasons name what was wrong, never echo secrets.

/** A check's outcome; `T` carries what was vetted. */
export type Verdict<T = undefined> = { ok: true; value: T } | { ok: false; reason: string };

/** A refusal with its reason. */
export function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
