/**
 * The tables of an output folder, written the same way by `evaluate` (one process) and by
 * `merge` (shards): per method the reference's per-metric CSVs and the diagnostics' CSVs
 * (`<method>/diagnostics/`), then `aggregate.csv` (GT last) and `summary.json`. Each file
 * goes through writeFileAtomic (fsync, rename, folder fsync). Given the run's provenance
 * (lib/io/provenance.ts), every CSV gets its `<name>.provenance.json` sidecar.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { VideoRecord } from '../analyze.js';
import { DIAGNOSTIC_IDS } from '../diagnostics/registry.js';
import type { MetricId } from '../metrics/types.js';
import { writeFileAtomic } from './atomicFile.js';
import { formatDiagnosticCsv } from './diagnosticsCsv.js';
import { formatAggregateCsv, formatMetricCsv, metricCsvRow, type AggregateRow } from './referenceCsv.js';
import { provenancePath } from './provenance.js';
import { jsonNumbers } from './resultsStore.js';

/** The GT method's name in every table. */
export const GT_NAME = 'GT';

/** A method's folder name under the output folder. */
export function methodDirName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || '_';
}

/** `<out>/<method>/<metric>.csv` for the selected metrics and `<out>/<method>/diagnostics/<id>.csv`. Returns the files. */
export async function writeMethodTables(
  out: string,
  method: string,
  records: readonly VideoRecord[],
  metrics: readonly MetricId[],
  provenance?: string,
): Promise<string[]> {
  const files: string[] = [];
  const write = async (file: string, text: string) => {
    await writeFileAtomic(file, text);
    files.push(file);
    if (provenance) {
      // Which backends/profile made the numbers: a sidecar, so the CSV stays the reference's format.
      await writeFileAtomic(provenancePath(file), provenance);
      files.push(provenancePath(file));
    }
  };
  const dir = path.join(out, methodDirName(method));
  await mkdir(dir, { recursive: true });
  const ok = records.filter((r) => r.status === 'ok');
  for (const id of metrics) {
    await write(path.join(dir, `${id}.csv`), formatMetricCsv(id, ok.map((r) => metricCsvRow(id, r.path, r.metrics[id]))));
  }
  const withDiag = ok.filter((r) => r.diagnostics);
  if (withDiag.length) {
    // A subfolder: the reference's collect step reads every CSV of the method folder.
    const ddir = path.join(dir, 'diagnostics');
    await mkdir(ddir, { recursive: true });
    for (const id of DIAGNOSTIC_IDS) {
      const rows = withDiag.map((r) => ({ path: r.path, result: r.diagnostics![id] ?? { value: NaN, reason: 'not computed' } }));
      await write(path.join(ddir, `${id}.csv`), formatDiagnosticCsv(id, rows));
    }
  }
  return files;
}

/**
 * `aggregate.csv` (GT last, as the reference's table) and `summary.json` (the run's
 * EvaluationSummary, lib/evaluate.ts, written as given). Returns the files.
 */
export async function writeRunTables(out: string, rows: readonly AggregateRow[], summary: object, provenance?: string): Promise<string[]> {
  const files: string[] = [];
  const agg = path.join(out, 'aggregate.csv');
  await writeFileAtomic(agg, formatAggregateCsv([...rows.filter((r) => r.model !== GT_NAME), ...rows.filter((r) => r.model === GT_NAME)]));
  files.push(agg);
  if (provenance) {
    await writeFileAtomic(provenancePath(agg), provenance);
    files.push(provenancePath(agg));
  }
  const sj = path.join(out, 'summary.json');
  await writeFileAtomic(sj, JSON.stringify(summary, jsonNumbers, 2) + '\n');
  files.push(sj);
  return files;
}
