/**
 * Variable frame rate: the decoder's per-frame timestamps against ffprobe's, the measured
 * drift from frame / fps, and the warning an analysis carries when the drift matters.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { analyzeVideo, frameTimingDrift, measureFrameTiming, openVideo, probe, type Providers } from '../lib/index.js';
// @ts-expect-error: plain JS test fixture
import { makeProviders } from './fixtures/fakeProviders.mjs';
import { clips } from './helpers/media.js';

/** max |(t_i - t_0) - i / fps|, worked from ffprobe's numbers. */
function driftOf(ref: { times: number[]; fps: number }): number {
  let want = 0;
  ref.times.forEach((t, i) => (want = Math.max(want, Math.abs(t - ref.times[0] - i / ref.fps))));
  return want;
}

/** ffprobe's presentation times (best-effort timestamps) of the decoded frames, and avg_frame_rate. */
function ffprobeTimes(file: string): { times: number[]; fps: number } {
  const frames = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim() !== '') // the first frame's side data prints an empty line
    .map((l) => Number(l.split(',')[0]));
  const [num, den] = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate', '-of', 'csv=p=0', file], { encoding: 'utf8' })
    .trim()
    .split('/')
    .map(Number);
  return { times: frames, fps: num / den };
}

describe('frame timestamps', () => {
  it('reader.frameTimes() and probe().frameTimes equal ffprobe frame times on the VFR clip', async () => {
    const file = clips.vfr();
    const ref = ffprobeTimes(file);
    expect(ref.times).toHaveLength(50);
    const reader = await openVideo(file);
    const buf = reader.allocate(8);
    while ((await reader.read(buf, 8)) > 0);
    const ours = Array.from(reader.frameTimes());
    reader.close();
    expect(ours).toHaveLength(50);
    for (let i = 0; i < 50; i++) expect(ours[i]).toBeCloseTo(ref.times[i], 6);
    const p = await probe(file);
    expect(Array.from(p.frameTimes)).toEqual(ours);
  });

  it('VFR: the drift from i / fps is measured as ffprobe\'s numbers give it', async () => {
    // About 20 frames 40 ms apart then 30 frames 80-120 ms apart, and the container says 25 fps:
    // at the last frame i / fps is 1.96 s where the frame is shown at 3.68 s.
    const file = clips.vfr();
    const ref = ffprobeTimes(file);
    expect(ref.fps).toBe(25);
    const want = driftOf(ref);
    const m = await measureFrameTiming(file, ref.fps);
    expect(m.frames).toBe(50);
    expect(m.missing).toBe(0);
    expect(m.maxDriftSec).toBeCloseTo(want, 6);
    expect(m.maxDriftSec).toBeGreaterThan(1.5);
    expect(m.atFrame).toBe(49);
  });

  it('CFR: no drift', async () => {
    const m = await measureFrameTiming(clips.h264(), 25);
    expect(m.frames).toBe(50);
    expect(m.maxDriftSec).toBeLessThan(1e-6);
  });

  it('frameTimingDrift by hand: 0, 0.04, 0.2 at 25 fps drifts 0.12 s at frame 2', () => {
    expect(frameTimingDrift([0, 0.04, 0.2], 25)).toEqual({ frames: 3, maxDriftSec: expect.closeTo(0.12, 9), atFrame: 2 });
  });

  it('an analysis of a VFR video warns with the drift; a CFR one does not', async () => {
    const vfr = await analyzeVideo(clips.vfr(), { providers: makeProviders({ quality: false }) as Providers, metrics: ['lip_sync'] });
    const w = vfr.warnings.find((x) => x.startsWith('variable frame rate'));
    const want = Math.round(driftOf(ffprobeTimes(clips.vfr())) * 1000);
    expect(w, JSON.stringify(vfr.warnings)).toContain(`by up to ${want} ms (frame 49)`);
    const cfr = await analyzeVideo(clips.h264(), { providers: makeProviders({ quality: false }) as Providers, metrics: ['lip_sync'] });
    expect(cfr.warnings.some((x) => x.startsWith('variable frame rate'))).toBe(false);
  });
});
