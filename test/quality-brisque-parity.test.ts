/**
 * The built-in BRISQUE (native/quality/brisque_features.cc: OpenCV 4.6's arithmetic,
 * rewritten for speed) against OpenCV's own cv2.quality.QualityBRISQUE_compute (Debian
 * python3-opencv, test/helpers/brisque_oracle.py) on the same pixels, within 1e-6
 * relative on every image: whole frames from 8x8 to 1280x720 (odd sizes included),
 * crops as is and resized to 224x224, noise, flat and step images (where OpenCV's MSCN
 * has NaN pixels), and frames of a clip decoded by our decoder.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrisqueScorer, type BrisqueScorer } from '../lib/quality/brisque.js';
import type { FrameCrop } from '../lib/quality/scorer.js';
import { addNoise, FACES, oracleBrisque, rawRgb, stack, writeRaw, type OracleJob, type RawImage } from './helpers/quality.js';

const REL = 1e-6;
let scorer: BrisqueScorer;
// Every compared pair, for the non-triviality checks at the end of each test.
type Pair = { ours: number; ref: number; what: string };

beforeAll(async () => {
  scorer = await loadBrisqueScorer();
});

/** A photo scaled by ffmpeg (bicubic) to w x h, as RGB24. */
function scaled(file: string, w: number, h: number): RawImage {
  const args = ['-v', 'error', '-i', file, '-vf', `scale=${w}:${h}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const r = spawnSync('ffmpeg', args, { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
  const data = new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
  if (data.length !== w * h * 3) throw new Error(`${file} -> ${w}x${h}: ${data.length} bytes`);
  return { data, width: w, height: h };
}

/** Seeded uniform RGB noise (mulberry32). */
function uniformNoise(w: number, h: number, seed: number): RawImage {
  let s = seed >>> 0;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((t ^ (t >>> 14)) >>> 0) & 255;
  }
  return { data, width: w, height: h };
}

function expectClose(pairs: Pair[]): void {
  for (const p of pairs) {
    const bound = REL * Math.abs(p.ref);
    if (!(Math.abs(p.ours - p.ref) <= bound)) throw new Error(`${p.what}: ours ${p.ours} vs OpenCV ${p.ref} (bound ${bound})`);
  }
}

/** Whole images, one batch per size; OpenCV is given the BGR image and converts it itself. */
async function wholeImages(images: RawImage[], what: string): Promise<Pair[]> {
  const pairs: Pair[] = [];
  const bySize = new Map<string, RawImage[]>();
  for (const im of images) {
    const k = `${im.width}x${im.height}`;
    bySize.set(k, [...(bySize.get(k) ?? []), im]);
  }
  for (const [size, ims] of bySize) {
    const batch = stack(ims);
    const ours = await scorer.scoreFrames(batch);
    const file = writeRaw(batch);
    const ref = oracleBrisque(ims.map((im, index) => ({ file, width: im.width, height: im.height, index, mode: 'bgr' })));
    ims.forEach((_, i) => pairs.push({ ours: ours[i], ref: ref[i], what: `${what} ${size} #${i}` }));
  }
  return pairs;
}

const interior = (pairs: Pair[]): number => pairs.filter((p) => p.ref > 0 && p.ref < 100).length;

