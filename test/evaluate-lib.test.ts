/**
 * The evaluation machinery in-process: analyzeVideo's orchestration against hand-worked
 * truths of the synthetic test providers (test/fixtures/fakeProviders.mjs), NaN reasons
 * for missing passes, results.jsonl (torn line, resume, changed files), two evaluations at
 * once, the tracks JSON round trip.
 */
import { readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeVideo, evaluate, readResults, readTracksJson, UNAVAILABLE, METRIC_IDS, type Providers } from '../lib/index.js';
import { ResultsStore, serializeRecord } from '../lib/io/resultsStore.js';
import { makeBadVideos, makeBatch, smallClip, tempDir, jsonl } from './helpers/batch.js';
import { ffmpegFrames } from './helpers/media.js';
// @ts-expect-error: plain JS test fixture
import { makeProviders } from './fixtures/fakeProviders.mjs';

const fake = (o: Record<string, unknown> = {}): Providers => makeProviders(o) as Providers;

describe('analyzeVideo', () => {
  it('without face, audio or quality passes: every metric NaN with the reason, no invented number', async () => {
    const r = await analyzeVideo(smallClip(), { providers: { face: null, audio: null, quality: null } });
    expect(r.status).toBe('ok');
    for (const id of METRIC_IDS) expect(r.metrics[id].value).toBeNaN();
    expect(r.metrics.lip_dynamics.reason).toBe(UNAVAILABLE.face);
    expect(r.metrics.head_motion.reason).toBe(UNAVAILABLE.face);
    expect(r.metrics.lip_sync.reason).toBe(UNAVAILABLE.face);
    expect(r.metrics.global_aesthetic.reason).toBe(UNAVAILABLE.quality);
    expect(r.versions.face).toBeNull();
    expect(r.video).toMatchObject({ width: 160, height: 120, fps: 25, hasAudio: true });
    expect(r.fingerprint?.size).toBe(readFileSync(smallClip()).length);
  });

  it('with a face but no VAD: the sync metrics say VAD is missing, the others are computed', async () => {
    const r = await analyzeVideo(smallClip(), { providers: { ...fake(), audio: null } });
    expect(r.metrics.lip_sync.value).toBeNaN();
    expect(r.metrics.lip_sync.reason).toBe(UNAVAILABLE.audio);
    expect(r.metrics.silent_lip_stability.reason).toBe(UNAVAILABLE.audio);
    expect(Number.isFinite(r.metrics.head_motion.value)).toBe(true);
  });

  it('orchestrates the passes: metric values match hand-worked truths of the synthetic tracks', async () => {
    const file = smallClip();
    const r = await analyzeVideo(file, { providers: fake() });
    expect(r.status).toBe('ok');
    expect(r.video?.frames).toBe(25);
    // pitch alternates +3/-3 over 25 frames (13 x +3, 12 x -3): mean 0.12, population var 9 - 0.12^2;
    // diff(pitch) alternates -6/+6 (24 values): var 36. S = std/3, D = 36/3, V = 0 (fixed box).
    const S = Math.sqrt(9 - 0.12 ** 2) / 3;
    expect(r.metrics.head_motion.value).toBeCloseTo(Math.sqrt(S * 12), 12);
    expect(r.metrics.head_motion.details).toMatchObject({ pitchSmoothness: 36, yawSmoothness: 0, rollSmoothness: 0 });
    // mouth crop: LIPS x span 0.4..0.6 of 160 px -> int 64..96, grown by 10 -> [54, 106): 52 px wide
    expect(r.metrics.mouth_quality.value).toBe(52);
    // global aesthetic / face quality: 'mean-pixel' = mean RGB/255 over every frame, checked against ffmpeg's own decode
    const px = ffmpegFrames(file);
    let sum = 0;
    for (const b of px) sum += b;
    expect(r.metrics.global_aesthetic.value).toBeCloseTo(sum / px.length / 255, 5);
    expect(r.metrics.face_quality.value).toBe(r.metrics.global_aesthetic.value);
    // lip sync: constant openness -> 0 after min-max; loudness t -> t/24: mean |0 - t/24| = 0.5
    expect(r.metrics.lip_sync.value).toBeCloseTo(0.5, 6);
    // speech everywhere: no silent run
    expect(r.metrics.silent_lip_stability.value).toBeNaN();
    expect(r.metrics.silent_lip_stability.reason).toMatch(/silent/);
    expect(r.versions).toMatchObject({ face: 'fake-face 1', audio: 'fake-audio 1', quality: { mouth_quality: 'crop-width 1' } });
    expect(Object.keys(r.timings)).toEqual(expect.arrayContaining(['open', 'face', 'audio', 'quality', 'metrics', 'total']));
  });

  it('a metric subset only runs what it needs and marks the rest "not requested"', async () => {
    const r = await analyzeVideo(smallClip(), { providers: fake(), metrics: ['head_motion'] });
    expect(Number.isFinite(r.metrics.head_motion.value)).toBe(true);
    expect(r.metrics.lip_sync).toMatchObject({ reason: 'not requested' });
    expect(r.timings.quality).toBeUndefined();
    expect(r.timings.audio).toBeUndefined();
  });

  it('a missing or corrupt file is an error record, not an exception', async () => {
    const dir = tempDir();
    const { garbage } = makeBadVideos(dir);
    const missing = await analyzeVideo(path.join(dir, 'nope.mp4'), { providers: fake() });
    expect(missing.status).toBe('error');
    expect(missing.error?.code).toBe('FILE_NOT_FOUND');
    const bad = await analyzeVideo(garbage, { providers: fake() });
    expect(bad.status).toBe('error');
    expect(bad.error?.message).toContain(garbage);
    expect(bad.metrics.lip_sync.reason).toMatch(/^video failed/);
  });
});

