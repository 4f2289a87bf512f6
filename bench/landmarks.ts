/**
 * Face pipeline speed on a 512x512 talking-head clip (lib/samples/synth.ts), all in one run
 * and one engine (OpenCV dnn, CPU, cv::setNumThreads(1)):
 *   - the whole pipeline (decode + detector + ROI warps + plain and refined landmark models
 *     + tracking), profile 'both' sequential and parallel (two threads per frame), and
 *     'refinedOnly';
 *   - decode alone (the same decoder, RGB24 into one reused buffer);
 *   - raw inference alone: each landmark model at batch 1 (and the plain one at batch 16), the
 *     detector once;
 *   - onnxruntime-node on the same ONNX files (1 intra-op thread), for the engine choice.
 * Ratio = pipeline time / (decode + one detection + per-frame landmark inference); target <= 1.15.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { openVideo } from '../lib/decode/video.js';
import { defaultFaceModels, trackFaces } from '../lib/face/trackFaces.js';
import { native } from '../lib/native.js';
import { synthesizeTalkingHead } from '../lib/samples/synth.js';
import { seededUniform } from '../test/helpers/compare.js';

const SSML = '<speak>Hello there, this is the landmark benchmark. <break time="300ms"/> One two three four.</speak>';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function decodeMs(file: string): Promise<{ ms: number; frames: number }> {
  const t0 = performance.now();
  const r = await openVideo(file, { threads: 1 });
  const buf = r.allocate(1);
  let frames = 0;
  while ((await r.read(buf, 1)) > 0) frames++;
  r.close();
  return { ms: performance.now() - t0, frames };
}

async function nativeModelMs(file: string, shape: number[], outputs: Record<string, number>, batch: number, repeats: number): Promise<number[]> {
  const per = shape.reduce((a, b) => a * b, 1);
  const r = await native().inferModel(file, { inputShape: shape, outputNames: Object.keys(outputs), outputElems: Object.values(outputs), batch, repeats, threads: 1 }, seededUniform(per * batch, 1, 0, 1));
  return r.ms;
}

async function ortMs(file: string, input: string, shape: number[], repeats: number): Promise<number> {
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const x = new ort.Tensor('float32', seededUniform(shape.reduce((a, b) => a * b, 1), 1, 0, 1), [1, ...shape]);
  await s.run({ [input]: x });
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await s.run({ [input]: x });
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

export async function run(): Promise<Record<string, unknown>> {
  const models = await defaultFaceModels();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-bench-face-'));
  try {
    const clip = await synthesizeTalkingHead(path.join(dir, 'talk.mp4'), { ssml: SSML, headMotion: 4 });
    await trackFaces(clip.path, { profile: 'both' }); // loads the models into the pool, warms caches
    const both = await trackFaces(clip.path, { profile: 'both', parallel: false });
    const bothParallel = await trackFaces(clip.path, { profile: 'both', parallel: true });
    const refinedOnly = await trackFaces(clip.path, { profile: 'refinedOnly' });
    const T = both.frames;
    const dec = await decodeMs(clip.path);

    const LM = { conv2d_21: 1404, conv2d_31: 1 };
    const ATT = { output_mesh_identity: 1404, output_lips: 160, output_left_eye: 142, output_right_eye: 142, output_left_iris: 10, output_right_iris: 10, conv_faceflag: 1 };
    const plainMs = await nativeModelMs(models.landmark, [192, 192, 3], LM, 1, T + 1);
    // The pipeline runs the native variant (sampler as theval's OpenCV layer); the portable
    // graph (sampler as dense MatMuls) is timed for comparison.
    const attMs = await nativeModelMs(models.landmarkAttentionNative ?? models.landmarkAttention, [192, 192, 3], ATT, 1, T + 1);
    const attPortableMs = await nativeModelMs(models.landmarkAttention, [192, 192, 3], ATT, 1, Math.min(T, 30) + 1);
    const plain16 = await nativeModelMs(models.landmark, [192, 192, 3], LM, 16, 6);
    const detMs = await nativeModelMs(models.detector, [128, 128, 3], { regressors: 896 * 16, classificators: 896 }, 1, 6);
    // Drop the first run of each (one-off allocations), sum the rest per frame.
    const plainSum = plainMs.slice(1).reduce((a, b) => a + b, 0);
    const attSum = attMs.slice(1).reduce((a, b) => a + b, 0);
    const oneDet = median(detMs.slice(1));
    const ortPlain = await ortMs(models.landmark, 'input_1', [192, 192, 3], 30);
    const ortAtt = await ortMs(models.landmarkAttention, 'input_1', [192, 192, 3], 15);

    const fps = (ms: number) => (T * 1000) / ms;
    const sumBoth = dec.ms + oneDet + plainSum + attSum;
    const sumRefined = dec.ms + oneDet + attSum;
    const rows: [string, number, string][] = [
      ['pipeline both (sequential)', both.timings.totalMs, `ratio ${(both.timings.totalMs / sumBoth).toFixed(3)} of decode+1 det+plain+refined`],
      ['pipeline both (parallel)', bothParallel.timings.totalMs, `ratio ${(bothParallel.timings.totalMs / sumBoth).toFixed(3)}`],
      ['pipeline refinedOnly', refinedOnly.timings.totalMs, `ratio ${(refinedOnly.timings.totalMs / sumRefined).toFixed(3)} of decode+1 det+refined`],
      ['decode alone', dec.ms, ''],
      ['plain model alone (batch 1)', plainSum, `${median(plainMs.slice(1)).toFixed(2)} ms/frame`],
      ['plain model alone (batch 16)', (median(plain16.slice(1)) / 16) * T, `${(median(plain16.slice(1)) / 16).toFixed(2)} ms/frame`],
      ['attention model alone (batch 1)', attSum, `${median(attMs.slice(1)).toFixed(2)} ms/frame`],
      ['attention, portable graph (batch 1)', median(attPortableMs.slice(1)) * T, `${median(attPortableMs.slice(1)).toFixed(2)} ms/frame (dense-MatMul sampler; not used by the pipeline)`],
      ['detector once', oneDet, ''],
      ['onnxruntime plain (batch 1)', ortPlain * T, `${ortPlain.toFixed(2)} ms/frame`],
      ['onnxruntime attention (batch 1)', ortAtt * T, `${ortAtt.toFixed(2)} ms/frame`],
    ];
    console.log(`face pipeline on ${T} frames of ${both.width}x${both.height} (OpenCV dnn CPU, ${both.timings.cvThreads} thread)`);
    console.log('what                               total ms   frames/s  note');
    for (const [name, ms, note] of rows) console.log(`${name.padEnd(34)} ${ms.toFixed(0).padStart(8)} ${fps(ms).toFixed(1).padStart(10)}  ${note}`);
    return {
      bench: 'landmarks',
      frames: T,
      size: `${both.width}x${both.height}`,
      engine: both.timings.backend,
      cv_threads: both.timings.cvThreads,
      pipeline_fps: { both: +fps(both.timings.totalMs).toFixed(2), both_parallel: +fps(bothParallel.timings.totalMs).toFixed(2), refined_only: +fps(refinedOnly.timings.totalMs).toFixed(2) },
      decode_fps: +fps(dec.ms).toFixed(1),
      model_ms_per_frame: {
        plain_b1: +median(plainMs.slice(1)).toFixed(2),
        plain_b16: +(median(plain16.slice(1)) / 16).toFixed(2),
        attention_b1: +median(attMs.slice(1)).toFixed(2),
        attention_portable_b1: +median(attPortableMs.slice(1)).toFixed(2),
        detector: +oneDet.toFixed(2),
        onnxruntime_plain_b1: +ortPlain.toFixed(2),
        onnxruntime_attention_b1: +ortAtt.toFixed(2),
      },
      pipeline_breakdown_ms: both.timings,
      ratio: {
        both: +(both.timings.totalMs / sumBoth).toFixed(3),
        both_parallel: +(bothParallel.timings.totalMs / sumBoth).toFixed(3),
        refined_only: +(refinedOnly.timings.totalMs / sumRefined).toFixed(3),
      },
      target: 1.15,
      met: both.timings.totalMs / sumBoth <= 1.15 && refinedOnly.timings.totalMs / sumRefined <= 1.15,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run()));
}
