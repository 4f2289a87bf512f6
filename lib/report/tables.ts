/**
 * The leaderboard with its bootstrap intervals as paper tables: Markdown (README, GitHub),
 * LaTeX (booktabs; `\usepackage{booktabs}`) and CSV (one column per number, for
 * spreadsheets and plotting). Best method first; rank ties share the lower rank.
 */
import { GROUPS, METRIC_IDS, getMetric } from '../metrics/registry.js';
import type { MetricGroup } from '../metrics/types.js';
import type { Interval } from './bootstrap.js';
import type { ReportModel } from './model.js';

export type TableFormat = 'markdown' | 'latex' | 'csv';

interface Cell {
  value: number;
  ci: Interval | null;
}

interface Row {
  rank: number;
  name: string;
  complete: boolean;
  final: Cell;
  groups: Record<MetricGroup, Cell>;
  metrics: Cell[];
}

const GROUP_NAMES: Record<MetricGroup, string> = { quality: 'Quality', naturalness: 'Naturalness', synchronization: 'Synchronization' };

function rowsOf(model: ReportModel): Row[] {
  if (!model.scores) return [];
  return model.scores.map((s) => {
    const b = model.bootstrap.methods.find((m) => m.name === s.name) ?? null;
    return {
      rank: s.rank,
      name: s.name,
      complete: s.complete,
      final: { value: s.final, ci: b?.final ?? null },
      groups: Object.fromEntries((Object.keys(GROUPS) as MetricGroup[]).map((g) => [g, { value: s.groups[g], ci: b?.groups[g] ?? null }])) as Record<MetricGroup, Cell>,
      metrics: METRIC_IDS.map((id) => ({ value: s.normalised[id], ci: b?.normalised[id] ?? null })),
    };
  });
}

const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '');

function escapeLatex(s: string): string {
  return s.replace(/[\\{}$&#_%~^]/g, (c) => (c === '\\' ? '\\textbackslash{}' : c === '~' ? '\\textasciitilde{}' : c === '^' ? '\\textasciicircum{}' : `\\${c}`));
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function caption(model: ReportModel): string {
  const b = model.bootstrap;
  return `${Math.round(b.level * 100)}% bootstrap intervals: ${b.B} replicates, videos resampled within each method${b.gtResampled ? ' and within the GT set (GT row recomputed per replicate)' : ''}, seed ${b.seed}.`;
}

/** The leaderboard table in `format`, with intervals; `digits` decimals (default 3). */
export function leaderboardTableText(model: ReportModel, format: TableFormat, digits = 3): string {
  const rows = rowsOf(model);
  if (rows.length === 0) throw new Error('no leaderboard in this run (no GT videos were evaluated): nothing to tabulate');
  const heads = ['Final', ...Object.values(GROUP_NAMES), ...METRIC_IDS.map((id) => getMetric(id).name)];
  const cellsOf = (r: Row): Cell[] => [r.final, ...(Object.keys(GROUP_NAMES) as MetricGroup[]).map((g) => r.groups[g]), ...r.metrics];
  const rankText = (r: Row) => (Number.isNaN(r.rank) ? '-' : String(r.rank));
  if (format === 'csv') {
    const head = ['rank', 'method', 'complete', ...heads.flatMap((h) => [h, `${h} lo`, `${h} hi`])];
    const lines = [head.map(csvField).join(',')];
    for (const r of rows) {
      lines.push([rankText(r), r.name, String(r.complete), ...cellsOf(r).flatMap((c) => [f(c.value, 6), f(c.ci?.lo ?? NaN, 6), f(c.ci?.hi ?? NaN, 6)])].map(csvField).join(','));
    }
    return lines.join('\n') + '\n';
  }
  if (format === 'markdown') {
    const cell = (c: Cell) => (Number.isFinite(c.value) ? `${f(c.value, digits)}${c.ci && Number.isFinite(c.ci.lo) ? ` [${f(c.ci.lo, digits)}, ${f(c.ci.hi, digits)}]` : ''}` : 'n/a');
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const lines = [`| Rank | Method | ${heads.join(' | ')} |`, `|---:|:---|${heads.map(() => '---:').join('|')}|`];
    for (const r of rows) lines.push(`| ${rankText(r)} | ${esc(r.name)}${r.complete ? '' : ' \\*'} | ${cellsOf(r).map(cell).join(' | ')} |`);
    lines.push('', `Normalised scores (paper Eq. 12, GT = 1; higher is better) with ${caption(model)}`);
    if (rows.some((r) => !r.complete)) lines.push('\\* incomplete: some metric had no value and was left out of that method\'s scores.');
    return lines.join('\n') + '\n';
  }
  const cell = (c: Cell) => (Number.isFinite(c.value) ? `${f(c.value, digits)}${c.ci && Number.isFinite(c.ci.lo) ? ` {\\scriptsize [${f(c.ci.lo, digits)}, ${f(c.ci.hi, digits)}]}` : ''}` : 'n/a');
  const lines = [
    '% Requires \\usepackage{booktabs}',
    '\\begin{table*}[t]',
    '\\centering',
    '\\resizebox{\\textwidth}{!}{%',
    `\\begin{tabular}{rl${'r'.repeat(heads.length)}}`,
    '\\toprule',
    `Rank & Method & ${heads.map(escapeLatex).join(' & ')} \\\\`,
    '\\midrule',
    ...rows.map((r) => `${rankText(r)} & ${escapeLatex(r.name)}${r.complete ? '' : '$^*$'} & ${cellsOf(r).map(cell).join(' & ')} \\\\`),
    '\\bottomrule',
    '\\end{tabular}}',
    `\\caption{Normalised THEval scores (GT $=1$, higher is better) with ${escapeLatex(caption(model))}}`,
    '\\end{table*}',
  ];
  return lines.join('\n') + '\n';
}
