/**
 * The built-in BRISQUE scorer against OpenCV's own Python BRISQUE
 * (cv2.quality.QualityBRISQUE_compute, Debian python3-opencv) on the same pixels: whole
 * frames, crops, resized face crops; the direction of controlled degradations; model
 * location and checksum errors.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTheValError } from '../lib/errors.js';
import { native } from '../lib/native.js';
import {
  BRISQUE_MODEL_FILE,
  BRISQUE_PINNED_SHA256,
  BRISQUE_RANGE_FILE,
  loadBrisqueScorer,
  locateBrisqueModel,
  type BrisqueScorer,
} from '../lib/quality/brisque.js';
import type { FrameCrop } from '../lib/quality/scorer.js';
import { addNoise, FACES, jpegRoundTrip, oracleBrisque, rawRgb, stack, writeRaw, type RawImage } from './helpers/quality.js';

// OpenCV's BRISQUE and ours agree within 1e-6 relative (measured: bit-identical).
const REL = 1e-6;
const within = (ours: number, ref: number): boolean => Math.abs(ours - ref) <= REL * Math.abs(ref);
let scorer: BrisqueScorer;
let hopper: RawImage;
let astronaut: RawImage;

beforeAll(async () => {
  scorer = await loadBrisqueScorer();
  hopper = rawRgb(FACES.hopper);
  astronaut = rawRgb(FACES.astronaut);
});

const swapRB = (im: RawImage): RawImage => {
  const d = new Uint8Array(im.data);
  for (let i = 0; i < d.length; i += 3) [d[i], d[i + 2]] = [im.data[i + 2], im.data[i]];
  return { ...im, data: d };
};

describe('BRISQUE model files', () => {
  it('finds the opencv-data files, pinned, and names OpenCV and both checksums in the version', () => {
    const f = locateBrisqueModel();
    expect(f.modelSha256).toBe(BRISQUE_PINNED_SHA256[BRISQUE_MODEL_FILE]);
    expect(f.rangeSha256).toBe(BRISQUE_PINNED_SHA256[BRISQUE_RANGE_FILE]);
    expect(scorer.name).toBe('BRISQUE (built-in)');
    expect(scorer.version).toContain(`opencv-${native().opencvInfo().version}`);
    expect(scorer.version).toContain(f.modelSha256.slice(0, 16));
    expect(scorer.version).toContain(f.rangeSha256.slice(0, 16));
  });

  it('MODEL_MISSING names the apt package when the files are absent', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'theval-nobrisque-'));
    try {
      locateBrisqueModel({ dir: empty });
      expect.unreachable();
    } catch (e) {
      expect(isTheValError(e, 'MODEL_MISSING')).toBe(true);
      expect((e as Error).message).toContain('opencv-data');
    }
  });

  it('MODEL_CHECKSUM on a changed file, unless allowUnpinned', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-brisque-'));
    const f = locateBrisqueModel();
    copyFileSync(f.model, path.join(dir, BRISQUE_MODEL_FILE));
    writeFileSync(path.join(dir, BRISQUE_RANGE_FILE), readFileSync(f.range, 'utf8') + '\n');
    expect(() => locateBrisqueModel({ dir })).toThrow(expect.objectContaining({ code: 'MODEL_CHECKSUM' }));
    const s = await loadBrisqueScorer({ dir, allowUnpinned: true });
    expect(s.files.dir).toBe(dir);
    const [a] = await s.scoreFrames({ ...hopper, count: 1 });
    const [b] = await scorer.scoreFrames({ ...hopper, count: 1 });
    expect(a).toBe(b);
  });

  it('native loader: missing file -> MODEL_MISSING, garbage -> MODEL_INVALID', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-brisque-bad-'));
    const f = locateBrisqueModel();
    await expect(native().loadBrisque(path.join(dir, 'nope.yml'), f.range)).rejects.toMatchObject({ code: 'MODEL_MISSING' });
    const junk = path.join(dir, 'junk.yml');
    writeFileSync(junk, '%YAML:1.0\n---\nfoo: 1\n');
    await expect(native().loadBrisque(junk, f.range)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    await expect(native().loadBrisque(f.model, junk)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});

describe('BRISQUE parity with OpenCV Python (same pixels)', () => {
  it('whole frames: equal within 1e-6 relative (original and degraded photos)', async () => {
    const images = [hopper, astronaut, rawRgb(FACES.hopper, 'gblur=sigma=2'), addNoise(astronaut, 12)];
    const batch = stack(images);
    const ours = await scorer.scoreFrames(batch);
    const file = writeRaw(batch);
    // OpenCV is handed the BGR image and converts it to grey itself.
    const ref = oracleBrisque(images.map((_, index) => ({ file, width: 512, height: 512, index, mode: 'bgr' })));
    expect(ours.length).toBe(4);
    for (let i = 0; i < 4; i++) expect(within(ours[i], ref[i])).toBe(true);
    expect(new Set(ref).size).toBe(4); // distinct scores: the comparison is not trivially equal
  });

  it('channel order matters: a R/B-swapped buffer scores differently (so the test above can fail)', async () => {
    const swapped = await scorer.scoreFrames({ ...swapRB(hopper), count: 1 });
    const [right] = await scorer.scoreFrames({ ...hopper, count: 1 });
    expect(within(swapped[0], right)).toBe(false);
  });

  it('crops as is (mouth) and resized to 224x224 (face), incl. an enlarging resize and frame borders', async () => {
    const batch = stack([hopper, astronaut]);
    const file = writeRaw(batch);
    const mouth: FrameCrop[] = [
      { frame: 0, x0: 150, y0: 300, x1: 260, y1: 360 },
      { frame: 1, x0: 200, y0: 150, x1: 330, y1: 230 },
      { frame: 1, x0: 0, y0: 0, x1: 97, y1: 41 },
      { frame: 0, x0: 430, y0: 470, x1: 512, y1: 512 },
    ];
    const face: FrameCrop[] = [
      { frame: 0, x0: 100, y0: 60, x1: 420, y1: 380 }, // 320 -> 224: INTER_AREA
      { frame: 1, x0: 150, y0: 40, x1: 350, y1: 240 }, // 200 -> 224: INTER_LINEAR
      { frame: 1, x0: 0, y0: 212, x1: 300, y1: 512 },
      { frame: 0, x0: 200, y0: 200, x1: 330, y1: 330 }, // 130 -> 224: INTER_LINEAR
    ];
    const oursMouth = await scorer.scoreCrops(batch, mouth);
    const oursFace = await scorer.scoreCrops(batch, face, { width: 224, height: 224 });
    const box = (c: FrameCrop): [number, number, number, number] => [c.x0, c.y0, c.x1, c.y1];
    const refMouth = oracleBrisque(mouth.map((c) => ({ file, width: 512, height: 512, index: c.frame, box: box(c), mode: 'bgr' })));
    const refFace = oracleBrisque(
      face.map((c) => ({ file, width: 512, height: 512, index: c.frame, box: box(c), mode: 'gray', resize: [224, 224] })),
    );
    for (let i = 0; i < mouth.length; i++) expect(within(oursMouth[i], refMouth[i])).toBe(true);
    for (let i = 0; i < face.length; i++) expect(within(oursFace[i], refFace[i])).toBe(true);
    // OpenCV clamps BRISQUE to [0, 100]: make sure most compared values are not the clamp.
    expect(refFace.filter((x) => x > 0.5).length).toBeGreaterThanOrEqual(3);
    expect(refMouth.filter((x) => x > 0.5).length).toBeGreaterThanOrEqual(3);
    // The resize changes the score (the crop really was resized before scoring).
    const asIs = await scorer.scoreCrops(batch, face);
    expect(Array.from(asIs)).not.toEqual(Array.from(oursFace));
  });

  it('frames of a decoded clip (written by our decoder, scored by both)', async () => {
    const { movingFaceFrames } = await import('./helpers/quality.js');
    const batch = await movingFaceFrames(6);
    const { width, height, count: n } = batch;
    const ours = await scorer.scoreFrames(batch);
    const file = writeRaw(batch);
    const ref = oracleBrisque(Array.from({ length: n }, (_, index) => ({ file, width, height, index })));
    for (let i = 0; i < n; i++) expect(within(ours[i], ref[i])).toBe(true);
  });
});

describe('BRISQUE direction (higher = worse)', () => {
  for (const [name, get] of [['hopper', () => hopper], ['astronaut', () => astronaut]] as const) {
    it(`${name}: gaussian blur, JPEG quality 10 and noise all score worse than the original`, async () => {
      const orig = get();
      const file = name === 'hopper' ? FACES.hopper : FACES.astronaut;
      const degraded = [rawRgb(file, 'gblur=sigma=2'), jpegRoundTrip(orig, 10), addNoise(orig, 20)];
      const s = await scorer.scoreFrames(stack([orig, ...degraded]));
      for (let i = 1; i < 4; i++) expect(s[i]).toBeGreaterThan(s[0] + 10);
    });
  }
});

describe('BRISQUE scorer API', () => {
  it('scoreBatch (float RGB in [0, 1]) equals scoreFrames on the same 8-bit pixels', async () => {
    const f = new Float32Array(astronaut.data.length);
    for (let i = 0; i < f.length; i++) f[i] = astronaut.data[i] / 255;
    const [a] = await scorer.scoreBatch([{ width: 512, height: 512, data: f }]);
    const [b] = await scorer.scoreFrames({ ...astronaut, count: 1 });
    expect(a).toBeCloseTo(b, 5);
  });

  it('crops under 8 px per side are not scored (NaN); bad boxes are BAD_ARGUMENT', async () => {
    const batch = { ...hopper, count: 1 };
    const s = await scorer.scoreCrops(batch, [
      { frame: 0, x0: 10, y0: 10, x1: 17, y1: 60 },
      { frame: 0, x0: 10, y0: 10, x1: 60, y1: 60 },
    ]);
    expect(Number.isNaN(s[0])).toBe(true);
    expect(Number.isFinite(s[1])).toBe(true);
    await expect(scorer.scoreCrops(batch, [{ frame: 0, x0: 10, y0: 10, x1: 513, y1: 60 }])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(scorer.scoreCrops(batch, [{ frame: 1, x0: 10, y0: 10, x1: 50, y1: 60 }])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(scorer.scoreCrops(batch, [{ frame: 0, x0: 10, y0: 10, x1: 10, y1: 60 }])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(scorer.scoreFrames({ ...batch, count: 2 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('scores on a worker thread: the event loop keeps running meanwhile', async () => {
    const batch = stack(Array.from({ length: 60 }, () => hopper)); // ~5 ms each: long enough to see ticks
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = Date.now();
    await scorer.scoreFrames(batch);
    const ms = Date.now() - t0;
    clearInterval(timer);
    expect(ms).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(3);
  });
});
