/**
 * The reference tool's CSV formats (METRICS.md, "Interop formats"):
 *  - per-metric files: `Video Path,<column(s)>`, one row per video (`NaN` for no value),
 *    a blank line, then the summary line (`Average STD Over Time: X`, or for silent lip
 *    stability the two-cell row `Average Silent MAD:,X`);
 *  - the aggregate table: `Model,Global aesthetic,...,Lip sync`, one row per method (+ GT).
 *
 * Numbers are written at full precision, the way Python's repr() writes a float (shortest
 * string that reads back to the same double: 0.1, 1.0, 1e-05, 1.2345678901234568e+17), so a
 * file reads back bit-exact in Python and here. (The reference itself rounds its output,
 * e.g. f"{x:.4f}"; readers here accept any precision.) No value is `NaN`. Lines end in
 * "\n" by default ("\r\n", what Python's csv.writer writes, on request). Fields holding a
 * comma, a quote or a line break are quoted as csv.writer does (QUOTE_MINIMAL).
 */
import { readFile, readdir } from 'node:fs/promises';
import { writeFileAtomic } from './atomicFile.js';
import path from 'node:path';
import { TheValError } from '../errors.js';
import { METRICS, METRIC_IDS, getMetric, metricForName, normaliseName } from '../metrics/registry.js';
import type { MetricId, MetricResult } from '../metrics/types.js';
import { mixingProvenanceWarning, readProvenance, rowProvenance, type Provenance } from './provenance.js';
import { datasetValue, type MetricValues } from '../score.js';
import { DIAGNOSTICS, DIAGNOSTIC_IDS, type DiagnosticId } from '../diagnostics/registry.js';

// ---------------------------------------------------------------------------- numbers