describe('BRISQUE equals OpenCV within 1e-6 relative', () => {
  it('whole frames of many sizes: 8x8 .. 1280x720, odd sizes, both photos', async () => {
    const sizes: Array<[number, number]> = [
      [512, 512], [1280, 720], [720, 528], [224, 224], [333, 197], [97, 61], [17, 15], [11, 9], [9, 8], [8, 13], [8, 8],
    ];
    const images: RawImage[] = [];
    for (const [w, h] of sizes) for (const f of [FACES.hopper, FACES.astronaut]) images.push(w === 512 && h === 512 ? rawRgb(f) : scaled(f, w, h));
    const pairs = await wholeImages(images, 'photo');
    expectClose(pairs);
    expect(pairs.length).toBe(2 * sizes.length);
    // Most values are inside OpenCV's [0, 100] clamp and distinct: the comparison has teeth.
    expect(interior(pairs)).toBeGreaterThanOrEqual(pairs.length - 6);
    expect(new Set(pairs.map((p) => p.ref)).size).toBeGreaterThanOrEqual(pairs.length - 4);
  });

  it('noise, noisy photos, flat and step images (NaN pixels in the MSCN image)', async () => {
    const flat = (w: number, h: number, v: number): RawImage => ({ data: new Uint8Array(w * h * 3).fill(v), width: w, height: h });
    const step = (w: number, h: number): RawImage => {
      const im = flat(w, h, 30);
      for (let y = 0; y < h; y++) im.data.fill(200, (y * w + (w >> 1)) * 3, (y * w + w) * 3);
      return im;
    };
    const hopper = rawRgb(FACES.hopper);
    const images = [
      uniformNoise(512, 512, 1), uniformNoise(512, 512, 2), uniformNoise(97, 61, 3), uniformNoise(8, 8, 4),
      addNoise(hopper, 3), addNoise(hopper, 12), addNoise(rawRgb(FACES.astronaut), 25),
      flat(64, 64, 0), flat(64, 64, 128), step(64, 64), step(31, 9),
    ];
    const pairs = await wholeImages(images, 'synthetic');
    expectClose(pairs);
    expect(interior(pairs)).toBeGreaterThanOrEqual(5);
  });

  it('crops of a 1280x720 frame: as is (8 px up to 600 px, odd sizes) and resized to 224x224 (shrinking and enlarging)', async () => {
    const frames = [scaled(FACES.hopper, 1280, 720), addNoise(scaled(FACES.astronaut, 1280, 720), 6)];
    const batch = stack(frames);
    const file = writeRaw(batch);
    let s = 7;
    const rnd = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    const crops: FrameCrop[] = [];
    const fixed: Array<[number, number]> = [[8, 8], [9, 8], [8, 11], [13, 9], [224, 224], [512, 512], [301, 177], [600, 431]];
    for (let k = 0; k < 40; k++) {
      const [w, h] = k < fixed.length ? fixed[k] : [8 + rnd(k % 3 === 0 ? 24 : 400), 8 + rnd(k % 3 === 0 ? 24 : 400)];
      const x0 = rnd(1280 - w + 1);
      const y0 = rnd(720 - h + 1);
      crops.push({ frame: k % 2, x0, y0, x1: x0 + w, y1: y0 + h });
    }
    const box = (c: FrameCrop): [number, number, number, number] => [c.x0, c.y0, c.x1, c.y1];
    const asIs = await scorer.scoreCrops(batch, crops);
    const resized = await scorer.scoreCrops(batch, crops, { width: 224, height: 224 });
    const refAsIs = oracleBrisque(crops.map((c): OracleJob => ({ file, width: 1280, height: 720, index: c.frame, box: box(c), mode: 'bgr' })));
    const refResized = oracleBrisque(
      crops.map((c): OracleJob => ({ file, width: 1280, height: 720, index: c.frame, box: box(c), mode: 'gray', resize: [224, 224] })),
    );
    const pairs: Pair[] = [];
    crops.forEach((c, i) => {
      const tag = `crop ${c.x1 - c.x0}x${c.y1 - c.y0} of frame ${c.frame}`;
      pairs.push({ ours: asIs[i], ref: refAsIs[i], what: `${tag} as is` }, { ours: resized[i], ref: refResized[i], what: `${tag} -> 224x224` });
    });
    expectClose(pairs);
    expect(interior(pairs)).toBeGreaterThanOrEqual(pairs.length / 2);
  });

  it('frames of an H.264 clip decoded by our decoder', async () => {
    const { movingFaceFrames } = await import('./helpers/quality.js');
    const batch = await movingFaceFrames(12);
    const { width, height, count: n } = batch;
    const ours = await scorer.scoreFrames(batch);
    const file = writeRaw(batch);
    const ref = oracleBrisque(Array.from({ length: n }, (_, index) => ({ file, width, height, index })));
    const pairs = Array.from({ length: n }, (_, i) => ({ ours: ours[i], ref: ref[i], what: `decoded frame ${i}` }));
    expectClose(pairs);
    expect(n).toBe(12);
    expect(interior(pairs)).toBe(n);
    expect(new Set(ref).size).toBeGreaterThan(6); // the frames differ, and so do their scores
  });

  // The AGGD sums have an AVX2 path (used on CPUs that have it, like these machines), an
  // SSE2 path and a portable one; THEVAL_BRISQUE_SIMD forces the narrower ones.
  for (const mode of ['sse2', 'scalar']) {
    it(`the ${mode} code path gives the same values (THEVAL_BRISQUE_SIMD=${mode})`, async () => {
      const step: RawImage = { data: new Uint8Array(40 * 24 * 3).fill(30), width: 40, height: 24 };
      for (let y = 0; y < 24; y++) step.data.fill(220, (y * 40 + 17) * 3, (y * 40 + 40) * 3);
      const images = [rawRgb(FACES.hopper), addNoise(rawRgb(FACES.astronaut), 10), scaled(FACES.hopper, 97, 61), uniformNoise(33, 9, 5), step];
      const before = process.env.THEVAL_BRISQUE_SIMD;
      process.env.THEVAL_BRISQUE_SIMD = mode;
      let pairs: Pair[];
      try {
        pairs = await wholeImages(images, mode);
      } finally {
        if (before === undefined) delete process.env.THEVAL_BRISQUE_SIMD;
        else process.env.THEVAL_BRISQUE_SIMD = before;
      }
      expectClose(pairs);
      expect(interior(pairs)).toBeGreaterThanOrEqual(3);
    });
  }

  it('the bound can fail: one grey level changed in one pixel moves the score by more than 1e-6', async () => {
    const a = rawRgb(FACES.astronaut);
    const b = { ...a, data: new Uint8Array(a.data) };
    const at = (200 * 512 + 300) * 3;
    b.data[at] += b.data[at] < 128 ? 9 : -9;
    b.data[at + 1] += b.data[at + 1] < 128 ? 9 : -9;
    b.data[at + 2] += b.data[at + 2] < 128 ? 9 : -9;
    const [sa, sb] = await scorer.scoreFrames(stack([a, b]));
    expect(Math.abs(sa - sb)).toBeGreaterThan(REL * Math.abs(sa));
  });
});
