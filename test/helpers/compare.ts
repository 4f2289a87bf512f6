/** Deterministic inputs and the error measure used by the converter parity tests. */

/** mulberry32: a small seeded PRNG so a failing case can be replayed. */
export function seededUniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

export interface Diff {
  maxAbs: number;
  maxRef: number;
  /** max |a - ref| / max |ref|: the relative error in the infinity norm. */
  rel: number;
}

export function compare(a: ArrayLike<number>, ref: ArrayLike<number>): Diff {
  if (a.length !== ref.length) throw new Error(`length ${a.length} vs reference ${ref.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  let nan = false;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(a[i] - ref[i]);
    if (Number.isNaN(d)) nan = true;
    else maxAbs = Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  if (nan) maxAbs = NaN; // fails every "<=" check
  return { maxAbs, maxRef, rel: maxRef > 0 ? maxAbs / maxRef : maxAbs };
}
