/** Provenance strings for records and the configuration hash: which weight files, by content. */
import type { WeightFile } from './pythonWorker.js';

export function describeWeights(w: readonly WeightFile[]): string {
  return w.length ? w.map((f) => `${f.file} (${f.bytes} bytes, sha256 ${f.sha256})`).join('; ') : 'none reported';
}