/** A float as Python's repr() writes it; NaN as `NaN` (the reference's literal). */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e'); // shortest round-trip digits
  const exp = Number(expStr);
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${int}.${digits.slice(exp + 1) || '0'}`;
}

/** Reads a number cell: decimal or exponent notation, `NaN`/`nan`/empty = NaN, `inf`. */
export function parseNumber(cell: string, where = ''): number {
  const s = cell.trim();
  if (s === '' || /^[+-]?nan$/i.test(s)) return NaN;
  if (/^[+]?(inf|infinity)$/i.test(s)) return Infinity;
  if (/^-(inf|infinity)$/i.test(s)) return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new TheValError('BAD_ARGUMENT', `not a number: '${cell}'${where ? ` (${where})` : ''}`);
  }
  return Number(s);
}

// ---------------------------------------------------------------------------- CSV text

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(cells: readonly string[], eol: string): string {
  return cells.map(csvField).join(',') + eol;
}

/** Splits CSV text into records (quoted fields may hold commas, quotes, line breaks). A blank line is `['']`. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      rec.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      rec.push(field);
      records.push(rec);
      rec = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (field !== '' || rec.length > 0) {
    rec.push(field);
    records.push(rec);
  }
  return records;
}

const isBlank = (r: readonly string[]) => r.every((c) => c.trim() === '');

// ---------------------------------------------------------------------------- per-metric files

export interface MetricCsvRow {
  path: string;
  /** One value per column after `Video Path` (head motion: 3 smoothness values + the metric). */
  values: number[];
}

export interface FormatOptions {
  /** Line ending, "\n" (default) or "\r\n". */
  eol?: '\n' | '\r\n';
}

/** The CSV row of one video from its MetricResult (head motion adds its per-angle smoothness). */
export function metricCsvRow(metric: MetricId, videoPath: string, result: MetricResult): MetricCsvRow {
  if (metric === 'head_motion') {
    const d = (result.details ?? {}) as { pitchSmoothness?: number; yawSmoothness?: number; rollSmoothness?: number };
    return { path: videoPath, values: [d.pitchSmoothness ?? NaN, d.yawSmoothness ?? NaN, d.rollSmoothness ?? NaN, result.value] };
  }
  return { path: videoPath, values: [result.value] };
}

/**
 * A per-metric file in the reference's layout. The summary is the dataset value (mean of
 * the metric column skipping NaN) unless given.
 */
export function formatMetricCsv(
  metric: MetricId,
  rows: readonly MetricCsvRow[],
  opts: FormatOptions & { summary?: number } = {},
): string {
  const eol = opts.eol ?? '\n';
  const spec = getMetric(metric).csv;
  let out = csvLine(['Video Path', ...spec.columns], eol);
  for (const r of rows) {
    if (r.values.length !== spec.columns.length) {
      throw new TheValError('BAD_ARGUMENT', `${metric}: row '${r.path}' has ${r.values.length} values, expected ${spec.columns.length}`);
    }
    out += csvLine([r.path, ...r.values.map(formatNumber)], eol);
  }
  const summary = opts.summary ?? datasetValue(rows.map((r) => r.values[r.values.length - 1])).value;
  out += eol;
  out +=
    spec.summaryStyle === 'row'
      ? csvLine([spec.summaryLabel, formatNumber(summary)], eol)
      : csvLine([`${spec.summaryLabel} ${formatNumber(summary)}`], eol);
  return out;
}

export interface ParsedMetricCsv {
  metric: MetricId;
  columns: string[];
  rows: MetricCsvRow[];
  /** The summary line's value; undefined when the file has none. */
  summary?: number;
  /** The summary as written (its precision tells how much it was rounded). */
  summaryText?: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which metric a per-metric file holds, from its value column (and, for Quality_Score, its file name). */
function identify(columns: string[], fileName?: string): MetricId {
  const last = columns[columns.length - 1] ?? '';
  if (normaliseName(last) === 'qualityscore') {
    const base = normaliseName(path.basename(fileName ?? ''));
    const mouth = base.includes('mouth') || base.includes('lip');
    const face = base.includes('face');
    if (mouth !== face) return mouth ? 'mouth_quality' : 'face_quality';
    throw new TheValError(
      'BAD_ARGUMENT',
      `${fileName ?? 'CSV'}: column Quality_Score is used by both mouth and face quality; ` +
        `put 'mouth' or 'face' in the file name, or pass the metric explicitly`,
      fileName,
    );
  }
  let id: MetricId | undefined;
  try {
    id = metricForName(last);
  } catch {
    id = undefined;
  }
  if (!id) {
    throw new TheValError('BAD_ARGUMENT', `${fileName ?? 'CSV'}: column '${last}' is not a THEval metric column`, fileName);
  }
  return id;
}

/**
 * Reads a per-metric file (ours or the reference's, including the reference's segment
 * layout `Video Path,Segment,Start Frame,End Frame,<column>` followed by
 * `=== Evaluation Summary ===` lines). Data rows run from the header to the first blank
 * line; the summary is found after it by its label. `metric` overrides the
 * detection from the column name; `fileName` is used in messages and to tell mouth from
 * face quality.
 */
export function parseMetricCsv(text: string, opts: { metric?: MetricId; fileName?: string } = {}): ParsedMetricCsv {
  const where = opts.fileName ?? 'CSV';
  const records = parseCsv(text);
  const header = records[0];
  if (!header || normaliseName(header[0] ?? '') !== 'videopath') {
    throw new TheValError('BAD_ARGUMENT', `${where}: not a per-metric file (first column must be 'Video Path')`, opts.fileName);
  }
  const headerCols = header.slice(1).map((c) => c.trim());
  const metric = opts.metric ?? identify(headerCols, opts.fileName);
  // Value columns: the registry's columns found by name (the reference's segment layout,
  // `Video Path,Segment,Start Frame,End Frame,<column>`, has bookkeeping columns to skip);
  // when they are not all there, every column after `Video Path` is a value column.
  const wanted = getMetric(metric).csv.columns;
  const found = wanted.map((w) => header.findIndex((h, k) => k > 0 && normaliseName(h) === normaliseName(w)));
  const valueIdx = found.every((k) => k > 0) ? found : headerCols.map((_, k) => k + 1);
  const columns = valueIdx.map((k) => header[k].trim());
  const rows: MetricCsvRow[] = [];
  let i = 1;
  for (; i < records.length && !isBlank(records[i]); i++) {
    const r = records[i];
    if (r.length !== header.length) {
      throw new TheValError('BAD_ARGUMENT', `${where}, line ${i + 1}: ${r.length} cells, the header has ${header.length}`, opts.fileName);
    }
    rows.push({ path: r[0], values: valueIdx.map((k) => parseNumber(r[k], `${where}, line ${i + 1}, column ${k + 1}`)) });
  }
  const label = getMetric(metric).csv.summaryLabel;
  const re = new RegExp(`^\\s*${escapeRegExp(label)}\\s*,?\\s*([^,\\s]+)`);
  for (; i < records.length; i++) {
    const m = re.exec(records[i].join(','));
    if (m) return { metric, columns, rows, summary: parseNumber(m[1], `${where}, summary`), summaryText: m[1] };
  }
  return { metric, columns, rows };
}

export async function writeMetricCsv(
  file: string,
  metric: MetricId,
  rows: readonly MetricCsvRow[],
  opts: FormatOptions & { summary?: number } = {},
): Promise<void> {
  await writeFileAtomic(file, formatMetricCsv(metric, rows, opts));
}

export async function readMetricCsv(file: string, opts: { metric?: MetricId } = {}): Promise<ParsedMetricCsv> {
  return parseMetricCsv(await readFile(file, 'utf8'), { ...opts, fileName: file });
}

// ---------------------------------------------------------------------------- aggregate table

export interface AggregateRow {
  model: string;
  values: MetricValues;
  /** Diagnostics (docs/diagnostics.md): extra columns after the eight metrics, which the reference's score step ignores. */
  diagnostics?: Partial<Record<DiagnosticId, number>>;
}

export const AGGREGATE_HEADER: readonly string[] = ['Model', ...METRICS.map((m) => m.name)];

export function formatAggregateCsv(rows: readonly AggregateRow[], opts: FormatOptions = {}): string {
  const eol = opts.eol ?? '\n';
  const diag = DIAGNOSTIC_IDS.filter((id) => rows.some((r) => r.diagnostics && id in r.diagnostics));
  let out = csvLine([...AGGREGATE_HEADER, ...diag.map((id) => DIAGNOSTICS.find((d) => d.id === id)!.name)], eol);
  for (const r of rows) {
    out += csvLine([r.model, ...METRIC_IDS.map((id) => formatNumber(r.values[id])), ...diag.map((id) => formatNumber(r.diagnostics?.[id] ?? NaN))], eol);
  }
  return out;
}

/** The diagnostic a column name means (its display name or id, case and punctuation insensitive). */
function diagnosticForName(name: string): DiagnosticId | undefined {
  const key = normaliseName(name);
  return DIAGNOSTICS.find((d) => normaliseName(d.name) === key || normaliseName(d.id) === key)?.id;
}

const MODEL_COLUMN = ['model', 'method', 'name'];

/**
 * Reads an aggregate table. Columns are matched case and punctuation insensitively to the
 * display names, ids, reference column names and aliases; unknown columns are ignored
 * with a warning; a missing metric column or a repeated one is an error.
 */
export function parseAggregateCsv(text: string, fileName?: string): { rows: AggregateRow[]; warnings: string[] } {
  const where = fileName ?? 'aggregate table';
  const records = parseCsv(text).filter((r) => !isBlank(r));
  const header = records[0];
  if (!header) throw new TheValError('BAD_ARGUMENT', `${where}: empty`, fileName);
  const warnings: string[] = [];
  let modelCol = -1;
  const colOf = new Map<MetricId, number>();
  const diagOf = new Map<DiagnosticId, number>();
  header.forEach((name, k) => {
    const diag = diagnosticForName(name);
    if (diag) {
      diagOf.set(diag, k);
      return;
    }
    if (modelCol < 0 && MODEL_COLUMN.includes(normaliseName(name))) {
      modelCol = k;
      return;
    }
    let id: MetricId | undefined;
    try {
      id = metricForName(name);
    } catch (e) {
      throw new TheValError('BAD_ARGUMENT', `${where}: ${(e as Error).message}`, fileName);
    }
    if (!id) {
      warnings.push(`${where}: column '${name}' is not a THEval metric; ignored`);
      return;
    }
    if (colOf.has(id)) {
      throw new TheValError('BAD_ARGUMENT', `${where}: columns '${header[colOf.get(id)!]}' and '${name}' both mean '${getMetric(id).name}'`, fileName);
    }
    colOf.set(id, k);
  });
  if (modelCol < 0) throw new TheValError('BAD_ARGUMENT', `${where}: no 'Model' column`, fileName);
  const missing = METRIC_IDS.filter((id) => !colOf.has(id));
  if (missing.length) {
    throw new TheValError('BAD_ARGUMENT', `${where}: missing column(s) for ${missing.map((id) => `'${getMetric(id).name}'`).join(', ')}`, fileName);
  }
  const rows = records.slice(1).map((r, i) => {
    const values = {} as MetricValues;
    for (const id of METRIC_IDS) values[id] = parseNumber(r[colOf.get(id)!] ?? '', `${where}, line ${i + 2}, ${getMetric(id).name}`);
    const row: AggregateRow = { model: (r[modelCol] ?? '').trim(), values };
    if (diagOf.size) {
      row.diagnostics = {};
      for (const [id, k] of diagOf) row.diagnostics[id] = parseNumber(r[k] ?? '', `${where}, line ${i + 2}, ${id}`);
    }
    return row;
  });
  return { rows, warnings };
}

/** Splits an aggregate table into its GT row (model `GT`, any case) and the methods. */
export function splitGt(rows: readonly AggregateRow[]): { gt: AggregateRow; methods: AggregateRow[] } {
  const gts = rows.filter((r) => r.model.toUpperCase() === 'GT');
  if (gts.length !== 1) {
    throw new TheValError('BAD_ARGUMENT', gts.length ? 'the table has more than one GT row' : "the table has no 'GT' row");
  }
  return { gt: gts[0], methods: rows.filter((r) => r !== gts[0]) };
}

// ---------------------------------------------------------------------------- collect

function decimals(s: string): number {
  const m = /\.(\d*)/.exec(s.split(/[eE]/)[0]);
  const e = /[eE]([+-]?\d+)/.exec(s);
  return (m ? m[1].length : 0) - (e ? Number(e[1]) : 0);
}

export interface CollectResult {
  row: AggregateRow;
  /** The file each metric came from. */
  sources: Partial<Record<MetricId, string>>;
  warnings: string[];
  /** From the CSVs' provenance sidecars (lib/io/provenance.ts) when they all agree; null when none has one or they differ (warned). */
  provenance: Provenance | null;
}

/**
 * Gathers a folder of per-metric CSV files (one per metric, any names; mouth/face quality
 * told apart by 'mouth'/'face' in the name) into one aggregate row. Like the reference's
 * collect step, a metric's value is its file's summary line; when a file has no summary,
 * the mean of its rows (skipping NaN). A summary that disagrees with its rows beyond
 * their printed precision gets a warning. A metric without a file is NaN, with a warning.
 * Files that are not per-metric files are skipped with a warning.
 */
export async function collectFolder(dir: string, model: string): Promise<CollectResult> {
  const names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  const values = {} as MetricValues;
  const sources: Partial<Record<MetricId, string>> = {};
  const warnings: string[] = [];
  const provenances: Array<{ name: string; provenance: Provenance | null }> = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf8');
    if (normaliseName(parseCsv(text.slice(0, 4096))[0]?.[0] ?? '') !== 'videopath') {
      warnings.push(`${file}: not a per-metric file (no 'Video Path' column); skipped`);
      continue;
    }
    const parsed = parseMetricCsv(text, { fileName: file });
    const id = parsed.metric;
    if (sources[id]) {
      throw new TheValError('BAD_ARGUMENT', `both ${sources[id]} and ${file} hold '${getMetric(id).name}'`, file);
    }
    sources[id] = file;
    const side = await readProvenance(file);
    if (side.warning) warnings.push(side.warning);
    provenances.push({ name, provenance: side.provenance });
    const metricValues = parsed.rows.map((r) => r.values[r.values.length - 1]);
    const mean = datasetValue(metricValues).value;
    if (parsed.summary === undefined || Number.isNaN(parsed.summary)) {
      values[id] = mean;
      if (parsed.summary === undefined) warnings.push(`${file}: no summary line; using the mean of its ${parsed.rows.length} rows`);
    } else {
      values[id] = parsed.summary;
      // Tolerance: half a unit of the last printed digit of the summary and of the rows.
      const cells = parseCsv(text).slice(1, 1 + parsed.rows.length).map((r) => r[r.length - 1] ?? ''); // value column is last in every layout
      const rowDec = Math.min(17, ...cells.filter((c) => Number.isFinite(Number(c)) && c.trim() !== '').map(decimals));
      const tol = 0.5 * 10 ** -decimals(parsed.summaryText ?? '') + 0.5 * 10 ** -rowDec + 1e-12 * Math.abs(mean);
      if (Number.isFinite(mean) && Math.abs(mean - parsed.summary) > tol) {
        warnings.push(`${file}: summary ${parsed.summaryText} differs from the mean of its rows (${formatNumber(mean)}); using the summary`);
      }
    }
  }
  for (const id of METRIC_IDS) {
    if (!(id in values)) {
      values[id] = NaN;
      warnings.push(`${dir}: no file for '${getMetric(id).name}'`);
    }
  }
  const mixed = mixingProvenanceWarning(provenances);
  if (mixed) warnings.push(`${dir}: ${mixed.replace('the scored rows come', 'its files come')}`);
  const first = provenances.find((p) => p.provenance)?.provenance ?? null;
  return { row: { model, values }, sources, warnings, provenance: mixed || !first ? null : rowProvenance(first, '') };
}
