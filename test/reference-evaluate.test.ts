/**
 * --quality-backend pyiqa and --pose-backend facexformer end to end (evaluate(), the CLI)
 * with the stand-in models: every frame and mouth crop reaches the worker exactly once as
 * ffmpeg decodes it, scores map back to the right frames, the reference's batching under
 * `reference`, the NaN rules, provenance, a worker crash mid-run and resume.
 * Truth: ffmpeg's own decode of lossless clips the test draws, mouth boxes worked out by
 * hand from the synthetic landmarks, and the stand-ins' known score functions.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../lib/evaluate.js';
import { analysisConfig } from '../lib/analyze.js';
import { publishedComparableMetrics } from '../lib/io/publishedGt.js';
import { LIPS } from '../lib/metrics/landmarkSets.js';
import { createReferenceProviders, type ReferenceProviders } from '../lib/reference/index.js';
import type { FaceProvider } from '../lib/providers.js';
import { PLAIN_POINTS, REFINED_POINTS, type FaceTracks } from '../lib/tracks.js';
import { jsonl } from './helpers/batch.js';
import { runCli } from './helpers/cli.js';
import { ffmpegFrames } from './helpers/media.js';
import { drawnClip, fillRect, makeStandin, missingPython, sha256File, testPython } from './helpers/referenceStandin.js';

const noNumpy = missingPython(['numpy']);
const noPil = missingPython(['numpy', 'PIL']);
const skipped = (why: string | null) => (why ? ` [skipped: ${why}]` : '');
const QUALITY = ['global_aesthetic', 'mouth_quality', 'face_quality'] as const;

// Quality clip: 150 frames of 64x48 (frame batches 64, 64, 22); frame 5 black.
const W = 64, H = 48, T = 150;
const hasFace = (t: number) => t % 10 !== 7;
/** Pixel span of the LIPS points in frame t (inclusive), chosen per frame. */
const lips = (t: number) => ({ x0: 20 + (t % 5), x1: 35 + (t % 7), y0: 20, y1: 28 + (t % 3) });
/** The mouth crop METRICS.md 2 gives for it: +10 px per side, max bound as exclusive slice end. */
const mouthCrop = (t: number) => ({ x0: lips(t).x0 - 10, y0: lips(t).y0 - 10, x1: lips(t).x1 + 10, y1: lips(t).y1 + 10 });

const qualityClip = (name: string, seed = 0) =>
  drawnClip(name, W, H, T, (t, rgb) => {
    if (t === 5) return;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set([(x * 4 + t + seed) & 255, (y * 5) & 255, (x + y + 2 * t) & 255], (y * W + x) * 3);
  });

/** Face tracks whose 40 LIPS points span lips(t) exactly (x = (px + 0.5) / W); NaN on faceless frames. */
function faceProvider(frames = T): FaceProvider {
  return {
    backend: { name: 'test-face', version: '1' },
    async track(_file, ctx) {
      const { width, height } = ctx.info;
      const landmarks = new Float32Array(frames * PLAIN_POINTS * 3).fill(0.5);
      const refined = new Float32Array(frames * REFINED_POINTS * 3).fill(0.5);
      const box = new Float32Array(frames * 4).fill(1);
      const pose = new Float32Array(frames * 3).fill(0);
      for (let t = 0; t < frames; t++) {
        if (!hasFace(t)) {
          landmarks.fill(NaN, t * PLAIN_POINTS * 3, (t + 1) * PLAIN_POINTS * 3);
          refined.fill(NaN, t * REFINED_POINTS * 3, (t + 1) * REFINED_POINTS * 3);
          box.fill(NaN, t * 4, t * 4 + 4);
          pose.fill(NaN, t * 3, t * 3 + 3);
          continue;
        }
        const l = lips(t);
        LIPS.forEach((k, i) => {
          // the corners of the span on the first points, the rest inside
          const px = i === 0 ? l.x0 : i === 1 ? l.x1 : l.x0 + ((i * 3) % (l.x1 - l.x0 + 1));
          const py = i === 0 ? l.y0 : i === 1 ? l.y1 : l.y0 + (i % (l.y1 - l.y0 + 1));
          landmarks[(t * PLAIN_POINTS + k) * 3] = (px + 0.5) / width;
          landmarks[(t * PLAIN_POINTS + k) * 3 + 1] = (py + 0.5) / height;
        });
      }
      return { fps: 25, width, height, frames, landmarks, refined, box, pose } satisfies FaceTracks;
    },
  };
}

