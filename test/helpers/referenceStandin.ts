/**
 * The pyiqa / FaceXFormer stand-ins (test/fixtures/pyiqa_standin, see its README) wired
 * for a test: a Python with numpy, the environment that puts the stand-ins first on
 * PYTHONPATH, stand-in weight files, the call log, and lossless RGB clips made from
 * frames the test draws itself (so every pixel the worker sees is known).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STANDIN_DIR = path.join(root, 'test/fixtures/pyiqa_standin');

/** THEVAL_TEST_PYTHON, else Debian's python3 (numpy, PIL from apt), else python3 on PATH. */
export const testPython = process.env.THEVAL_TEST_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** null when the test Python can import every module, else why not. */
export function missingPython(modules: string[]): string | null {
  const r = spawnSync(testPython, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  return r.status === 0 ? null : `${testPython} cannot import ${modules.join(', ')}: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
}

export interface Standin {
  dir: string;
  weights: string;
  checkpoint: string;
  log: string;
  env: Record<string, string>;
  /** The logged calls so far. */
  calls(): Array<Record<string, any>>;
}

/** A fresh folder with stand-in weights, a FaceXFormer checkpoint at <repo>/ckpts/model.pt and an empty log. */
export function makeStandin(pythonPath = STANDIN_DIR): Standin {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-standin-'));
  const weights = path.join(dir, 'weights');
  const checkpoint = path.join(dir, 'facexformer', 'ckpts', 'model.pt');
  mkdirSync(weights);
  mkdirSync(path.dirname(checkpoint), { recursive: true });
  execFileSync(testPython, [
    '-c',
    `import pickle, sys
for n in ('topiq_iaa', 'musiq', 'topiq_nr-face'):
    pickle.dump({'name': n}, open(f'${weights}/{n}.pth', 'wb'))
pickle.dump({'state_dict_backbone': {'standin': 1}}, open('${checkpoint}', 'wb'))`,
  ]);
  const log = path.join(dir, 'calls.jsonl');
  return {
    dir,
    weights,
    checkpoint,
    log,
    env: { PYTHONPATH: pythonPath, STANDIN_WEIGHTS: weights, STANDIN_LOG: log },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
  };
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A lossless RGB H.264 clip (libx264rgb -qp 0) of `frames` frames drawn by `draw(t, rgb)`. */
export function drawnClip(name: string, width: number, height: number, frames: number, draw: (t: number, rgb: Uint8Array) => void): string {
  const raw = Buffer.alloc(width * height * 3 * frames);
  for (let t = 0; t < frames; t++) draw(t, raw.subarray(t * width * height * 3, (t + 1) * width * height * 3));
  const key = createHash('sha256').update(raw).update(`${width}x${height}`).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), 'theval-reference-clips');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${key}.mkv`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp.mkv`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', '25', '-i', '-', '-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24', tmp], { input: raw, maxBuffer: 1 << 28 });
  renameSync(tmp, file);
  return file;
}

/** Fills rectangle [x0,x1) x [y0,y1) of a packed RGB frame of width W. */
export function fillRect(rgb: Uint8Array, W: number, x0: number, y0: number, x1: number, y1: number, c: [number, number, number]): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgb.set(c, (y * W + x) * 3);
}

export function writeJson(file: string, x: unknown): void {
  writeFileSync(file, JSON.stringify(x));
}
