/**
 * Scale equivariance of the face pass: an independent geometric truth for the crops'
 * pixel-centre convention (native/face/image_to_tensor.h), no MediaPipe needed.
 *
 * A clip and the same clip with every pixel doubled (ffmpeg scale=2x, nearest neighbour, both
 * stored as lossless RGB: pixel i of the original covers exactly pixels 2i, 2i+1) show the
 * same scene at two resolutions, so normalised landmarks must agree up to the models' noise
 * on slightly different crops; averaged over every point of every frame that noise is small. Sampling at pixel centres keeps that; MediaPipe's CPU converter
 * (cpuWarp) shifts landmarks by 0.5 (s - 1) frame pixels (s = ROI side / 192), which in
 * pixels of the original photo is 0.5 (s1 - 1) at 1x and 0.5 s1 - 0.25 at 2x: the 2x
 * landmarks sit 0.25 original pixels further right and down.
 */
import { describe, expect, it } from 'vitest';
import { trackFaces } from '../lib/face/trackFaces.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../lib/tracks.js';
import { clipSpecs } from './helpers/faceClips.js';
import { ffmpegClip } from './helpers/media.js';

/** Signed mean of (2x - 1x) over all points, in pixels of the 1x photo. */
async function shift(cpuWarp: boolean): Promise<Record<'plain' | 'refined', { dx: number; dy: number }>> {
  const src = (await clipSpecs.hopperMoving()).path;
  const rgb = ['-c:v', 'ffv1', '-pix_fmt', 'bgr0', '-an'];
  const single = ffmpegClip('hopper-moving-1x.mkv', ['-i', src, '-vf', 'format=rgb24', ...rgb, 'OUT']);
  const doubled = ffmpegClip('hopper-moving-2x.mkv', ['-i', src, '-vf', 'format=rgb24,scale=iw*2:ih*2:flags=neighbor', ...rgb, 'OUT']);
  const a = await trackFaces(single, { cpuWarp });
  const b = await trackFaces(doubled, { cpuWarp });
  expect(b.frames).toBe(a.frames);
  expect([b.width, b.height]).toEqual([2 * a.width, 2 * a.height]);
  const mean = (x: Float32Array, y: Float32Array, n: number) => {
    let dx = 0;
    let dy = 0;
    for (let i = 0; i < n * a.frames; i++) {
      dx += (y[3 * i] - x[3 * i]) * a.width;
      dy += (y[3 * i + 1] - x[3 * i + 1]) * a.height;
    }
    expect(Number.isFinite(dx) && Number.isFinite(dy), 'a face in every frame of both clips').toBe(true);
    return { dx: dx / (n * a.frames), dy: dy / (n * a.frames) };
  };
  return { plain: mean(a.landmarks, b.landmarks, PLAIN_POINTS), refined: mean(a.refined, b.refined, REFINED_POINTS) };
}

describe('face pass: scale equivariance (pixel-doubled photo)', () => {
  it('pixel centres (default): the same normalised landmarks at 1x and 2x (signed mean within 0.05 px)', async () => {
    const s = await shift(false);
    console.log(`centres: plain ${s.plain.dx.toFixed(3)}, ${s.plain.dy.toFixed(3)}; refined ${s.refined.dx.toFixed(3)}, ${s.refined.dy.toFixed(3)} px`);
    for (const v of [s.plain.dx, s.plain.dy, s.refined.dx, s.refined.dy]) expect(Math.abs(v)).toBeLessThanOrEqual(0.05);
  }, 120_000);

  it('cpuWarp (MediaPipe CPU converter): 2x landmarks shifted by the predicted +0.25 px (within 0.08)', async () => {
    const s = await shift(true);
    console.log(`cpuWarp: plain ${s.plain.dx.toFixed(3)}, ${s.plain.dy.toFixed(3)}; refined ${s.refined.dx.toFixed(3)}, ${s.refined.dy.toFixed(3)} px`);
    for (const v of [s.plain.dx, s.plain.dy, s.refined.dx, s.refined.dy]) expect(Math.abs(v - 0.25)).toBeLessThanOrEqual(0.08);
  }, 120_000);
});