/** Channel means (0..1) of the crop of a packed RGB frame. */
function means(frame: Uint8Array, Wf: number, b: { x0: number; y0: number; x1: number; y1: number }): number[] {
  const m = [0, 0, 0];
  for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) for (let c = 0; c < 3; c++) m[c] += frame[(y * Wf + x) * 3 + c];
  const n = (b.x1 - b.x0) * (b.y1 - b.y0);
  return m.map((v) => v / n / 255);
}
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const tmp = (tag: string) => mkdtempSync(path.join(os.tmpdir(), `theval-ref-${tag}-`));

describe.skipIf(noNumpy)(`--quality-backend pyiqa through evaluate()${skipped(noNumpy)}`, () => {
  const made: ReferenceProviders[] = [];
  afterAll(async () => {
    for (const r of made) await r.close();
  });
  const setup = async (reference: boolean, env: Record<string, string> = {}) => {
    const s = makeStandin();
    const ref = await createReferenceProviders({ python: testPython, quality: true, reference, env: { ...s.env, ...env } });
    made.push(ref);
    return { s, ref, providers: { face: faceProvider(), audio: null, quality: ref.quality } };
  };
  const clip = qualityClip('quality');
  const truth = ffmpegFrames(clip);
  const frame = (t: number) => new Uint8Array(truth.buffer, truth.byteOffset + t * W * H * 3, W * H * 3);
  const whole = { x0: 0, y0: 0, x1: W, y1: H };

  it('clean: every frame and crop once, as ffmpeg decodes it; scores mapped to the right frames', async () => {
    const { s, ref, providers } = await setup(false);
    const run = await evaluate([clip], { providers, metrics: [...QUALITY], jobs: 1 });
    const rec = run.records[0];
    expect(rec.status).toBe('ok');
    const calls = s.calls().filter((c) => c.metric);
    // TOPIQ-IAA: the reference's batches of 64 whole frames
    const iaa = calls.filter((c) => c.metric === 'topiq_iaa');
    expect(iaa.map((c) => c.shape)).toEqual([[64, 3, H, W], [64, 3, H, W], [22, 3, H, W]]);
    const iaaMeans = iaa.flatMap((c) => c.means);
    for (let t = 0; t < T; t++) means(frame(t), W, whole).forEach((m, c) => expect(iaaMeans[t][c]).toBeCloseTo(m, 6));
    // TOPIQ-NR-face: one whole frame per call, every frame
    const nr = calls.filter((c) => c.metric === 'topiq_nr-face');
    expect(nr.length).toBe(T);
    expect(nr.every((c) => JSON.stringify(c.shape) === JSON.stringify([1, 3, H, W]))).toBe(true);
    // MUSIQ: one crop per call, the hand-worked box of each frame with a face, in order
    const mq = calls.filter((c) => c.metric === 'musiq');
    const faced = Array.from({ length: T }, (_, t) => t).filter(hasFace);
    expect(mq.map((c) => c.shape)).toEqual(faced.map((t) => [1, 3, mouthCrop(t).y1 - mouthCrop(t).y0, mouthCrop(t).x1 - mouthCrop(t).x0]));
    faced.forEach((t, i) => means(frame(t), W, mouthCrop(t)).forEach((m, c) => expect(mq[i].means[0][c]).toBeCloseTo(m, 6)));

    const score = (t: number, b = whole) => {
      const m = means(frame(t), W, b);
      return m[0] - m[2] + (b.y1 - b.y0) / 1000 + (b.x1 - b.x0) / 1e6;
    };
    const all = Array.from({ length: T }, (_, t) => t);
    expect(rec.metrics.global_aesthetic.value).toBeCloseTo(mean(all.map((t) => score(t))), 5);
    expect(rec.metrics.mouth_quality.value).toBeCloseTo(mean(faced.map((t) => 100 * score(t, mouthCrop(t)))), 3);
    expect(rec.metrics.mouth_quality.details).toMatchObject({ scoredFrames: faced.length, skippedFrames: T - faced.length });
    // the black frame 5 is refused by TOPIQ-NR-face: left out, with a warning
    expect(rec.metrics.face_quality.value).toBeCloseTo(mean(all.filter((t) => t !== 5).map((t) => score(t))), 5);
    expect(rec.metrics.face_quality.details).toMatchObject({ scoredFrames: T - 1, refusedFrames: 1 });
    expect(rec.warnings.join('\n')).toMatch(/topiq_nr-face refused 1 of 150 frames \(first: frame 5: RuntimeError: no face detected\)/);
    // provenance in the record and the configuration
    const w = ref.bridge.provenance!.metrics;
    expect(rec.versions.quality.global_aesthetic).toBe(`pyiqa topiq_iaa pyiqa 0.1.13+standin topiq_iaa.pth@sha256:${sha256File(w.topiq_iaa.weights[0].path)} cpu clean`);
    expect(run.summary.config.quality!.backend.details).toMatchObject({
      pyiqa: '0.1.13+standin',
      device: 'cpu',
      profile: 'clean',
      'weights.musiq': expect.stringContaining(`sha256 ${sha256File(w.musiq.weights[0].path)}`),
    });
    expect(publishedComparableMetrics(run.summary.config)).toEqual(['global_aesthetic', 'face_quality']);
  }, 120_000);

  it('reference: MUSIQ on groups of 64 consecutive crops padded with black; a refused frame fails face quality', async () => {
    const { s, providers } = await setup(true);
    const run = await evaluate([clip], { providers, metrics: [...QUALITY], jobs: 1 });
    const rec = run.records[0];
    const mq = s.calls().filter((c) => c.metric === 'musiq');
    const faced = Array.from({ length: T }, (_, t) => t).filter(hasFace);
    const groups = [faced.slice(0, 64), faced.slice(64, 128), faced.slice(128)];
    expect(mq.length).toBe(3);
    const expected: number[] = [];
    groups.forEach((g, k) => {
      const hs = g.map((t) => mouthCrop(t).y1 - mouthCrop(t).y0), ws = g.map((t) => mouthCrop(t).x1 - mouthCrop(t).x0);
      const Hp = Math.max(...hs), Wp = Math.max(...ws);
      expect(mq[k].shape).toEqual([g.length, 3, Hp, Wp]);
      // each crop at the top left, black elsewhere (frame 5 is all black)
      expect(mq[k].extent).toEqual(g.map((t, i) => (t === 5 ? [0, 0] : [hs[i], ws[i]])));
      g.forEach((t, i) => {
        const m = means(frame(t), W, mouthCrop(t)).map((v) => (v * hs[i] * ws[i]) / (Hp * Wp));
        mq[k].means[i].forEach((v: number, c: number) => expect(v).toBeCloseTo(m[c], 6));
        expected.push(100 * (m[0] - m[2] + Hp / 1000 + Wp / 1e6));
      });
    });
    expect(rec.metrics.mouth_quality.value).toBeCloseTo(mean(expected), 3);
    expect(rec.metrics.face_quality.value).toBeNaN();
    expect(rec.metrics.face_quality.reason).toMatch(/topiq_nr-face refused 1 of 150 frames \(first: frame 5: .*\); the reference fails the video/);
    expect(run.summary.config.quality!.backend.details!.profile).toBe('reference');
    expect(publishedComparableMetrics(run.summary.config)).toEqual(['global_aesthetic', 'mouth_quality', 'face_quality']);
    // the profile is part of the configuration hash
    const clean = await setup(false);
    expect(analysisConfig(clean.providers, [...QUALITY]).hash).not.toBe(analysisConfig(providers, [...QUALITY]).hash);
  }, 120_000);

  it('a worker crash costs the video in flight only; resume redoes it', async () => {
    const clips = [0, 1, 2].map((k) => drawnClip(`crash${k}`, 32, 24, 20, (t, rgb) => rgb.fill((t * 9 + k * 50) & 255)));
    const s = makeStandin();
    const marker = path.join(s.dir, 'died');
    // 21 calls per video (1 TOPIQ-IAA batch + 20 TOPIQ-NR-face): call 30 is in the second video
    const env = { ...s.env, STANDIN_DIE_ONCE: marker, STANDIN_DIE_AT: '30' };
    const out = tmp('crash');
    const providersOf = (ref: ReferenceProviders) => ({ face: null, audio: null, quality: ref.quality });
    const ref1 = await createReferenceProviders({ python: testPython, quality: true, env });
    made.push(ref1);
    const first = await evaluate(clips, { providers: providersOf(ref1), metrics: ['global_aesthetic', 'face_quality'], jobs: 1, out });
    expect(existsSync(marker)).toBe(true);
    const [a, b, c] = first.records;
    expect(a.metrics.global_aesthetic.value).toBeGreaterThan(0);
    expect(b.metrics.global_aesthetic.value).toBeNaN();
    expect(b.metrics.global_aesthetic.reason).toMatch(/^quality pass failed: WORKER_DIED: .*crash1.*: the reference worker \(pid \d+, .*\) exited on signal SIGKILL/);
    expect(b.passFailures).toEqual([expect.objectContaining({ pass: 'quality', code: 'WORKER_DIED' })]);
    expect(b.warnings.join('\n')).toMatch(/quality pass failed: WORKER_DIED/);
    expect(c.metrics.global_aesthetic.value).toBeGreaterThan(0);
    expect(c.passFailures).toBeUndefined();
    expect(ref1.bridge.starts).toBe(2);
    // resume (same configuration): the crashed video is redone, the others reused
    const ref2 = await createReferenceProviders({ python: testPython, quality: true, env });
    made.push(ref2);
    const second = await evaluate(clips, { providers: providersOf(ref2), metrics: ['global_aesthetic', 'face_quality'], jobs: 1, out });
    expect(second.summary.methods.method.reused).toBe(2);
    const b2 = second.records[1];
    expect(b2.passFailures).toBeUndefined();
    // grey frames: mean(R) - mean(B) = 0, so the score is the size term
    expect(b2.metrics.global_aesthetic.value).toBeCloseTo(24 / 1000 + 32 / 1e6, 5);
    expect(jsonl(path.join(out, 'results.jsonl')).length).toBe(4);
    rmSync(out, { recursive: true, force: true });
  }, 120_000);
});

