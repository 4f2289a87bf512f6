/**
 * Per-video CSVs of the diagnostics (docs/diagnostics.md), written next to the reference's
 * per-metric files but in a subfolder (`<method>/diagnostics/<id>.csv`), so that the
 * reference's collect step (and `theval collect`) never mistakes one for a THEval metric.
 * Layout like the reference's files: `Video Path,<columns>`, one row per video, a blank
 * line, `Average <name>: <value>` (NaN-skipping mean of the last column).
 */
import { getDiagnostic, type DiagnosticId } from '../diagnostics/registry.js';
import type { MetricResult } from '../metrics/types.js';
import { datasetValue } from '../score.js';
import { formatNumber } from './referenceCsv.js';

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Column headers after `Video Path` (the diagnostic's value is the last one). */
export function diagnosticColumns(id: DiagnosticId): string[] {
  const d = getDiagnostic(id);
  return id === 'av_offset' ? ['Confidence', `${d.name} (ms)`] : [d.name];
}

export function formatDiagnosticCsv(id: DiagnosticId, rows: ReadonlyArray<{ path: string; result: MetricResult }>): string {
  let out = ['Video Path', ...diagnosticColumns(id)].map(csvField).join(',') + '\n';
  for (const r of rows) {
    const cells = [r.path];
    if (id === 'av_offset') cells.push(formatNumber(((r.result.details ?? {}) as { confidence?: number }).confidence ?? NaN));
    cells.push(formatNumber(r.result.value));
    out += cells.map(csvField).join(',') + '\n';
  }
  const summary = datasetValue(rows.map((r) => r.result.value)).value;
  return `${out}\n${csvField(`Average ${getDiagnostic(id).name}: ${formatNumber(summary)}`)}\n`;
}
