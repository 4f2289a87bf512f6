/**
 * Model preparation for the face pass: extract MediaPipe's face models from the pinned
 * npm package, verify them, convert the TFLite networks to ONNX and the canonical face
 * geometry to JSON, all into a cache folder outside git. Outputs are rebuilt when missing
 * or stale (the manifest records each output's source sha256, the converter version and
 * the output's own sha256).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TheValError } from '../errors.js';
import { extractFaceModels, FACE_MODEL_FILES, sha256, type FaceModelKey } from './faceMeshPackage.js';
import { faceGeometryToJson, parseFaceGeometry } from './faceGeometry.js';
import { CONVERTER_VERSION, convertTflite } from './tflite/convert.js';
import { MEDIAPIPE_CUSTOM_OPS, MEDIAPIPE_CUSTOM_OPS_NATIVE } from './tflite/mediapipeOps.js';

export { FACE_MESH_PACKAGE, FACE_MESH_VERSION, FACE_MODEL_FILES } from './faceMeshPackage.js';

export interface PrepareFaceModelsOptions {
  /** Where extracted and converted files go, e.g. `<repo>/.cache/models` (kept out of git). */
  cacheDir: string;
  /** Use this @mediapipe/face_mesh directory instead of resolving the installed package. */
  packageDir?: string;
}

export interface PreparedFaceModels {
  cacheDir: string;
  /** face_landmark.onnx: NHWC [1,192,192,3] -> conv2d_21 [1,1,1,1404], conv2d_31 [1,1,1,1]. */
  landmark: string;
  /**
   * face_landmark_with_attention.onnx: NHWC [1,192,192,3] -> output_mesh_identity [1,1,1,1404],
   * output_lips [1,1,1,160], output_left_eye / output_right_eye [1,1,1,142],
   * output_left_iris / output_right_iris [1,1,1,10], conv_faceflag [1,1,1,1].
   * Its three MediaPipe custom ops become standard ONNX ops; onnxruntime and OpenCV 4.6
   * dnn both load it.
   */
  landmarkAttention: string;
  /**
   * face_landmark_with_attention.native.onnx: the same network with TransformTensorBilinear
   * as one node that theval's OpenCV layer runs (not standard ONNX; ~4x faster on OpenCV dnn).
   * The face pass uses this one; the tests check it against onnxruntime on the portable file.
   */
  landmarkAttentionNative: string;
  /** face_detection_short_range.onnx: NHWC [1,128,128,3] -> regressors [1,896,16], classificators [1,896,1]. */
  detector: string;
  /** face_geometry.json: canonical mesh (cm) and the weighted Procrustes landmarks. */
  geometry: string;
  /** The verified original files, copied into the cache. */
  sources: Record<FaceModelKey, string>;
  manifest: string;
  packageDir: string;
  packageVersion: string;
  converterVersion: string;
  /** Output files (re)built by this call; empty when everything was up to date. */
  rebuilt: string[];
}

interface ManifestEntry {
  source: string;
  converterVersion: string;
  sha256: string;
}

interface Manifest {
  packageVersion: string;
  outputs: Record<string, ManifestEntry>;
}

export const MANIFEST_FILE = 'manifest.json';

interface OutputSpec {
  file: string;
  from: FaceModelKey;
  build: (src: Uint8Array) => Uint8Array;
}

const OUTPUTS: OutputSpec[] = [
  { file: 'face_landmark.onnx', from: 'landmark', build: (b) => convertTflite(b, { graphName: 'face_landmark' }).onnx },
  {
    file: 'face_landmark_with_attention.onnx',
    from: 'landmarkAttention',
    build: (b) =>
      convertTflite(b, { graphName: 'face_landmark_with_attention', customOps: MEDIAPIPE_CUSTOM_OPS }).onnx,
  },
  {
    file: 'face_landmark_with_attention.native.onnx',
    from: 'landmarkAttention',
    build: (b) =>
      convertTflite(b, { graphName: 'face_landmark_with_attention', customOps: MEDIAPIPE_CUSTOM_OPS_NATIVE }).onnx,
  },
  {
    file: 'face_detection_short_range.onnx',
    from: 'detector',
    build: (b) => convertTflite(b, { graphName: 'face_detection_short_range' }).onnx,
  },
  {
    file: 'face_geometry.json',
    from: 'geometry',
    build: (b) => new TextEncoder().encode(JSON.stringify(faceGeometryToJson(parseFaceGeometry(b))) + '\n'),
  },
];

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch {
    return undefined;
  }
}

