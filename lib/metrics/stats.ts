/**
 * The few statistics the metrics need, written to match numpy / Python's statistics module:
 * population variance (divide by N), two-pass (mean first) so long tracks keep precision,
 * and a median that averages the two middle values of an even count.
 */

/** Arithmetic mean; NaN for an empty input. */
export function mean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i];
  return s / n;
}

/** Population variance (numpy `var`, ddof=0); NaN for an empty input. */
export function populationVar(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    s += d * d;
  }
  return s / n;
}

/** Population standard deviation (numpy `std`, ddof=0); NaN for an empty input. */
export function populationStd(xs: ArrayLike<number>): number {
  return Math.sqrt(populationVar(xs));
}

/** First differences x[i+1] - x[i] (numpy `diff`). */
export function diff(xs: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 1; i < xs.length; i++) out.push(xs[i] - xs[i - 1]);
  return out;
}

/** Median (Python `statistics.median`: mean of the two middle values for an even count); NaN when empty. */
export function median(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const s = Array.from(xs).sort((a, b) => a - b);
  const h = n >> 1;
  return n % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Mean of the values that are not NaN (0.0 counts), and how many there were; NaN when none. */
export function nanMean(xs: ArrayLike<number>): { mean: number; count: number } {
  let s = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (Number.isNaN(x)) continue;
    s += x;
    n++;
  }
  return { mean: n === 0 ? NaN : s / n, count: n };
}
