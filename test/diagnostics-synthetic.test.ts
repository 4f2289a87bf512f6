/**
 * The diagnostics beyond THEval (docs/diagnostics.md) on synthetic talking heads with KNOWN
 * truth (lib/samples/synth.ts), through the real pipeline (analyzeVideo: native decode, face
 * pass with the motion diagnostics, Silero VAD + RMS):
 *  - flicker injected on the face raises the face warping error >= 3x over the clean clip,
 *    while a known sub-pixel drift of the whole clip does not (< 1.5x);
 *  - a background warped in sync with the head gives >= 5x the background motion of a
 *    locked-off (static) background;
 *  - audio shifted by -200, 0, +200, +400 ms is found within +-40 ms (positive = audio late),
 *    and a static mouth gets a low confidence;
 *  - frame difference equals numpy on the same frames decoded by the ffmpeg CLI, and the
 *    official frame_motion.py computation on frames decoded by OpenCV (cv2.VideoCapture).
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeVideo } from '../lib/index.js';
import type { VideoRecord } from '../lib/analyze.js';
import type { SynthOptions } from '../lib/samples/synth.js';
import { talkingHeadClip } from './helpers/faceClips.js';

// ~4 s of speech with two pauses (the offset search needs onsets and ends of speech).
const SSML = '<speak>One two three four. <break time="600ms"/> Five six seven. <break time="500ms"/> Eight nine.</speak>';
const VARIANTS = {
  clean: {},
  flicker: { faceFlicker: 12 },
  drift: { drift: [0.37, 0.23] },
  staticBackground: { background: 'static' },
  audioEarly200: { audioShift: -0.2 },
  audioLate200: { audioShift: 0.2 },
  audioLate400: { audioShift: 0.4 },
  staticMouth: { mouth: 'static' },
} satisfies Record<string, SynthOptions>;
type Variant = keyof typeof VARIANTS;

const rec = {} as Record<Variant, VideoRecord>;
const path = {} as Record<Variant, string>;
const d = (v: Variant, id: keyof NonNullable<VideoRecord['diagnostics']>) => rec[v].diagnostics![id]!;

beforeAll(async () => {
  const names = Object.keys(VARIANTS) as Variant[];
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < names.length) {
        const v = names[next++];
        const clip = await talkingHeadClip(`diag-${v}`, { ssml: SSML, seed: 3, headMotion: 3, ...VARIANTS[v] });
        path[v] = clip.path;
        rec[v] = await analyzeVideo(clip.path, { metrics: ['lip_sync'] });
      }
    }),
  );
  console.table(
    Object.fromEntries(
      names.map((v) => [
        v,
        Object.fromEntries(Object.entries(rec[v].diagnostics ?? {}).map(([k, m]) => [k, Number(m!.value.toFixed(3))])),
      ]),
    ),
  );
}, 900_000);

describe('face warping error', () => {
  it('flicker on the face raises it >= 3x over the clean clip', () => {
    expect(rec.clean.status).toBe('ok');
    expect(d('flicker', 'face_warping_error').value).toBeGreaterThanOrEqual(3 * d('clean', 'face_warping_error').value);
  });
  it('a known sub-pixel drift of the whole clip (0.37, 0.23 px per frame) does not (< 1.5x)', () => {
    const r = d('drift', 'face_warping_error').value / d('clean', 'face_warping_error').value;
    expect(r).toBeLessThan(1.5);
    expect(r).toBeGreaterThan(0.5);
  });
});

describe('background motion', () => {
  it('a background warped in sync with the head moves >= 5x a static background', () => {
    const warped = d('clean', 'background_motion').value;
    const still = d('staticBackground', 'background_motion').value;
    expect(warped).toBeGreaterThanOrEqual(5 * still);
    // Relative to the face's own motion: ~0 for the locked-off camera.
    expect(d('staticBackground', 'background_motion_relative').value).toBeLessThan(0.1);
    expect(d('clean', 'background_motion_relative').value).toBeGreaterThan(0.5);
  });
});

describe('audio-video offset (positive = audio late)', () => {
  const cases: Array<[Variant, number]> = [['audioEarly200', -200], ['clean', 0], ['audioLate200', 200], ['audioLate400', 400]];
  for (const [v, truth] of cases) {
    it(`${v}: ${truth} ms within +-40 ms`, () => {
      expect(Math.abs(d(v, 'av_offset').value - truth)).toBeLessThanOrEqual(40);
    });
  }
  it('a static mouth gets a low confidence (under a third of a talking clip\'s)', () => {
    const c = (v: Variant) => (d(v, 'av_offset').details as { confidence: number }).confidence;
    expect(c('staticMouth')).toBeLessThan(c('clean') / 3);
    expect(c('staticMouth')).toBeLessThan(0.3);
  });
});

describe('frame difference (frame_motion.py)', () => {
  const py = (script: string, file: string): number => {
    const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(r.stderr);
    return Number(r.stdout.trim());
  };
  it('equals numpy on the frames the ffmpeg CLI decodes (first 500 frames, float32 |diff| mean per pair)', () => {
    const numpy = py(
      `import sys, subprocess, numpy as np
w = h = 512
raw = subprocess.run(['ffmpeg','-v','error','-i',sys.argv[1],'-f','rawvideo','-pix_fmt','rgb24','-'], capture_output=True, check=True).stdout
f = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)[:500].astype(np.float32)
print(repr(float(np.mean([np.mean(np.abs(f[i] - f[i-1])) for i in range(1, len(f))]))))`,
      path.clean,
    );
    const ours = d('clean', 'frame_difference');
    expect(Math.abs(ours.value - numpy) / numpy).toBeLessThan(1e-5);
  });
  it('equals the official computation on OpenCV-decoded (BGR) frames', () => {
    const cv = py(
      `import sys, cv2, numpy as np
cap = cv2.VideoCapture(sys.argv[1]); vals = []
ok, prev = cap.read(); n = 1
while n < 500:
    ok, cur = cap.read()
    if not ok: break
    vals.append(np.mean(np.abs(prev.astype(np.float32) - cur.astype(np.float32)))); prev = cur; n += 1
print(repr(float(np.mean(vals))))`,
      path.clean,
    );
    expect(Math.abs(d('clean', 'frame_difference').value - cv) / cv).toBeLessThan(1e-5);
  });
});