describe.skipIf(noNumpy)(`several videos in flight share one worker${skipped(noNumpy)}`, () => {
  it('each video gets its own frames\' scores (jobs 3, requests interleaved)', async () => {
    const reds = [40, 130, 220];
    const clips = reds.map((r, k) => drawnClip(`shared${k}`, 40, 30, 70, (t, rgb) => {
      for (let i = 0; i < rgb.length; i += 3) rgb.set([r, (t * 3) & 255, 0], i);
    }));
    const s = makeStandin();
    const ref = await createReferenceProviders({ python: testPython, quality: true, env: { ...s.env, STANDIN_SLEEP_MS: '2' } });
    try {
      const run = await evaluate(clips, { providers: { face: null, audio: null, quality: ref.quality }, metrics: ['global_aesthetic', 'face_quality'], jobs: 3 });
      expect(ref.bridge.starts).toBe(1);
      run.records.forEach((rec, k) => {
        const expected = reds[k] / 255 + 30 / 1000 + 40 / 1e6;
        expect(rec.metrics.global_aesthetic.value).toBeCloseTo(expected, 5);
        expect(rec.metrics.face_quality.value).toBeCloseTo(expected, 5);
      });
      // the three videos' requests really were interleaved
      const order = s.calls().filter((c) => c.metric === 'topiq_nr-face').map((c) => Math.round(c.means[0][0] * 255));
      const firstOfLast = order.indexOf(reds[2]);
      expect(order.slice(firstOfLast).some((r) => r !== reds[2])).toBe(true);
    } finally {
      await ref.close();
    }
  }, 120_000);
});