/** Write-then-rename, so a concurrent reader never sees a half-written file. */
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

export async function prepareFaceModels(opts: PrepareFaceModelsOptions): Promise<PreparedFaceModels> {
  if (!opts || typeof opts.cacheDir !== 'string' || opts.cacheDir === '')
    throw new TheValError('BAD_ARGUMENT', 'prepareFaceModels: cacheDir must be a non-empty path');
  const cacheDir = path.resolve(opts.cacheDir);
  await mkdir(cacheDir, { recursive: true });

  const extracted = await extractFaceModels(opts.packageDir);
  const sourceSha = {} as Record<FaceModelKey, string>;
  const sources = {} as Record<FaceModelKey, string>;
  const rebuilt: string[] = [];
  for (const [key, bytes] of Object.entries(extracted.files) as [FaceModelKey, Uint8Array][]) {
    sourceSha[key] = sha256(bytes);
    const name = path.join(cacheDir, FACE_MODEL_FILES[key].file);
    const existing = await readIfExists(name);
    if (!existing || sha256(existing) !== sourceSha[key]) {
      await writeAtomic(name, bytes);
      rebuilt.push(path.basename(name));
    }
    sources[key] = name;
  }

  const manifestPath = path.join(cacheDir, MANIFEST_FILE);
  let manifest: Manifest = { packageVersion: extracted.packageVersion, outputs: {} };
  const oldManifest = await readIfExists(manifestPath);
  if (oldManifest) {
    try {
      const parsed = JSON.parse(oldManifest.toString('utf8')) as Manifest;
      if (parsed && typeof parsed.outputs === 'object') manifest = { ...parsed, packageVersion: extracted.packageVersion };
    } catch {
      // A damaged manifest only means everything is rebuilt.
    }
  }

  const outPath: Record<string, string> = {};
  for (const spec of OUTPUTS) {
    const file = path.join(cacheDir, spec.file);
    outPath[spec.file] = file;
    const entry = manifest.outputs[spec.file];
    const current = await readIfExists(file);
    const fresh =
      entry !== undefined &&
      current !== undefined &&
      entry.source === sourceSha[spec.from] &&
      entry.converterVersion === CONVERTER_VERSION &&
      entry.sha256 === sha256(current);
    if (fresh) continue;
    let built: Uint8Array;
    try {
      built = spec.build(extracted.files[spec.from]);
    } catch (e) {
      throw new TheValError('INTERNAL', `building ${spec.file}: ${(e as Error).message}`, file);
    }
    await writeAtomic(file, built);
    manifest.outputs[spec.file] = {
      source: sourceSha[spec.from],
      converterVersion: CONVERTER_VERSION,
      sha256: sha256(built),
    };
    rebuilt.push(spec.file);
  }
  if (rebuilt.length > 0 || !oldManifest) await writeAtomic(manifestPath, new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));

  return {
    cacheDir,
    landmark: outPath['face_landmark.onnx'],
    landmarkAttention: outPath['face_landmark_with_attention.onnx'],
    landmarkAttentionNative: outPath['face_landmark_with_attention.native.onnx'],
    detector: outPath['face_detection_short_range.onnx'],
    geometry: outPath['face_geometry.json'],
    sources,
    manifest: manifestPath,
    packageDir: extracted.packageDir,
    packageVersion: extracted.packageVersion,
    converterVersion: CONVERTER_VERSION,
    rebuilt,
  };
}
