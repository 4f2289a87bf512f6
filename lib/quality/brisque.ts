/**
 * The built-in quality scorer: BRISQUE from OpenCV's quality module
 * (cv::quality::QualityBRISQUE) with the LIVE-trained model files of Debian's `opencv-data`
 * package. No download: the files are found on disk, checked against pinned sha256 sums,
 * and loaded once per process.
 *
 * Score: OpenCV's raw BRISQUE value (clamped by OpenCV to 0..100). LOWER IS BETTER
 * (0 = pristine, higher = more distortion), the opposite orientation of the reference's
 * TOPIQ / MUSIQ scores. What BRISQUE sees: 8-bit RGB -> COLOR_RGB2GRAY (uint8) -> resize
 * when one is asked for (face crops) -> QualityBRISQUE::compute (which scales by 1/255).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fromNative, TheValError } from '../errors.js';
import { native, packageRoot } from '../native.js';
import { NativeQualityScorer } from './scorer.js';

export const BRISQUE_MODEL_FILE = 'brisque_model_live.yml';
export const BRISQUE_RANGE_FILE = 'brisque_range_live.yml';

/** sha256 of the files in Debian bookworm's opencv-data 4.6.0+dfsg-12. */
export const BRISQUE_PINNED_SHA256: Readonly<Record<string, string>> = {
  [BRISQUE_MODEL_FILE]: '4c44c7eec9e5139830c0bb0e4a044c9cd351ba5bbc9e3798beca3243e2782ff4',
  [BRISQUE_RANGE_FILE]: 'a18427f4f7ad087524bd0d63389649a3899b51ca6d44a4d5f8d8171f1f914a9c',
};

/** Where the files are looked for, in order, after THEVAL_BRISQUE_DIR. */
export const BRISQUE_SEARCH_DIRS: readonly string[] = [
  // The copy a prebuilt package carries (scripts/bundle-prebuild.mjs): installs without root.
  path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'share', 'quality'),
  '/usr/share/opencv4/quality',
  '/usr/local/share/opencv4/quality',
  '/usr/share/opencv/quality',
];

export interface BrisqueFiles {
  dir: string;
  model: string;
  range: string;
  modelSha256: string;
  rangeSha256: string;
}

export interface BrisqueOptions {
  /** A folder holding brisque_model_live.yml and brisque_range_live.yml (else THEVAL_BRISQUE_DIR, then the Debian paths). */
  dir?: string;
  /** Accept files whose sha256 differs from the pinned Debian files (the version string still names the actual sums). */
  allowUnpinned?: boolean;
  /** 'cpu' (default: OpenCV's arithmetic), or the CUDA path: 'cuda', 'cuda:N', 'cuda-emulated' (lib/gpu.ts). */
  device?: string;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Finds and checks the BRISQUE model files. Throws MODEL_MISSING / MODEL_CHECKSUM. */
export function locateBrisqueModel(options: BrisqueOptions = {}): BrisqueFiles {
  const env = process.env.THEVAL_BRISQUE_DIR;
  const dirs = options.dir !== undefined ? [options.dir] : [...(env ? [env] : []), ...BRISQUE_SEARCH_DIRS];
  const dir = dirs.find((d) => existsSync(path.join(d, BRISQUE_MODEL_FILE)) && existsSync(path.join(d, BRISQUE_RANGE_FILE)));
  if (dir === undefined) {
    throw new TheValError(
      'MODEL_MISSING',
      `BRISQUE model files (${BRISQUE_MODEL_FILE}, ${BRISQUE_RANGE_FILE}) not found in ${dirs.join(', ')}. ` +
        "They come with Debian's opencv-data package: apt-get install opencv-data (or set THEVAL_BRISQUE_DIR).",
      path.join(dirs[0], BRISQUE_MODEL_FILE),
    );
  }
  const model = path.join(dir, BRISQUE_MODEL_FILE);
  const range = path.join(dir, BRISQUE_RANGE_FILE);
  const files = { dir, model, range, modelSha256: sha256(model), rangeSha256: sha256(range) };
  if (!options.allowUnpinned) {
    for (const [file, sum] of [[model, files.modelSha256], [range, files.rangeSha256]] as const) {
      const want = BRISQUE_PINNED_SHA256[path.basename(file)];
      if (sum !== want) {
        throw new TheValError(
          'MODEL_CHECKSUM',
          `${file}: sha256 ${sum} differs from the pinned opencv-data file (${want}); ` +
            'scores from another model are not comparable. Pass allowUnpinned to use it anyway.',
          file,
        );
      }
    }
  }
  return files;
}

export class BrisqueScorer extends NativeQualityScorer {
  readonly files: BrisqueFiles;
  constructor(model: ConstructorParameters<typeof NativeQualityScorer>[0], files: BrisqueFiles, device = 'cpu') {
    const cv = native().opencvInfo().version;
    // The CUDA path's features are its own code (checked bit-identical to OpenCV's on the
    // host path, docs/gpu.md), so its version names it.
    const engine = device === 'cpu' ? `opencv-${cv}` : `${device === 'cuda-emulated' ? 'theval-cuda-emulated' : 'theval-cuda'}+opencv-${cv}`;
    super(
      model,
      'BRISQUE (built-in)',
      `${engine}+${BRISQUE_MODEL_FILE}@sha256:${files.modelSha256.slice(0, 16)}+${BRISQUE_RANGE_FILE}@sha256:${files.rangeSha256.slice(0, 16)}`,
    );
    this.files = files;
  }
}

const cache = new Map<string, Promise<BrisqueScorer>>();

/** The built-in scorer, loaded once per process (per model folder). */
export function loadBrisqueScorer(options: BrisqueOptions = {}): Promise<BrisqueScorer> {
  let files: BrisqueFiles;
  try {
    files = locateBrisqueModel(options);
  } catch (e) {
    return Promise.reject(e);
  }
  const device = options.device ?? 'cpu';
  const key = `${files.model}|${files.modelSha256}|${files.rangeSha256}|${device}`;
  let p = cache.get(key);
  if (!p) {
    p = (device === 'cpu' ? native().loadBrisque(files.model, files.range) : native().loadBrisque(files.model, files.range, device))
      .then((m) => new BrisqueScorer(m, files, device))
      .catch((e: unknown) => {
        cache.delete(key);
        throw fromNative(e);
      });
    cache.set(key, p);
  }
  return p;
}
