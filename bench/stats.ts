// Number helpers shared by the report tables.

/** Median of the finite numbers among xs (NaN when there are none). */
export function median(xs: (number | null | undefined)[]): number {
  const s = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
export const int = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : '–');
/** A difference with its sign, rounded: "+13", "-2". */
export const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${Math.round(x)}` : '–');
