/**
 * `theval report`: an output folder -> one self-contained HTML page (or a paper table).
 * load (load.ts) -> bootstrap and per-video views (model.ts) -> HTML (html.ts) or
 * Markdown / LaTeX / CSV (tables.ts).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { reportHtml } from './html.js';
import { loadRun } from './load.js';
import { buildModel, type ReportModel, type ReportOptions } from './model.js';
import { leaderboardTableText, type TableFormat } from './tables.js';

export type { ReportModel, ReportOptions, TableFormat };
export { buildModel, leaderboardTableText, loadRun, reportHtml };

export type ReportFormat = 'html' | TableFormat;

/** The report of output folder `dir` as text in `format` (default html). */
export async function renderReport(dir: string, format: ReportFormat = 'html', options: ReportOptions = {}): Promise<{ text: string; model: ReportModel }> {
  const model = await buildModel(loadRun(dir), options);
  return { text: format === 'html' ? reportHtml(model) : leaderboardTableText(model, format), model };
}

/** Writes the report of `dir` to `file` (atomically: a reader never sees half a page). */
export async function writeReport(dir: string, file: string, format: ReportFormat = 'html', options: ReportOptions = {}): Promise<{ file: string; bytes: number; model: ReportModel }> {
  const { text, model } = await renderReport(dir, format, options);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  return { file, bytes: Buffer.byteLength(text), model };
}