describe.skipIf(noPil)(`--pose-backend facexformer through evaluate()${skipped(noPil)}`, () => {
  it('a worker crash in the pose pass: head motion NaN with the reason, redo set, the other metrics kept', async () => {
    const clip = drawnClip('pose-crash', 48, 36, 12, (t, rgb) => fillRect(rgb, 48, 5, 5, 20 + t, 25, [10 * t, 50, 250]));
    const s = makeStandin();
    const ref = await createReferenceProviders({
      python: testPython,
      facexformerCheckpoint: s.checkpoint,
      env: { ...s.env, STANDIN_DIE_ONCE: path.join(s.dir, 'died'), STANDIN_DIE_AT: '5' },
    });
    try {
      const run = await evaluate([clip], { providers: { face: faceProvider(12), audio: null, quality: null, pose: ref.pose }, metrics: ['head_motion', 'lip_dynamics'], jobs: 1 });
      const rec = run.records[0];
      expect(rec.status).toBe('ok');
      expect(rec.metrics.head_motion.value).toBeNaN();
      expect(rec.metrics.head_motion.reason).toMatch(/^pose pass failed: WORKER_DIED: .*SIGKILL/);
      expect(rec.passFailures).toEqual([expect.objectContaining({ pass: 'pose', code: 'WORKER_DIED' })]);
      expect(Number.isFinite(rec.metrics.lip_dynamics.value)).toBe(true);
    } finally {
      await ref.close();
    }
  }, 60_000);


  it('replaces the pose and box of head motion with FaceXFormer on RetinaFace boxes, per frame', async () => {
    const PW = 96, PH = 72, PT = 30;
    const rect = (t: number) => ({ x0: 10 + t, y0: 8 + (t % 4), x1: 40 + t, y1: 32 + (t % 4) });
    const visible = (t: number) => t % 9 !== 4;
    const colour = (t: number): [number, number, number] => [(8 * t) & 255, 100, 255];
    const clip = drawnClip('pose', PW, PH, PT, (t, rgb) => {
      if (!visible(t)) return;
      const r = rect(t);
      fillRect(rgb, PW, r.x0, r.y0, r.x1, r.y1, colour(t));
    });
    const s = makeStandin();
    const ref = await createReferenceProviders({ python: testPython, facexformerCheckpoint: s.checkpoint, env: s.env });
    try {
      const providers = { face: faceProvider(PT), audio: null, quality: null, pose: ref.pose };
      const run = await evaluate([clip], { providers, metrics: ['head_motion'], jobs: 1 });
      const rec = run.records[0];
      // the hand-worked head motion of the drawn rectangles (METRICS.md 5)
      const kept = Array.from({ length: PT }, (_, t) => t).filter(visible);
      const deg = (v: number) => ((v / 255) * 180) / Math.PI;
      const angles = [0, 1, 2].map((k) => kept.map((t) => deg(colour(t)[k])));
      const cx = kept.map((t) => (rect(t).x0 + rect(t).x1) / 2), cy = kept.map((t) => (rect(t).y0 + rect(t).y1) / 2);
      const pvar = (a: number[]) => mean(a.map((v) => (v - mean(a)) ** 2));
      const diff = (a: number[]) => a.slice(1).map((v, i) => v - a[i]);
      const S = mean(angles.map((a) => Math.sqrt(pvar(a))));
      const D = mean(angles.map((a) => pvar(diff(a))));
      const V = (pvar(cx) + pvar(cy)) / 2;
      expect(rec.metrics.head_motion.value).toBeCloseTo(Math.sqrt(S * D + V), 3);
      expect(rec.metrics.head_motion.details).toMatchObject({ validFrames: kept.length });
      expect(rec.versions.pose).toBe(`facexformer (Python worker) model.pt@sha256:${sha256File(s.checkpoint)} retina-face 0.0.17+standin torch 0.0.0+standin cpu`);
      expect(run.summary.config.pose!.details!.facexformer).toContain(sha256File(s.checkpoint));
      expect(run.summary.methods.method.backends.head_motion[0]).toContain('facexformer');
      expect(publishedComparableMetrics(run.summary.config)).toEqual(['head_motion']);
      // without the pose pass the configuration hash differs
      expect(analysisConfig({ ...providers, pose: null }, ['head_motion']).hash).not.toBe(run.summary.configHash);
    } finally {
      await ref.close();
    }
  }, 120_000);
});

