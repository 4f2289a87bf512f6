/**
 * `npm run bench -- landmark-offset`: signed landmark error of our face pass against
 * MediaPipe Face Mesh itself (the JS solution in headless Chromium, test/helpers/
 * mediapipeReference.ts), per clip and model, next to what the warp's pixel-centre
 * convention predicts.
 *
 * Why: a constant (ours - MediaPipe) offset that grows with the face's size is the signature
 * of a half-pixel convention difference in the ROI -> tensor warp. MediaPipe's CPU converter
 * (cv::warpPerspective with the rotated rect's corners mapped to the tensor's corners) treats
 * pixel indices as positions; its GPU converter (the JS solution) samples at pixel centres.
 * For a tensor pixel of s = roi / 192 frame pixels the two crops differ by 0.5 (s - 1) frame
 * pixels along the tensor's axes, and the landmarks move with them. `predicted` is that value
 * with s from MediaPipe's own landmark-derived ROI (box of the landmarks, long side x 1.5).
 *
 * Clips: the parity clips (512x512) plus the Hopper clip padded to 720x528 (same face size,
 * larger frame) and scaled + padded to 640x360 (face 0.69x): if the offset follows the frame
 * size, the padded clip moves; if it follows the face (ROI) size, only the scaled one does.
 * Needs Chromium (scripts/setup.sh); MediaPipe runs are cached under $TMPDIR.
 *
 * Second table (tracking drift, docs/parity.md): on the parity clips, the tracked error next to
 * one step in open loop (the replica of test/helpers/landmarkReplica.ts fed MediaPipe's own ROI,
 * and fed ours), the growth of a 1e-4 px ROI move at frame 1 through the replica's tracking
 * loop, and MediaPipe against itself when one pixel of frame 1 changes by one level.
 */
import { pathToFileURL } from 'node:url';
import { trackFaces, type TrackFacesOptions } from '../lib/face/trackFaces.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../lib/tracks.js';
import { clipSpecs } from '../test/helpers/faceClips.js';
import { compareLandmarks, predictedCpuWarpOffset, splitFrames } from '../test/helpers/landmarkCompare.js';
import { createLandmarkReplica, openLoopErrors, perturbationGrowth, roiFromLandmarks } from '../test/helpers/landmarkReplica.js';
import { ffmpegClip } from '../test/helpers/media.js';
import { closeMediaPipe, runMediaPipe, toTrack, videoFrames, type RgbFrame } from '../test/helpers/mediapipeReference.js';
import { analyzeAudio } from '../lib/audio/analyzeAudio.js';
import { openVideo } from '../lib/decode/video.js';
import { getMetric } from '../lib/metrics/registry.js';
import type { MetricId } from '../lib/metrics/types.js';
import type { AudioTracks, FaceTracks } from '../lib/tracks.js';

export interface OffsetRow {
  clip: string;
  size: string;
  model: 'plain' | 'refined';
  warp: string;
  meanPx: number;
  p95Px: number;
  meanDxPx: number;
  meanDyPx: number;
  /** 0.5 (s - 1) averaged over frames, s = ROI side / 192 from MediaPipe's landmarks. */
  predictedPx: number;
}

/** The parity clips and two other frame sizes made from the Hopper clip (audio: the source clip's). */
export async function offsetClips(): Promise<Array<{ name: string; path: string; audio: string }>> {
  const hopper = (await clipSpecs.hopper()).path;
  const moving = (await clipSpecs.hopperMoving()).path;
  const astronaut = (await clipSpecs.astronaut()).path;
  return [
    { name: 'hopper', path: hopper, audio: hopper },
    { name: 'hopper-moving', path: moving, audio: moving },
    { name: 'astronaut', path: astronaut, audio: astronaut },
    { name: 'hopper-pad720x528', path: ffmpegClip('hopper-pad720x528.mp4', ['-i', hopper, '-vf', 'pad=720:528:104:8:gray', '-c:v', 'libx264', '-crf', '12', '-an', 'OUT']), audio: hopper },
    {
      name: 'hopper-scaled640x360',
      path: ffmpegClip('hopper-scaled640x360.mp4', ['-i', hopper, '-vf', 'scale=352:352,pad=640:360:144:4:gray', '-c:v', 'libx264', '-crf', '12', '-an', 'OUT']),
      audio: hopper,
    },
  ];
}