describe('results.jsonl', () => {
  it('NaN is written as null with its reason; a torn last line is reported, cut, and that video redone', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'in'), 3);
    const out = path.join(dir, 'out');
    const first = await evaluate(videos, { out, providers: fake(), name: 'M', jobs: 1 });
    const file = path.join(out, 'results.jsonl');
    const text = readFileSync(file, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(3);
    const rec = JSON.parse(lines[0]);
    expect(rec.metrics.silent_lip_stability.value).toBeNull();
    expect(rec.metrics.silent_lip_stability.reason).toBeTruthy();
    // Simulate a crash in the middle of writing the third record.
    writeFileSync(file, lines[0] + '\n' + lines[1] + '\n' + lines[2].slice(0, 100));
    const read = readResults(file);
    expect(read.records).toHaveLength(2);
    expect(read.tornTail).toBe(true);
    expect(read.problems[0]).toMatch(/torn/);
    const warnings: string[] = [];
    const second = await evaluate(videos, { out, providers: fake(), name: 'M', jobs: 1, onWarning: (w) => warnings.push(w) });
    expect(warnings.some((w) => /torn/.test(w))).toBe(true);
    expect(second.summary.methods.M).toMatchObject({ videos: 3, recorded: 3, reused: 2 });
    const after = jsonl(file);
    expect(after.map((r) => r.path).sort()).toEqual([...videos].sort());
    expect(readResults(file).problems).toEqual([]);
    expect(second.summary.methods.M.values).toEqual(first.summary.methods.M.values);
  });

  it('resume skips unchanged videos, redoes a changed one, and a different configuration redoes all', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'in'), 3);
    const out = path.join(dir, 'out');
    await evaluate(videos, { out, providers: fake(), name: 'M' });
    const t = new Date(Date.now() + 5000);
    utimesSync(videos[1], t, t);
    const again = await evaluate(videos, { out, providers: fake(), name: 'M' });
    expect(again.summary.methods.M.reused).toBe(2);
    const recs = jsonl(path.join(out, 'results.jsonl'));
    expect(recs.filter((r) => r.path === videos[1])).toHaveLength(2);
    const subset = await evaluate(videos, { out, providers: fake(), name: 'M', metrics: ['head_motion'] });
    expect(subset.summary.methods.M.reused).toBe(0);
    expect(subset.summary.configHash).not.toBe(again.summary.configHash);
  });

  it('error records are kept on resume unless retryErrors', async () => {
    const dir = tempDir();
    const { garbage } = makeBadVideos(path.join(dir, 'in'));
    const out = path.join(dir, 'out');
    await evaluate([garbage], { out, providers: fake() });
    expect((await evaluate([garbage], { out, providers: fake() })).summary.methods.method.reused).toBe(1);
    expect((await evaluate([garbage], { out, providers: fake(), retryErrors: true })).summary.methods.method.reused).toBe(0);
  });

  it('one writer per folder', async () => {
    const dir = tempDir();
    const store = ResultsStore.open(dir);
    try {
      expect(() => ResultsStore.open(dir)).toThrow(/in use|already being written/);
    } finally {
      store.close();
    }
    ResultsStore.open(dir).close();
    expect(serializeRecord({ metrics: { x: { value: NaN } } } as never)).toBe('{"metrics":{"x":{"value":null}}}\n');
  });
});

