/**
 * `--quality-model global=/path/a.onnx,mouth=/path/m.onnx,face=/path/f.onnx`: which ONNX
 * model replaces the built-in BRISQUE for each quality metric. Any subset of the three
 * keys; a metric without one keeps BRISQUE. The flag may be given several times (the
 * entries merge; a key given twice is an error). Paths cannot contain ','.
 */
import { TheValError } from '../errors.js';
import type { QualityScorer } from '../metrics/quality.js';
import { loadBrisqueScorer, type BrisqueOptions } from './brisque.js';
import { loadOnnxScorer } from './onnxScorer.js';
import type { NativeQualityScorer } from './scorer.js';

export type QualityRole = 'global' | 'mouth' | 'face';
export const QUALITY_ROLES: readonly QualityRole[] = ['global', 'mouth', 'face'];

export type QualityModelPaths = Partial<Record<QualityRole, string>>;

/** Accepted key spellings (compared lower-case): the role, or the metric's id / name. */
const KEYS: Record<string, QualityRole> = {
  global: 'global',
  global_aesthetic: 'global',
  aesthetic: 'global',
  mouth: 'mouth',
  mouth_quality: 'mouth',
  face: 'face',
  face_quality: 'face',
};

export function parseQualityModelOption(value: string | readonly string[]): QualityModelPaths {
  const values = typeof value === 'string' ? [value] : value;
  const out: QualityModelPaths = {};
  for (const v of values) {
    if (typeof v !== 'string' || v.trim() === '') {
      throw new TheValError('BAD_ARGUMENT', '--quality-model: expected role=path[,role=path...] (roles: global, mouth, face)');
    }
    for (const raw of v.split(',')) {
      const entry = raw.trim();
      if (entry === '') continue;
      const eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new TheValError('BAD_ARGUMENT', `--quality-model: '${entry}' is not role=path (roles: global, mouth, face)`);
      }
      const key = entry.slice(0, eq).trim().toLowerCase().replace(/[-\s]/g, '_');
      const role = KEYS[key];
      if (!role) {
        throw new TheValError('BAD_ARGUMENT', `--quality-model: unknown role '${entry.slice(0, eq).trim()}' (roles: global, mouth, face)`);
      }
      const file = entry.slice(eq + 1).trim();
      if (file === '') throw new TheValError('BAD_ARGUMENT', `--quality-model: no path given for ${role}`);
      if (out[role] !== undefined) throw new TheValError('BAD_ARGUMENT', `--quality-model: ${role} given twice`);
      out[role] = file;
    }
  }
  return out;
}

export type QualityScorers = Record<QualityRole, NativeQualityScorer & QualityScorer>;

/** The three scorers: the given ONNX files, BRISQUE (built-in) for the rest. */
export async function loadQualityScorers(
  paths: QualityModelPaths = {},
  options: { brisque?: BrisqueOptions; maxBatch?: number; device?: string } = {},
): Promise<QualityScorers> {
  const needBrisque = QUALITY_ROLES.some((r) => paths[r] === undefined);
  const brisqueOptions = options.device ? { ...options.brisque, device: options.device } : options.brisque;
  const brisque = needBrisque ? await loadBrisqueScorer(brisqueOptions) : undefined;
  const out = {} as QualityScorers;
  for (const role of QUALITY_ROLES) {
    const p = paths[role];
    out[role] = p !== undefined ? await loadOnnxScorer(p, { role, maxBatch: options.maxBatch }) : brisque!;
  }
  return out;
}