/** The landmark metrics, computed by theval's metric code (the reference formulas, METRICS.md) on given tracks. */
export const LANDMARK_ONLY: readonly MetricId[] = ['lip_dynamics', 'eyebrow_dynamics', 'silent_lip_stability', 'lip_sync'];

export interface MetricRow {
  clip: string;
  metric: MetricId;
  mediapipe: number;
  /** Per warp convention: the value on our landmarks. */
  ours: Record<string, number>;
}

function metricValues(face: FaceTracks, audio: AudioTracks): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of LANDMARK_ONLY) out[id] = getMetric(id).compute!({ face, audio }).value;
  return out;
}

async function decoded(file: string): Promise<RgbFrame[]> {
  const out: RgbFrame[] = [];
  for await (const f of videoFrames(file)) out.push(f);
  return out;
}

export async function measureOffsets(warps: Array<{ name: string; options: TrackFacesOptions }>, metricRows: MetricRow[] = []): Promise<OffsetRow[]> {
  const rows: OffsetRow[] = [];
  for (const clip of await offsetClips()) {
    const frames = await decoded(clip.path);
    const W = frames[0].width;
    const H = frames[0].height;
    const refs = {
      plain: await runMediaPipe(frames, { refineLandmarks: false, mode: 'video' }),
      refined: await runMediaPipe(frames, { refineLandmarks: true, mode: 'video' }),
    };
    // The metrics on MediaPipe's own landmarks (the reference formulas, theval's metric code).
    const T = frames.length;
    const reader = await openVideo(clip.path);
    const fps = reader.info.fps;
    reader.close();
    const audio = (await analyzeAudio(clip.audio, fps, T)).tracks;
    const nanTrack = (k: number) => new Float32Array(T * k).fill(NaN);
    const mpTracks: FaceTracks = {
      fps, width: W, height: H, frames: T,
      landmarks: toTrack(refs.plain, PLAIN_POINTS), refined: toTrack(refs.refined, REFINED_POINTS), box: nanTrack(4), pose: nanTrack(3),
    };
    const mp = metricValues(mpTracks, audio);
    const byMetric = LANDMARK_ONLY.map((metric) => ({ clip: clip.name, metric, mediapipe: mp[metric], ours: {} as Record<string, number> }));
    metricRows.push(...byMetric);
    for (const warp of warps) {
      const t = await trackFaces(clip.path, warp.options);
      const v = metricValues(t, audio);
      for (const r of byMetric) r.ours[warp.name] = v[r.metric];
      for (const model of ['plain', 'refined'] as const) {
        const ours = splitFrames(model === 'plain' ? t.landmarks : t.refined, model === 'plain' ? PLAIN_POINTS : REFINED_POINTS);
        const c = compareLandmarks(ours, refs[model], W, H);
        rows.push({
          clip: clip.name,
          size: `${W}x${H}`,
          model,
          warp: warp.name,
          meanPx: c.meanPx,
          p95Px: c.p95Px,
          meanDxPx: c.meanDxPx,
          meanDyPx: c.meanDyPx,
          predictedPx: predictedCpuWarpOffset(refs[model], W, H),
        });
      }
    }
  }
  return rows;
}

export interface StabilityRow {
  clip: string;
  model: 'plain' | 'refined';
  /** Our tracked pass vs MediaPipe's (the parity test's figure). */
  trackedMeanPx: number;
  /** One step, worst frame: the replica on MediaPipe's ROI vs MediaPipe; on our ROI vs our pass. */
  stepOnMediaPipeMaxPx: number;
  stepOnOursMaxPx: number;
  /** Replica loop vs the same loop with its frame-1 ROI moved by 1e-4 px: mean over frames, worst frame. */
  perturbedMeanPx: number;
  perturbedMaxPx: number;
  /** MediaPipe vs MediaPipe with one pixel (at its frame-1 ROI centre) of frame 1 changed by one level. */
  mediapipeSelfMeanPx: number;
  mediapipeSelfP95Px: number;
}

