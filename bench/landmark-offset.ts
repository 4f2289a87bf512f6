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
 */
import { pathToFileURL } from 'node:url';
import { trackFaces, type TrackFacesOptions } from '../lib/face/trackFaces.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../lib/tracks.js';
import { clipSpecs } from '../test/helpers/faceClips.js';
import { compareLandmarks, splitFrames, type LandmarkFrames } from '../test/helpers/landmarkCompare.js';
import { ffmpegClip } from '../test/helpers/media.js';
import { closeMediaPipe, runMediaPipe, videoFrames, type RgbFrame } from '../test/helpers/mediapipeReference.js';

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

/** The parity clips and two other frame sizes made from the Hopper clip. */
export async function offsetClips(): Promise<Array<{ name: string; path: string }>> {
  const hopper = (await clipSpecs.hopper()).path;
  return [
    { name: 'hopper', path: hopper },
    { name: 'hopper-moving', path: (await clipSpecs.hopperMoving()).path },
    { name: 'astronaut', path: (await clipSpecs.astronaut()).path },
    { name: 'hopper-pad720x528', path: ffmpegClip('hopper-pad720x528.mp4', ['-i', hopper, '-vf', 'pad=720:528:104:8:gray', '-c:v', 'libx264', '-crf', '12', '-an', 'OUT']) },
    {
      name: 'hopper-scaled640x360',
      path: ffmpegClip('hopper-scaled640x360.mp4', ['-i', hopper, '-vf', 'scale=352:352,pad=640:360:144:4:gray', '-c:v', 'libx264', '-crf', '12', '-an', 'OUT']),
    },
  ];
}

async function decoded(file: string): Promise<RgbFrame[]> {
  const out: RgbFrame[] = [];
  for await (const f of videoFrames(file)) out.push(f);
  return out;
}

/** Mean over frames of 0.5 (s - 1): s from the ROI MediaPipe derives from the previous frame's landmarks. */
function predictedOffset(ref: LandmarkFrames, W: number, H: number): number {
  let sum = 0;
  let n = 0;
  for (let t = 1; t < ref.length; t++) {
    const p = ref[t - 1];
    if (!p || !ref[t]) continue;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < p.length; i += 3) {
      x0 = Math.min(x0, p[i]);
      x1 = Math.max(x1, p[i]);
      y0 = Math.min(y0, p[i + 1]);
      y1 = Math.max(y1, p[i + 1]);
    }
    const roi = 1.5 * Math.max((x1 - x0) * W, (y1 - y0) * H);
    sum += 0.5 * (roi / 192 - 1);
    n++;
  }
  return n ? sum / n : NaN;
}

export async function measureOffsets(warps: Array<{ name: string; options: TrackFacesOptions }>): Promise<OffsetRow[]> {
  const rows: OffsetRow[] = [];
  for (const clip of await offsetClips()) {
    const frames = await decoded(clip.path);
    const W = frames[0].width;
    const H = frames[0].height;
    const refs = {
      plain: await runMediaPipe(frames, { refineLandmarks: false, mode: 'video' }),
      refined: await runMediaPipe(frames, { refineLandmarks: true, mode: 'video' }),
    };
    for (const warp of warps) {
      const t = await trackFaces(clip.path, warp.options);
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
          predictedPx: predictedOffset(refs[model], W, H),
        });
      }
    }
  }
  return rows;
}

export async function run(): Promise<Record<string, unknown>> {
  const warps: Array<{ name: string; options: TrackFacesOptions }> = [
    { name: 'centres', options: {} },
    { name: 'cpu-opencv', options: { cpuWarp: true } },
  ];
  try {
    const rows = await measureOffsets(warps);
    console.log('| clip | frame | model | warp | mean px | p95 px | signed dx px | signed dy px | predicted 0.5(s-1) px |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.clip} | ${r.size} | ${r.model} | ${r.warp} | ${r.meanPx.toFixed(3)} | ${r.p95Px.toFixed(3)} | ${r.meanDxPx.toFixed(3)} | ${r.meanDyPx.toFixed(3)} | ${r.predictedPx.toFixed(3)} |`,
      );
    return { rows };
  } finally {
    await closeMediaPipe();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r));
}