describe.skipIf(noNumpy)(`theval evaluate --quality-backend pyiqa (CLI)${skipped(noNumpy)}`, () => {
  const clip = drawnClip('cli', 32, 24, 10, (t, rgb) => rgb.fill((t * 20) & 255));

  it('runs the worker, records pyiqa provenance, exits 0', () => {
    const s = makeStandin();
    const out = tmp('cli');
    const r = runCli(['evaluate', clip, '--name', 'm', '--out', out, '--metrics', 'global_aesthetic', '--quality-backend', 'pyiqa', '--python', testPython, '-q'], { env: s.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rec = jsonl(path.join(out, 'results.jsonl'))[0];
    expect(rec.versions.quality.global_aesthetic).toMatch(/^pyiqa topiq_iaa pyiqa 0\.1\.13\+standin topiq_iaa\.pth@sha256:[0-9a-f]{64} cpu clean$/);
    expect(rec.metrics.global_aesthetic.value).toBeCloseTo(24 / 1000 + 32 / 1e6, 5);
    rmSync(out, { recursive: true, force: true });
  }, 60_000);

  it('--published-gt names the metrics that come from the reference models', () => {
    const s = makeStandin();
    const out = tmp('cli-pgt');
    const r = runCli(['evaluate', clip, '--name', 'm', '--out', out, '--metrics', 'global_aesthetic,face_quality', '--quality-backend', 'pyiqa', '--python', testPython, '--published-gt', '-q'], { env: s.env });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/compare with the published GT row: global_aesthetic, face_quality\./);
    rmSync(out, { recursive: true, force: true });
  }, 60_000);

  it('a missing Python stops the run before any video, naming it (exit 3)', () => {
    const out = tmp('cli-nopy');
    const r = runCli(['evaluate', clip, '--out', out, '--quality-backend', 'pyiqa', '--python', '/nonexistent/python3', '-q']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/WORKER_SETUP: cannot run Python '\/nonexistent\/python3': not found/);
    expect(existsSync(path.join(out, 'results.jsonl'))).toBe(false);
  });

  it('usage errors: facexformer without a checkpoint, an unknown backend', () => {
    expect(runCli(['evaluate', clip, '--pose-backend', 'facexformer']).stderr).toMatch(/needs --facexformer-checkpoint/);
    expect(runCli(['evaluate', clip, '--quality-backend', 'musiq']).status).toBe(2);
  });
});
