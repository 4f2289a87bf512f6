/**
 * Analysis profiles (lib/profile.ts): `clean` (default) and `reference` (the released THEval
 * scripts' quirks), each quirk switchable. Checked: the quirk list and its toggles, the
 * profile in every record and in the configuration hash, and each quirk's effect on a
 * synthetic clip against a truth made independently of the addon's emulation code:
 *   bgr-lipsync   lip sync's tracks = the clean tracks of a clip whose R and B ffmpeg swapped
 *   squash256     identity on a 256x256 clip; on a 512x512 one it changes lip dynamics
 *   static-mouth  on a still clip every frame gives the same (detection-only) landmarks
 *   loudness-44k  lip sync = the clean value of the same clip with its audio resampled to
 *                 44.1 kHz by ffmpeg (a different resampler: close, not equal)
 *   frame-cap-500 a clip still for 500 frames, then talking: with the cap, lip and eyebrow
 *                 dynamics are exactly those of its first 500 frames cut by ffmpeg
 *   cpu-warp      every pass's landmarks shift by +0.5 (s - 1) px (test/face-parity*.test.ts)
 */
import { describe, expect, it } from 'vitest';
import { analysisConfig, analyzeVideo } from '../lib/analyze.js';
import { CLEAN, profileLabel, QUIRK_IDS, resolveProfile } from '../lib/profile.js';
import { defaultProviders, mediapipeFaceProvider, type FaceTracksByMetric, type ProviderContext } from '../lib/providers.js';
import { trackFaces } from '../lib/face/trackFaces.js';
import { openVideo } from '../lib/decode/video.js';
import { clipSpecs } from './helpers/faceClips.js';
import { GRACE, stillClip } from './helpers/faceMedia.js';
import { ffmpegClip } from './helpers/media.js';
import { runCli } from './helpers/cli.js';

const LONG = 300_000;

