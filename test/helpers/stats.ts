/** Small statistics for tests: correlation and least-squares slope of paired samples. */

function centred(a: ArrayLike<number>, b: ArrayLike<number>): { sab: number; saa: number; sbb: number } {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return { sab, saa, sbb };
}

/** Pearson correlation of a and b. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { sab, saa, sbb } = centred(a, b);
  return sab / Math.sqrt(saa * sbb);
}

/** Least-squares slope of b on a. */
export function slope(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { sab, saa } = centred(a, b);
  return sab / saa;
}