describe('evaluate', () => {
  it('two evaluations in one process do not interfere', async () => {
    const dir = tempDir();
    const a = makeBatch(path.join(dir, 'a'), 3);
    const b = makeBatch(path.join(dir, 'b'), 2);
    const alone = await evaluate(a, { providers: fake(), name: 'A' });
    const [ra, rb] = await Promise.all([
      evaluate(a, { out: path.join(dir, 'outA'), providers: fake(), name: 'A', jobs: 2 }),
      evaluate(b, { out: path.join(dir, 'outB'), providers: fake({ quality: false }), name: 'B', metrics: ['lip_dynamics', 'global_aesthetic'], jobs: 1 }),
    ]);
    expect(ra.summary.methods.A.values).toEqual(alone.summary.methods.A.values);
    expect(ra.records.map((r) => r.path)).toEqual(a);
    expect(rb.records.map((r) => r.path)).toEqual(b);
    expect(rb.summary.metrics).toEqual(['global_aesthetic', 'lip_dynamics']);
    expect(rb.summary.methods.B.values.global_aesthetic).toBeNull();
    expect(rb.summary.methods.B.nanReasons.global_aesthetic).toEqual({ [UNAVAILABLE.quality]: 2 });
    expect(jsonl(path.join(dir, 'outA/results.jsonl'))).toHaveLength(3);
    expect(jsonl(path.join(dir, 'outB/results.jsonl'))).toHaveLength(2);
    expect(existsSync(path.join(dir, 'outB/B/head_motion.csv'))).toBe(false);
    expect(existsSync(path.join(dir, 'outB/B/lip_dynamics.csv'))).toBe(true);
  });

  it('GT evaluated with the same configuration scores 1.0 against itself; summary says which backends', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'in'), 2);
    const r = await evaluate(videos, { providers: fake(), name: 'same', gt: videos, out: path.join(dir, 'out') });
    const s = r.summary.scores!.find((x) => x.name === 'same')!;
    expect(s.final).toBeCloseTo(1, 12);
    expect(s.rank).toBe(1);
    expect(r.summary.methods.GT.backends.head_motion[0]).toMatch(/^fake-face 1 \+ FFmpeg /);
    expect(r.summary.methods.GT.backends.lip_sync[0]).toMatch(/^fake-face 1 \+ fake-audio 1/);
    const agg = readFileSync(path.join(dir, 'out/aggregate.csv'), 'utf8').trim().split('\n');
    expect(agg[0]).toBe('Model,Global aesthetic,Mouth quality,Face quality,Lip dynamics,Head motion dynamics,Eyebrow dynamics,Silent lip stability,Lip sync');
    expect(agg.map((l) => l.split(',')[0])).toEqual(['Model', 'same', 'GT']);
  });

  it('--save-tracks writes the tracks JSON schema, which reads back to the same tracks', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'in'), 1);
    const out = path.join(dir, 'out');
    const providers = fake({ noFaceEvery: 5 });
    const r = await evaluate(videos, { out, providers, saveTracks: true, name: 'M' });
    const rel = r.records[0].tracksFile!;
    expect(rel).toMatch(/^tracks[\\/]M[\\/]v00-[0-9a-f]{8}\.tracks\.json$/);
    const raw = JSON.parse(readFileSync(path.join(out, rel), 'utf8'));
    expect(Object.keys(raw)).toEqual(['layout', 'fps', 'width', 'height', 'frames', 'hasAudio', 'speech', 'landmarks', 'refined', 'box', 'pose', 'rms']);
    expect(raw.landmarks).toHaveLength(25);
    expect(raw.landmarks[4]).toBeNull();
    expect(raw.landmarks[0]).toHaveLength(468);
    expect(raw.refined[0]).toHaveLength(478);
    expect(raw.landmarks[0][0]).toHaveLength(3);
    expect(raw.box[0]).toEqual([10, 20, 110, 140]);
    expect(raw.pose.slice(0, 2)).toEqual([[3, 0, 0], [-3, 0, 0]]);
    expect(raw.speech).toEqual([[0, 1]]);
    const back = await readTracksJson(path.join(out, rel));
    const again = await providers.face!.track(videos[0], { info: { containerFrames: 25, fps: 25, width: 160, height: 120, duration: 1 } as never, warn() {} });
    expect(back.face!.refined).toEqual(again.refined);
    expect(back.face!.pose).toEqual(again.pose);
    expect(Array.from(back.audio.rms)).toEqual(Array.from({ length: 25 }, (_, t) => t));
    // the record shows the missing-face frames did not stop the metrics
    expect(Number.isFinite(r.records[0].metrics.lip_dynamics.value)).toBe(true);
  });
});
