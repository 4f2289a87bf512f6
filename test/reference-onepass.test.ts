/**
 * The pyiqa worker fed by theval's single decode (issue 14 point 1): with the built-in face
 * pass (one native pass per video), the reference quality models get the pass's decoded frames
 * and its mouth boxes (QualityProvider.frameSink), so the video is decoded once in all (the
 * native decoder counter), every frame reaches TOPIQ-IAA once and equal to ffmpeg's decode,
 * and MUSIQ gets one crop per frame with a face, cut from the plain landmarks as the
 * separate path cuts it (lib/metrics/quality.ts mouthBox).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeVideo } from '../lib/analyze.js';
import { mouthBox } from '../lib/metrics/quality.js';
import { native } from '../lib/native.js';
import { defaultProviders } from '../lib/providers.js';
import { createReferenceProviders, type ReferenceProviders } from '../lib/reference/index.js';
import { talkingHeadClip } from './helpers/faceClips.js';
import { ffmpegFrames } from './helpers/media.js';
import { makeStandin, missingPython, testPython } from './helpers/referenceStandin.js';

const noNumpy = missingPython(['numpy']);
const made: ReferenceProviders[] = [];
afterAll(async () => {
  for (const r of made) await r.close();
});

describe.skipIf(noNumpy)(`pyiqa worker inside the one pass${noNumpy ? ` [skipped: ${noNumpy}]` : ''}`, () => {
  it('one video decode; every frame once, as ffmpeg decodes it; a mouth crop per frame with a face', async () => {
    const clip = await talkingHeadClip('ref-onepass', { ssml: '<speak>One two three.</speak>', seed: 6 });
    const s = makeStandin();
    const ref = await createReferenceProviders({ python: testPython, quality: true, reference: false, env: s.env });
    made.push(ref);
    const providers = { ...defaultProviders({ motion: false }), quality: ref.quality };
    expect(providers.face!.onePass).toBeTypeOf('function');
    const before = native().passStats().decoders;
    const rec = await analyzeVideo(clip.path, { providers, metrics: ['global_aesthetic', 'mouth_quality', 'lip_dynamics'], diagnostics: false });
    const after = native().passStats().decoders;
    expect(rec.status).toBe('ok');
    expect(after.video - before.video).toBe(1); // the one pass; no second decode for the worker
    expect(rec.timings.quality).toBeUndefined(); // no separate quality pass ran
    const T = rec.video!.frames;
    const calls = s.calls().filter((c) => c.metric);
    const iaa = calls.filter((c) => c.metric === 'topiq_iaa');
    expect(iaa.reduce((n, c) => n + c.shape[0], 0)).toBe(T);
    // The frames the worker saw are ffmpeg's: compare channel means of every frame.
    const truth = ffmpegFrames(clip.path);
    const [W, H] = [rec.video!.width, rec.video!.height];
    const seen = iaa.flatMap((c) => c.means as number[][]);
    for (let t = 0; t < T; t += 7) {
      const f = truth.subarray(t * W * H * 3, (t + 1) * W * H * 3);
      const m = [0, 0, 0];
      for (let i = 0; i < f.length; i++) m[i % 3] += f[i];
      m.forEach((v, c) => expect(seen[t][c]).toBeCloseTo(v / (W * H) / 255, 5));
    }
    // MUSIQ: one crop per frame with a face, the size mouthBox() gives on the same tracks.
    const musiq = calls.filter((c) => c.metric === 'musiq');
    const tracks = await (await import('../lib/face/trackFaces.js')).trackFaces(clip.path);
    const boxes = Array.from({ length: T }, (_, t) => mouthBox(tracks, t)).filter((b) => b !== null);
    expect(musiq.map((c) => [c.shape[2], c.shape[3]])).toEqual(boxes.map((b) => [b!.y1 - b!.y0, b!.x1 - b!.x0]));
    expect(Number.isFinite(rec.metrics.mouth_quality.value)).toBe(true);
  }, 300_000);
});
