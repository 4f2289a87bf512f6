/**
 * The pinned source of MediaPipe's face models: npm `@mediapipe/face_mesh`, which packs
 * them into one `.data` file whose byte ranges are listed by its emscripten loader
 * script. Each extracted file is checked against a pinned sha256.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TheValError } from '../errors.js';

export const FACE_MESH_PACKAGE = '@mediapipe/face_mesh';
/** Also the version that runs in Chromium (0.4.1657299874 has the same model bytes). */
export const FACE_MESH_VERSION = '0.4.1633559619';
const DATA_FILE = 'face_mesh_solution_packed_assets.data';
const LOADER_FILE = 'face_mesh_solution_packed_assets_loader.js';

export type FaceModelKey = 'landmarkAttention' | 'landmark' | 'geometry' | 'detector';

export interface PinnedModelFile {
  file: string;
  size: number;
  sha256: string;
}

/** sha256 of each file as extracted from @mediapipe/face_mesh 0.4.1633559619. */
export const FACE_MODEL_FILES: Record<FaceModelKey, PinnedModelFile> = {
  landmarkAttention: {
    file: 'face_landmark_with_attention.tflite',
    size: 2495952,
    sha256: '883b7411747bac657c30c462d305d312e9dec6adbf8b85e2f5d8d722fca9455d',
  },
  landmark: {
    file: 'face_landmark.tflite',
    size: 1241896,
    sha256: 'c603fa6149219a3e9487dc9abd7a0c24474c77263273d24868378cdf40aa26d1',
  },
  geometry: {
    file: 'geometry_pipeline_metadata_landmarks.binarypb',
    size: 19376,
    sha256: 'bdbcda96dfcb7da883da124aaa2c55dee49770d934f0fcc71747f8c21bdc75b4',
  },
  detector: {
    file: 'face_detection_short_range.tflite',
    size: 229032,
    sha256: '3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633',
  },
};

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throws MODEL_CHECKSUM unless `bytes` hash to `expected`. */
export function verifySha256(bytes: Uint8Array, expected: string, what: string, file?: string): void {
  const actual = sha256(bytes);
  if (actual !== expected)
    throw new TheValError(
      'MODEL_CHECKSUM',
      `${what}: sha256 ${actual} does not match the pinned ${expected}` +
        ` (expected the file from npm ${FACE_MESH_PACKAGE}@${FACE_MESH_VERSION}; reinstall the package)`,
      file,
    );
}

/** Directory of the installed @mediapipe/face_mesh package, or MODEL_MISSING. */
export function findFaceMeshPackage(packageDir?: string): string {
  if (packageDir !== undefined) return path.resolve(packageDir);
  try {
    const require = createRequire(import.meta.url);
    return path.dirname(require.resolve(`${FACE_MESH_PACKAGE}/package.json`));
  } catch {
    throw new TheValError(
      'MODEL_MISSING',
      `npm package ${FACE_MESH_PACKAGE}@${FACE_MESH_VERSION} is not installed; it is a dependency of theval ` +
        `(npm install ${FACE_MESH_PACKAGE}@${FACE_MESH_VERSION})`,
    );
  }
}

interface PackedRange {
  filename: string;
  start: number;
  end: number;
}

/** The byte ranges the emscripten loader lists: `loadPackage({"files": [...], ...})`. */
export function parsePackedAssetsLoader(js: string): PackedRange[] {
  const m = /loadPackage\((\{"files":.*?\})\);/s.exec(js);
  if (!m) throw new Error('no loadPackage({...}) call found in the packed-assets loader');
  const meta = JSON.parse(m[1]) as { files?: PackedRange[] };
  if (!Array.isArray(meta.files)) throw new Error('packed-assets loader metadata has no files list');
  return meta.files;
}

export interface ExtractedFaceModels {
  packageDir: string;
  packageVersion: string;
  files: Record<FaceModelKey, Uint8Array>;
}

async function readOrMissing(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new TheValError(
      'MODEL_MISSING',
      `cannot read ${file} (${(e as Error).message}); reinstall npm ${FACE_MESH_PACKAGE}@${FACE_MESH_VERSION}`,
      file,
    );
  }
}

/** Cuts the four model files out of the package and verifies each against its pinned sha256. */
export async function extractFaceModels(packageDir?: string): Promise<ExtractedFaceModels> {
  const dir = findFaceMeshPackage(packageDir);
  const pkgJson = JSON.parse((await readOrMissing(path.join(dir, 'package.json'))).toString('utf8')) as {
    version?: string;
  };
  const loaderPath = path.join(dir, LOADER_FILE);
  const dataPath = path.join(dir, DATA_FILE);
  let ranges: PackedRange[];
  try {
    ranges = parsePackedAssetsLoader((await readOrMissing(loaderPath)).toString('utf8'));
  } catch (e) {
    if (e instanceof TheValError) throw e;
    throw new TheValError('MODEL_MISSING', `${loaderPath}: ${(e as Error).message}`, loaderPath);
  }
  const data = await readOrMissing(dataPath);
  const files = {} as Record<FaceModelKey, Uint8Array>;
  for (const [key, pin] of Object.entries(FACE_MODEL_FILES) as [FaceModelKey, PinnedModelFile][]) {
    const r = ranges.find((x) => path.posix.basename(x.filename) === pin.file);
    if (!r)
      throw new TheValError('MODEL_MISSING', `${pin.file} is not listed in ${loaderPath}`, loaderPath);
    if (!(r.start >= 0 && r.end > r.start && r.end <= data.length))
      throw new TheValError(
        'MODEL_CHECKSUM',
        `${pin.file}: byte range ${r.start}..${r.end} lies outside ${dataPath} (${data.length} bytes)`,
        dataPath,
      );
    const bytes = data.subarray(r.start, r.end);
    verifySha256(bytes, pin.sha256, `${pin.file} (bytes ${r.start}..${r.end} of ${dataPath})`, dataPath);
    files[key] = bytes;
  }
  return { packageDir: dir, packageVersion: pkgJson.version ?? 'unknown', files };
}
