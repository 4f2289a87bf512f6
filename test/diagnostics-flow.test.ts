/**
 * The optical flow of the motion diagnostics (native/flow/dense_flow.cc) against KNOWN
 * motion: a band-limited texture (24 sinusoids, random directions, |k| <= 0.5 rad/px) is
 * evaluated analytically at the moved positions, so the true displacement of every pixel is
 * exact. Endpoint error (EPE) over the interior (16-px margin), in pixels of a 128 x 128 image
 * (the default working size). The bounds are the measured values (docs/diagnostics.md) with
 * headroom; a broken pyramid, sign or update would exceed them by an order of magnitude.
 */
import { describe, expect, it } from 'vitest';
import { native } from '../lib/native.js';

const W = 128, H = 128;
let seed = 7;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
const comps = Array.from({ length: 24 }, () => {
  const a = rnd() * Math.PI * 2, k = 0.05 + 0.45 * rnd();
  return [k * Math.cos(a), k * Math.sin(a), rnd() * 6.28, 8 + 12 * rnd()] as const;
});
const tex = (x: number, y: number): number => comps.reduce((s, [kx, ky, p, A]) => s + A * Math.sin(kx * x + ky * y + p), 128);
const image = (fn: (x: number, y: number) => number): Float32Array => {
  const a = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) a[y * W + x] = fn(x, y);
  return a;
};

/** `src(x, y)`: where the content shown at (x, y) in frame 1 came from in frame 0. */
function epe(src: (x: number, y: number) => [number, number]): { mean: number; p95: number } {
  const i0 = image(tex);
  const i1 = image((x, y) => tex(...src(x, y)));
  const { u, v } = native().denseFlow(i0, i1, W, H);
  const e: number[] = [];
  for (let y = 16; y < H - 16; y++)
    for (let x = 16; x < W - 16; x++) {
      // True displacement of pixel (x, y) of frame 0: the q with src(q) = (x, y) (fixed point).
      let qx = x, qy = y;
      for (let k = 0; k < 30; k++) {
        const [px, py] = src(qx, qy);
        qx += x - px;
        qy += y - py;
      }
      e.push(Math.hypot(u[y * W + x] - (qx - x), v[y * W + x] - (qy - y)));
    }
  e.sort((a, b) => a - b);
  return { mean: e.reduce((a, b) => a + b, 0) / e.length, p95: e[Math.floor(0.95 * e.length)] };
}

describe('dense optical flow vs known synthetic motion (128 x 128)', () => {
  const c = 64;
  const cases: Array<[string, (x: number, y: number) => [number, number], number]> = [
    ['sub-pixel translation (0.3, 0.7)', (x, y) => [x - 0.3, y - 0.7], 0.05],
    ['sub-pixel translation (0.5, -0.25)', (x, y) => [x - 0.5, y + 0.25], 0.05],
    ['translation (2.4, -1.6)', (x, y) => [x - 2.4, y + 1.6], 0.06],
    ['translation (6, 4): needs the pyramid', (x, y) => [x - 6, y - 4], 0.05],
    ['rotation 2 degrees about the centre', (x, y) => {
      const a = (2 * Math.PI) / 180, dx = x - c, dy = y - c;
      return [c + Math.cos(a) * dx + Math.sin(a) * dy, c - Math.sin(a) * dx + Math.cos(a) * dy];
    }, 0.16],
    ['zoom x1.03 about the centre', (x, y) => [c + (x - c) / 1.03, c + (y - c) / 1.03], 0.12],
  ];
  for (const [name, src, bound] of cases) {
    it(`${name}: mean EPE < ${bound} px`, () => {
      const r = epe(src);
      console.log(`${name}: EPE mean ${r.mean.toFixed(4)} px, p95 ${r.p95.toFixed(3)} px`);
      expect(r.mean).toBeLessThan(bound);
    });
  }

  it('no motion gives zero flow; swapping the frames flips the sign', () => {
    const i0 = image(tex);
    const still = native().denseFlow(i0, i0, W, H);
    expect(Math.max(...still.u.map(Math.abs), ...still.v.map(Math.abs))).toBe(0);
    const i1 = image((x, y) => tex(x - 1.5, y + 0.5));
    const fwd = native().denseFlow(i0, i1, W, H);
    const bwd = native().denseFlow(i1, i0, W, H);
    const at = (a: Float32Array) => a[64 * W + 64];
    expect(at(fwd.u)).toBeCloseTo(1.5, 1);
    expect(at(fwd.v)).toBeCloseTo(-0.5, 1);
    expect(at(bwd.u)).toBeCloseTo(-1.5, 1);
    expect(at(bwd.v)).toBeCloseTo(0.5, 1);
  });

  it('rejects bad arguments with BAD_ARGUMENT', () => {
    const a = new Float32Array(16 * 16);
    expect(() => native().denseFlow(a, a, 16, 17)).toThrow(/width x height/);
    expect(() => native().denseFlow(a, a, 4, 64)).toThrow(/8\.\.8192/);
    expect(() => native().denseFlow(a, new Float64Array(256) as unknown as Float32Array, 16, 16)).toThrow();
  });
});