/** A copy of the frames with one pixel of frame 1 (at the centre of MediaPipe's ROI for it) one level brighter (darker at 255). */
function onePixelChanged(frames: RgbFrame[], frame0: Float32Array): RgbFrame[] {
  const { width: W, height: H } = frames[0];
  const roi = roiFromLandmarks(frame0, W, H);
  const x = Math.round(roi.cx * W), y = Math.round(roi.cy * H);
  const ch = frames[1].data.length / (W * H);
  const data = Uint8Array.from(frames[1].data);
  const i = (y * W + x) * ch;
  data[i] = data[i] < 255 ? data[i] + 1 : data[i] - 1;
  return frames.map((f, t) => (t === 1 ? { ...f, data } : f));
}

export interface StabilityMetricRow {
  clip: string;
  metric: MetricId;
  mediapipe: number;
  /** The metric on MediaPipe's landmarks of the clip with one pixel of frame 1 changed by one level. */
  mediapipeOnePixel: number;
  /** The metric on our landmarks. */
  ours: number;
}

export async function measureTrackingStability(metricRows: StabilityMetricRow[] = []): Promise<StabilityRow[]> {
  const rows: StabilityRow[] = [];
  const clips = (await offsetClips()).filter((c) => ['hopper', 'hopper-moving', 'astronaut'].includes(c.name));
  const max = (xs: number[]) => Math.max(...xs.filter((x) => Number.isFinite(x)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const clip of clips) {
    const frames = await decoded(clip.path);
    const { width: W, height: H } = frames[0];
    const T = frames.length;
    const t = await trackFaces(clip.path);
    const mpTracks: Partial<Record<'plain' | 'refined', { mp: Float32Array; changed: Float32Array }>> = {};
    for (const model of ['plain', 'refined'] as const) {
      const refined = model === 'refined';
      const points = refined ? REFINED_POINTS : PLAIN_POINTS;
      const mp = await runMediaPipe(frames, { refineLandmarks: refined, mode: 'video' });
      const changed = await runMediaPipe(onePixelChanged(frames, mp[0]!), { refineLandmarks: refined, mode: 'video' });
      mpTracks[model] = { mp: toTrack(mp, points), changed: toTrack(changed, points) };
      const ours = splitFrames(refined ? t.refined : t.landmarks, points);
      const replica = await createLandmarkReplica(refined);
      try {
        const grow = await perturbationGrowth(replica, frames, mp[0]!, 1e-4);
        const self = compareLandmarks(mp, changed, W, H);
        rows.push({
          clip: clip.name,
          model,
          trackedMeanPx: compareLandmarks(ours, mp, W, H).meanPx,
          stepOnMediaPipeMaxPx: max(await openLoopErrors(replica, frames, mp)),
          stepOnOursMaxPx: max(await openLoopErrors(replica, frames, ours)),
          perturbedMeanPx: mean(grow),
          perturbedMaxPx: max(grow),
          mediapipeSelfMeanPx: self.meanPx,
          mediapipeSelfP95Px: self.p95Px,
        });
      } finally {
        await replica.close();
      }
    }
    // The landmark metrics: how far MediaPipe's own values move under the one-level change,
    // next to how far ours are from MediaPipe's.
    const reader = await openVideo(clip.path);
    const fps = reader.info.fps;
    reader.close();
    const audio = (await analyzeAudio(clip.audio, fps, T)).tracks;
    const nanTrack = (k: number) => new Float32Array(T * k).fill(NaN);
    const tracks = (which: 'mp' | 'changed'): FaceTracks => ({
      fps, width: W, height: H, frames: T,
      landmarks: mpTracks.plain![which], refined: mpTracks.refined![which], box: nanTrack(4), pose: nanTrack(3),
    });
    const a = metricValues(tracks('mp'), audio);
    const b = metricValues(tracks('changed'), audio);
    const o = metricValues(t, audio);
    for (const metric of LANDMARK_ONLY) metricRows.push({ clip: clip.name, metric, mediapipe: a[metric], mediapipeOnePixel: b[metric], ours: o[metric] });
  }
  return rows;
}

export async function run(): Promise<Record<string, unknown>> {
  const warps: Array<{ name: string; options: TrackFacesOptions }> = [
    { name: 'centres', options: {} },
    { name: 'cpu-opencv', options: { cpuWarp: true } },
  ];
  try {
    const metricRows: MetricRow[] = [];
    const rows = await measureOffsets(warps, metricRows);
    console.log('| clip | frame | model | warp | mean px | p95 px | signed dx px | signed dy px | predicted 0.5(s-1) px |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.clip} | ${r.size} | ${r.model} | ${r.warp} | ${r.meanPx.toFixed(3)} | ${r.p95Px.toFixed(3)} | ${r.meanDxPx.toFixed(3)} | ${r.meanDyPx.toFixed(3)} | ${r.predictedPx.toFixed(3)} |`,
      );
    const rel = (a: number, b: number) => Math.abs(a / b - 1);
    console.log('\nmetrics (reference formulas) on our landmarks vs on MediaPipe\'s: value, |ours / MediaPipe - 1|');
    console.log(`| clip | metric | MediaPipe | ${warps.map((w) => `${w.name} | rel`).join(' | ')} |`);
    console.log(`|---|---|---|${warps.map(() => '---|---').join('|')}|`);
    for (const r of metricRows)
      console.log(`| ${r.clip} | ${r.metric} | ${r.mediapipe.toPrecision(5)} | ${warps.map((w) => `${r.ours[w.name].toPrecision(5)} | ${(100 * rel(r.ours[w.name], r.mediapipe)).toFixed(2)}%`).join(' | ')} |`);
    const median = (xs: number[]) => {
      const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
      return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
    };
    const summary: Record<string, Record<string, { median: number; max: number }>> = {};
    for (const id of LANDMARK_ONLY) {
      summary[id] = {};
      for (const w of warps) {
        const e = metricRows.filter((r) => r.metric === id).map((r) => rel(r.ours[w.name], r.mediapipe));
        summary[id][w.name] = { median: median(e), max: Math.max(...e.filter((x) => Number.isFinite(x))) };
      }
      console.log(`${id}: ${warps.map((w) => `${w.name} median ${(100 * summary[id][w.name].median).toFixed(2)}%, max ${(100 * summary[id][w.name].max).toFixed(2)}%`).join('; ')}`);
    }
    const trackingMetrics: StabilityMetricRow[] = [];
    const tracking = await measureTrackingStability(trackingMetrics);
    console.log('\ntracking drift: one step in open loop vs the tracked loop (px)');
    console.log('| clip | model | tracked: ours vs MediaPipe, mean | one step on MediaPipe\'s ROI, worst frame | one step on our ROI vs our pass, worst frame | 1e-4 px ROI move at frame 1: mean / worst frame | MediaPipe vs itself, one pixel of frame 1 +1 level: mean / p95 |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of tracking)
      console.log(
        `| ${r.clip} | ${r.model} | ${r.trackedMeanPx.toFixed(3)} | ${r.stepOnMediaPipeMaxPx.toExponential(1)} | ${r.stepOnOursMaxPx.toExponential(1)} | ${r.perturbedMeanPx.toFixed(3)} / ${r.perturbedMaxPx.toFixed(3)} | ${r.mediapipeSelfMeanPx.toFixed(3)} / ${r.mediapipeSelfP95Px.toFixed(3)} |`,
      );
    console.log('\nmetrics: MediaPipe vs MediaPipe with one pixel of frame 1 changed by one level, next to ours vs MediaPipe: |x / MediaPipe - 1|');
    console.log('| clip | metric | MediaPipe | MediaPipe, one pixel changed | rel | ours | rel |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of trackingMetrics)
      console.log(
        `| ${r.clip} | ${r.metric} | ${r.mediapipe.toPrecision(5)} | ${r.mediapipeOnePixel.toPrecision(5)} | ${(100 * rel(r.mediapipeOnePixel, r.mediapipe)).toFixed(2)}% | ${r.ours.toPrecision(5)} | ${(100 * rel(r.ours, r.mediapipe)).toFixed(2)}% |`,
      );
    return { rows, metricRows, metricSummary: summary, tracking, trackingMetrics };
  } finally {
    await closeMediaPipe();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r));
}