async function ctxFor(file: string, metrics: ProviderContext['metrics']): Promise<ProviderContext> {
  const r = await openVideo(file);
  const info = r.info;
  r.close();
  return { info, warn: () => undefined, metrics };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('profiles and quirks', () => {
  it('reference = every quirk but frame-cap-500; toggles; labels; bad names', () => {
    expect(resolveProfile()).toEqual(CLEAN);
    const ref = resolveProfile({ profile: 'reference' });
    expect(ref.quirks).toEqual(['cpu-warp', 'bgr-lipsync', 'squash256', 'static-mouth', 'loudness-44k', 'pyiqa-batching']);
    expect(profileLabel(ref)).toBe('reference');
    expect(profileLabel(resolveProfile({ profile: 'reference', quirks: ['frame-cap-500'], noQuirks: ['squash256'] }))).toBe('reference+frame-cap-500-squash256');
    expect(profileLabel(resolveProfile({ quirks: ['bgr-lipsync'] }))).toBe('clean+bgr-lipsync');
    expect(QUIRK_IDS).toContain('frame-cap-500');
    expect(() => resolveProfile({ profile: 'fancy' })).toThrow(/profile must be one of/);
    expect(() => resolveProfile({ quirks: ['nope'] })).toThrow(/unknown quirk/);
    expect(() => resolveProfile({ quirks: ['squash256'], noQuirks: ['squash256'] })).toThrow(/both switched on and off/);
  });

  it('the profile is in the config hash (clean hashes carry no profile key) and in every record', async () => {
    const metrics = ['lip_sync'] as const;
    const clean = analysisConfig(defaultProviders(), metrics);
    const ref = analysisConfig(defaultProviders({ profile: resolveProfile({ profile: 'reference' }) }), metrics);
    const oneQuirk = analysisConfig(defaultProviders({ profile: resolveProfile({ quirks: ['loudness-44k'] }) }), metrics);
    expect(clean.config.profile).toBeUndefined();
    expect(ref.config.profile).toEqual({ label: 'reference', quirks: ['cpu-warp', 'bgr-lipsync', 'squash256', 'static-mouth', 'loudness-44k', 'pyiqa-batching'] });
    expect(new Set([clean.hash, ref.hash, oneQuirk.hash]).size).toBe(3);
    const file = stillClip('profile-grace', GRACE, '', 3);
    const r = await analyzeVideo(file, { profile: 'reference', metrics: ['eyebrow_dynamics'] });
    expect(r.profile).toBe('reference');
    expect(r.configHash).toBe(analysisConfig(defaultProviders({ profile: resolveProfile({ profile: 'reference' }) }), ['eyebrow_dynamics']).hash);
    expect((await analyzeVideo(file, { metrics: ['eyebrow_dynamics'] })).profile).toBe('clean');
    await expect(analyzeVideo(file, { profile: 'reference', providers: defaultProviders() })).rejects.toThrow(/given providers were made for 'clean'/);
  }, LONG);

  it('CLI: --profile / --quirk are checked (exit 2 on a bad name)', () => {
    const r = runCli(['evaluate', GRACE, '--profile', 'fancy', '-o', '/nonexistent/x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/profile must be one of clean, reference/);
    const q = runCli(['evaluate', GRACE, '--quirk', 'bgr-lipsync,nope', '-o', '/nonexistent/x']);
    expect(q.status).toBe(2);
    expect(q.stderr).toMatch(/unknown quirk/);
  });

  it('bgr-lipsync: lip sync reads the clean tracks of an ffmpeg B/R-swapped clip; only the metrics asked for get extra passes', async () => {
    const src = (await clipSpecs.hopper()).path;
    const rgb = ['-c:v', 'ffv1', '-pix_fmt', 'bgr0', '-an'];
    const clip = ffmpegClip('profile-hopper.mkv', ['-i', src, '-vf', 'format=rgb24', ...rgb, 'OUT']);
    const swapped = ffmpegClip('profile-hopper-bgr.mkv', ['-i', src, '-vf', 'format=rgb24,colorchannelmixer=rr=0:rb=1:br=1:bb=0', ...rgb, 'OUT']);
    const provider = mediapipeFaceProvider('both', {}, resolveProfile({ quirks: ['bgr-lipsync'] }));
    const t = (await provider.track(clip, await ctxFor(clip, ['lip_sync', 'head_motion']))) as FaceTracksByMetric;
    const truth = await trackFaces(swapped);
    const clean = await trackFaces(clip);
    expect(Object.keys(t.perMetric ?? {})).toEqual(['lip_sync']);
    expect(maxAbsDiff(t.perMetric!.lip_sync!.landmarks, truth.landmarks), 'BGR pass = clean pass on the swapped clip').toBeLessThan(1e-6);
    expect(maxAbsDiff(t.landmarks, clean.landmarks), 'the main pass stays clean').toBe(0);
    expect(maxAbsDiff(t.landmarks, truth.landmarks), 'and BGR really differs').toBeGreaterThan(1e-3);
    const none = (await provider.track(clip, await ctxFor(clip, ['head_motion']))) as FaceTracksByMetric;
    expect(none.perMetric, 'no lip sync asked for: no extra pass').toBeUndefined();
  }, LONG);

  it('squash256: identity on a 256x256 clip; on 512x512 it moves lip dynamics (refined model only)', async () => {
    const src = (await clipSpecs.hopper()).path;
    const small = ffmpegClip('profile-hopper-256.mkv', ['-i', src, '-vf', 'scale=256:256,format=rgb24', '-c:v', 'ffv1', '-pix_fmt', 'bgr0', '-an', 'OUT']);
    const provider = mediapipeFaceProvider('both', {}, resolveProfile({ quirks: ['squash256'] }));
    const t = (await provider.track(small, await ctxFor(small, ['lip_dynamics', 'silent_lip_stability']))) as FaceTracksByMetric;
    expect(Object.keys(t.perMetric ?? {}).sort()).toEqual(['lip_dynamics', 'silent_lip_stability']);
    expect(maxAbsDiff(t.perMetric!.lip_dynamics!.refined, t.refined), 'squashing 256 to 256 changes nothing').toBe(0);
    const cleanRec = await analyzeVideo(src, { metrics: ['lip_dynamics'] });
    const squashRec = await analyzeVideo(src, { metrics: ['lip_dynamics'], profile: { quirks: ['squash256'] } });
    expect(squashRec.profile).toBe('clean+squash256');
    const rel = Math.abs(squashRec.metrics.lip_dynamics.value / cleanRec.metrics.lip_dynamics.value - 1);
    expect(rel, 'an effect, of the size docs/fidelity.md measured (a few %)').toBeGreaterThan(1e-4);
    expect(rel).toBeLessThan(0.3);
  }, LONG);

  it('static-mouth: on a still clip the mouth-quality tracks are the same on every frame (detection only)', async () => {
    const file = stillClip('profile-grace-still', GRACE, '', 5);
    const provider = mediapipeFaceProvider('both', {}, resolveProfile({ quirks: ['static-mouth'] }));
    const t = (await provider.track(file, await ctxFor(file, ['mouth_quality']))) as FaceTracksByMetric;
    const m = t.perMetric!.mouth_quality!;
    const per = 468 * 3;
    for (let f = 1; f < 5; f++) expect(maxAbsDiff(m.landmarks.subarray(f * per, (f + 1) * per), m.landmarks.subarray(0, per))).toBe(0);
    expect(maxAbsDiff(t.landmarks.subarray(per), m.landmarks.subarray(per)), 'the tracked main pass moves after frame 0').toBeGreaterThan(1e-5);
    const rec = await analyzeVideo(file, { metrics: ['mouth_quality', 'face_quality'], profile: { quirks: ['static-mouth'] } });
    expect(Number.isFinite(rec.metrics.mouth_quality.value)).toBe(true);
    expect(Number.isFinite(rec.metrics.face_quality.value)).toBe(true);
  }, LONG);

  it('loudness-44k: lip sync = clean lip sync of the clip with its audio resampled to 44.1 kHz by ffmpeg', async () => {
    const src = (await clipSpecs.hopper()).path;
    const at22k = ffmpegClip('profile-hopper-22k.mkv', ['-i', src, '-c:v', 'copy', '-ar', '22050', '-c:a', 'pcm_s16le', 'OUT']);
    const at44k = ffmpegClip('profile-hopper-44k.mkv', ['-i', at22k, '-c:v', 'copy', '-ar', '44100', '-c:a', 'pcm_s16le', 'OUT']);
    const quirk = await analyzeVideo(at22k, { metrics: ['lip_sync'], profile: { quirks: ['loudness-44k'] } });
    const clean = await analyzeVideo(at22k, { metrics: ['lip_sync'] });
    const truth = await analyzeVideo(at44k, { metrics: ['lip_sync'] });
    const v = quirk.metrics.lip_sync.value;
    console.log(`lip sync at 22.05 kHz: clean ${clean.metrics.lip_sync.value}, loudness-44k ${v}, ffmpeg 44.1 kHz ${truth.metrics.lip_sync.value}`);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).not.toBe(clean.metrics.lip_sync.value);
    expect(Math.abs(v - truth.metrics.lip_sync.value), 'closer to the 44.1 kHz truth than the clean value is').toBeLessThan(Math.abs(clean.metrics.lip_sync.value - truth.metrics.lip_sync.value));
  }, LONG);

  it('frame-cap-500: 500 still frames then talking: the capped values are those of the first 500 frames alone', async () => {
    const talking = (await clipSpecs.hopper()).path;
    const clip = ffmpegClip('profile-still-then-talk.mkv', [
      '-loop', '1', '-framerate', '25', '-i', GRACE, '-i', talking,
      '-filter_complex', '[0:v]trim=end_frame=500,setpts=N/25/TB,format=rgb24[a];[1:v]setpts=N/25/TB,format=rgb24[b];[a][b]concat=n=2:v=1:a=0[v]',
      '-map', '[v]', '-c:v', 'ffv1', '-pix_fmt', 'bgr0', 'OUT',
    ]);
    // Truth: the first 500 frames cut by ffmpeg (tracking is causal, so the capped tracks are
    // exactly that clip's tracks).
    const first500 = ffmpegClip('profile-still-then-talk-500.mkv', ['-i', clip, '-frames:v', '500', '-c:v', 'copy', 'OUT']);
    const metrics = ['lip_dynamics', 'eyebrow_dynamics'] as const;
    const capped = await analyzeVideo(clip, { metrics: [...metrics], profile: { quirks: ['frame-cap-500'] } });
    const truth = await analyzeVideo(first500, { metrics: [...metrics] });
    expect(capped.video?.frames).toBe(571);
    expect(truth.video?.frames).toBe(500);
    expect(capped.profile).toBe('clean+frame-cap-500');
    for (const id of metrics) expect(capped.metrics[id].value, id).toBe(truth.metrics[id].value);
    // Measured once without the cap (not repeated here: 571 more frames): lip dynamics 0.668
    // clean vs 0.119 capped: the talking part is cut off.
  }, LONG);
});
