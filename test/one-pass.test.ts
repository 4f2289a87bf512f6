/**
 * The one pass (lib/pipeline/videoPass.ts, native/pipeline/, native/scheduler/):
 * - one decode gives the same face tracks and per-frame quality scores as the separate
 *   passes (trackFaces: its own decode; scoreVideoQuality: a second decode, with the crop
 *   boxes computed in JS from the tracks by lib/quality/boxes.ts) - value for value;
 * - decodes are counted by the native decoder-open counter: one video decode per pass;
 * - a batch evaluated with 1, 2 and 16 videos in flight, in three input orders, gives the
 *   same results.jsonl values, equal to those of the separate passes;
 * - the scheduler really batches across videos when the videos in flight outnumber the
 *   engines of a network (passStats), without changing a number.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeVideo, defaultProviders, evaluate, trackFaces, type Providers } from '../lib/index.js';
// @ts-expect-error: plain JS test fixture
import { makeProviders } from './fixtures/fakeProviders.mjs';
import { native } from '../lib/native.js';
import { configurePasses, runVideoPass } from '../lib/pipeline/videoPass.js';
import { defaultFaceModels } from '../lib/face/trackFaces.js';
import { loadQualityScorers } from '../lib/quality/options.js';
import { scoreVideoQuality } from '../lib/quality/video.js';
import { jsonl, makeBadVideos, makeBatch, tempDir } from './helpers/batch.js';
import { clipSpecs } from './helpers/faceClips.js';

/** Same values, NaN equal to NaN (Object.is), element by element. */
function sameArray(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, `${what} length`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

/** The built-in providers without the one pass: the separate face and quality passes. */
function separatePasses(): Providers {
  const p = defaultProviders();
  return { ...p, face: { backend: p.face!.backend, track: p.face!.track.bind(p.face) } };
}

describe('one pass per video', () => {
  it('equals the separate passes frame by frame (face tracks, the three quality scores), with one video decode', async () => {
    const clip = await clipSpecs.hopper();
    const models = await defaultFaceModels();
    const scorers = await loadQualityScorers();
    const before = native().passStats().decoders;
    const r = await runVideoPass(clip.path, {
      face: { profile: 'both', models },
      quality: { stride: 1, scorers: { global: scorers.global, mouth: scorers.mouth, face: scorers.face } },
    });
    const after = native().passStats().decoders;
    expect(after.video - before.video).toBe(1);
    expect(after.audio - before.audio).toBe(0);
    expect(r.face!.frames).toBe(clip.frames);

    const separate = await trackFaces(clip.path, { profile: 'both', models });
    for (const k of ['landmarks', 'refined', 'presence', 'box', 'pose'] as const) sameArray(r.face![k], separate[k], k);
    const q = await scoreVideoQuality(clip.path, { tracks: separate, scorers });
    for (const role of ['global', 'mouth', 'face'] as const) {
      sameArray(r.quality[role]!.perFrame, q[role]!.perFrame, `${role} quality`);
      expect(r.quality[role]!.result.value).toBe(q[role]!.result.value);
    }
    // The crops really were scored on most frames (a face was found): not an all-NaN match.
    expect(r.quality.mouth!.result.details!.scoredFrames).toBeGreaterThan(clip.frames * 0.9);
    expect(r.quality.face!.result.details!.scoredFrames).toBeGreaterThan(clip.frames * 0.9);
    // Stages are timed: the record names them.
    expect(r.timings.refinedInferMs).toBeGreaterThan(0);
    expect(r.timings.globalQualityMs).toBeGreaterThan(0);
  }, 300_000);

  it('a stride scores every k-th frame only, the same frames as the separate quality pass', async () => {
    const clip = await clipSpecs.noFace();
    const scorers = await loadQualityScorers();
    const r = await runVideoPass(clip.path, { face: { profile: 'both', models: await defaultFaceModels() }, quality: { stride: 3, scorers: { global: scorers.global } } });
    const q = await scoreVideoQuality(clip.path, { stride: 3, scorers: { global: scorers.global, mouth: null, face: null } });
    sameArray(r.quality.global!.perFrame, q.global!.perFrame, 'global');
    expect(r.quality.global!.result.details!.scoredFrames).toBe(Math.ceil(clip.frames / 3));
  }, 300_000);

  it('JS quality plug-ins get the frames from the one pass: same values as their own second decode, one video decode', async () => {
    const clip = await clipSpecs.hopper();
    const fake = makeProviders() as Providers;
    const builtin = defaultProviders();
    const withPlugin: Providers = { ...builtin, quality: fake.quality };
    const before = native().passStats().decoders.video;
    const one = await analyzeVideo(clip.path, { providers: withPlugin });
    expect(native().passStats().decoders.video - before).toBe(1);
    const two = await analyzeVideo(clip.path, { providers: { ...separatePasses(), quality: fake.quality } });
    expect(one.timings.pass).toBeGreaterThan(0);
    // The stages in the order a frame travels (motion: the diagnostics, on by default).
    expect(Object.keys(one.timings.stages!)).toEqual(['decode', 'detect', 'landmarks', 'refinedLandmarks', 'pose', 'motion', 'globalQuality', 'mouthQuality', 'faceQuality']);
    expect(one.timings.stages!.refinedLandmarks).toBeGreaterThan(0);
    for (const id of ['global_aesthetic', 'mouth_quality', 'face_quality'] as const) {
      expect(one.metrics[id], id).toEqual(two.metrics[id]);
      expect(Number.isFinite(one.metrics[id].value), id).toBe(true);
    }
    // crop-width scores the mouth crop by its width: a real crop was cut on most frames.
    expect(one.metrics.mouth_quality.details).toMatchObject({ scoredFrames: expect.any(Number) });
    expect((one.metrics.mouth_quality.details as { scoredFrames: number }).scoredFrames).toBeGreaterThan(clip.frames * 0.9);
  }, 300_000);

  it('bad input: a clear per-video error from the pass', async () => {
    const { garbage } = makeBadVideos(tempDir());
    await expect(runVideoPass(garbage, { face: { profile: 'both', models: await defaultFaceModels() }, quality: null })).rejects.toMatchObject({
      code: 'NOT_MEDIA',
    });
  });
});

describe('a batch through the scheduler', () => {
  it('1, 2 and 16 videos in flight, three input orders: the same results.jsonl values, equal to the separate passes', async () => {
    const dir = tempDir('theval-onepass-');
    const files = makeBatch(path.join(dir, 'in'), 11);
    for (const [name, spec] of [['hopper', clipSpecs.hopper], ['astronaut', clipSpecs.astronaut], ['moving', clipSpecs.hopperMoving], ['noface', clipSpecs.noFace]] as const) {
      const p = path.join(dir, 'in', `${name}.mp4`);
      copyFileSync((await spec()).path, p);
      files.push(p);
    }
    files.push(makeBadVideos(path.join(dir, 'bad')).garbage);
    expect(files.length).toBe(16);

    const orders = [files, [...files].reverse(), files.map((_, i) => files[(i * 7) % files.length])];
    const runs: Array<Map<string, unknown>> = [];
    const read = (out: string): Map<string, unknown> =>
      new Map(jsonl(path.join(out, 'results.jsonl')).map((r) => [r.path, { status: r.status, error: r.error?.code, metrics: r.metrics, frames: r.video?.frames }]));
    for (const [k, jobs] of [1, 2, 16].entries()) {
      const out = path.join(dir, `out-j${jobs}`);
      mkdirSync(out);
      const run = await evaluate([{ name: 'm', inputs: orders[k] }], { out, jobs, providers: defaultProviders() });
      expect(run.summary.complete).toBe(true);
      runs.push(read(out));
    }
    const out = path.join(dir, 'out-separate');
    await evaluate([{ name: 'm', inputs: files }], { out, jobs: 2, providers: separatePasses() });
    const separate = read(out);

    expect(runs[0].size).toBe(16);
    for (const f of files) {
      const want = JSON.stringify(separate.get(f));
      for (const r of runs) expect(JSON.stringify(r.get(f)), f).toBe(want);
    }
    // Not vacuous: real numbers for the talking heads, an error for the garbage file.
    const hopper = runs[0].get(path.join(dir, 'in', 'hopper.mp4')) as { metrics: Record<string, { value: number | null }> };
    for (const id of ['lip_dynamics', 'head_motion', 'lip_sync', 'mouth_quality', 'face_quality', 'global_aesthetic']) {
      expect(typeof hopper.metrics[id].value, id).toBe('number');
    }
    expect((runs[0].get(files[15]) as { status: string }).status).toBe('error');
    // Resume: a rerun into the first output folder reuses every record (same config hash);
    // the failed one is kept as failed, nothing is recomputed.
    let reused = 0;
    await evaluate([{ name: 'm', inputs: files }], {
      out: path.join(dir, 'out-j1'),
      jobs: 16,
      providers: defaultProviders(),
      onProgress: (e) => {
        if (e.phase === 'video' && e.reused) reused++;
      },
    });
    expect(reused).toBe(16);
  }, 900_000);

  it('batches the calls of the videos in flight when they outnumber the engines', async () => {
    const clip = await clipSpecs.hopper();
    const models = await defaultFaceModels();
    configurePasses({ threads: 4, engines: 1 });
    try {
      const results = await Promise.all(Array.from({ length: 4 }, () => runVideoPass(clip.path, { face: { profile: 'both', models }, quality: null })));
      const nets = native().passStats().networks.filter((n) => n.engines === 1);
      const plain = nets.find((n) => n.path === models.landmark)!;
      expect(plain.calls).toBeGreaterThanOrEqual(4 * clip.frames);
      // Fewer forward passes than calls: some batches held several videos' crops.
      expect(plain.batches).toBeLessThan(plain.items);
      expect(plain.maxBatch).toBeGreaterThan(1);
      for (const r of results.slice(1)) sameArray(r.face!.landmarks, results[0].face!.landmarks, 'landmarks');
      const alone = await trackFaces(clip.path, { profile: 'both', models });
      sameArray(results[0].face!.landmarks, alone.landmarks, 'landmarks vs a video alone');
      sameArray(results[3].face!.refined, alone.refined, 'refined vs a video alone');
    } finally {
      configurePasses({ threads: 1, engines: 1 });
    }
  }, 600_000);
});
