/**
 * Silero VAD v5 speech probabilities through onnxruntime-node (CPU).
 *
 * Feeding follows silero-vad 5.1.x `OnnxWrapper.__call__` as driven by
 * `get_speech_timestamps` (snakers4/silero-vad, src/silero_vad/utils_vad.py):
 * - the 16 kHz mono float audio is cut into 512-sample windows, the last one zero-padded;
 * - each window is fed as `input [1, 576]` = the previous window's last 64 samples (zeros
 *   before the first window) followed by the 512 samples (the wrapper's `_context` is the
 *   last 64 values of the concatenated input, i.e. of the padded window);
 * - `state [2, 1, 128]` starts at zeros for every call (`model.reset_states()` per file) and
 *   the model's `stateN` output is fed back;
 * - `sr` is an int64 scalar 16000;
 * - one probability per window (`output [1, 1]`), kept as float32.
 * Like the reference wrapper, the session uses one intra-op and one inter-op thread.
 */
import type * as OrtTypes from 'onnxruntime-node';
import { TheValError } from '../errors.js';
import { vadModelPath } from '../models/vadModel.js';

export const VAD_SAMPLE_RATE = 16000;
export const VAD_WINDOW = 512;
export const VAD_CONTEXT = 64;

type Ort = typeof OrtTypes;
let ortPromise: Promise<Ort> | undefined;
const sessions = new Map<string, Promise<OrtTypes.InferenceSession>>();

function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((e: unknown) => {
    ortPromise = undefined;
    throw new TheValError(
      'NATIVE_MISSING',
      `onnxruntime-node could not be loaded (${(e as Error).message}); it runs the Silero VAD model. ` +
        'Reinstall dependencies (`npm ci`).',
    );
  });
  return ortPromise;
}

export interface VadOptions {
  /** An explicit model file (default: the verified cached Silero VAD v5, fetched if missing). */
  modelPath?: string;
}

/** The shared inference session for a model file (created once per process and path). */
export async function vadSession(opts: VadOptions = {}): Promise<OrtTypes.InferenceSession> {
  const file = opts.modelPath ?? (await vadModelPath());
  let s = sessions.get(file);
  if (!s) {
    s = loadOrt().then((ort) =>
      ort.InferenceSession.create(file, {
        executionProviders: ['cpu'],
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      }),
    );
    s.catch(() => sessions.delete(file));
    sessions.set(file, s);
  }
  return s;
}

/**
 * One speech probability per 512-sample window of 16 kHz mono audio
 * (length ceil(samples.length / 512)). Recurrent state is reset at every call.
 * Inference runs off the main thread (onnxruntime-node's async run).
 */
export async function speechProbabilities(
  samples16k: Float32Array,
  opts: VadOptions = {},
): Promise<Float32Array> {
  const n = Math.ceil(samples16k.length / VAD_WINDOW);
  const probs = new Float32Array(n);
  if (n === 0) return probs;
  const [ort, session] = await Promise.all([loadOrt(), vadSession(opts)]);
  const width = VAD_CONTEXT + VAD_WINDOW;
  // One reused input buffer: [context(64) | window(512)]. The tensor wraps it without a
  // copy; it is only rewritten after the previous run has resolved.
  const x = new Float32Array(width);
  const input = new ort.Tensor('float32', x, [1, width]);
  const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(VAD_SAMPLE_RATE)), []);
  let state: OrtTypes.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  for (let i = 0; i < n; i++) {
    // context = last 64 values of the previous (padded) window; zeros for the first one.
    x.copyWithin(0, VAD_WINDOW, width);
    const from = i * VAD_WINDOW;
    const chunk = samples16k.subarray(from, Math.min(from + VAD_WINDOW, samples16k.length));
    x.set(chunk, VAD_CONTEXT);
    if (chunk.length < VAD_WINDOW) x.fill(0, VAD_CONTEXT + chunk.length);
    const out = await session.run({ input, state, sr });
    const p = out.output;
    const s = out.stateN;
    if (!p || !s) throw new TheValError('INTERNAL', 'Silero VAD model returned no output/stateN');
    probs[i] = (p.data as Float32Array)[0] as number;
    state = s;
  }
  return probs;
}
