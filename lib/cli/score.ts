/** `theval score <table.csv>`: GT-normalised scores, group scores, final score and rank. */
import { readFile } from 'node:fs/promises';
import { METRIC_IDS, getMetric } from '../metrics/registry.js';
import { DIAGNOSTICS, type DiagnosticId } from '../diagnostics/registry.js';
import type { MetricId } from '../metrics/types.js';
import { scoreTable } from '../scoreTable.js';
import { readProvenance } from '../io/provenance.js';
import { EXIT, UsageError, leaderboardTable, parse, runCommand } from './common.js';

const help = `Usage: theval score <table.csv> [--gt-name GT] [--weights W] [--published-gt] [--json]

Scores an aggregate table (Model,Global aesthetic,...,Lip sync: one row per method plus the
GT row; column names are matched case and punctuation insensitively, the reference's
aliases such as std_over_time, silent_mad, mean_difference, micro_expression_intensity,
head_motion are accepted). For each metric s = 1 - |M - GT| / |GT| (paper Eq. 12); group
scores are the means over Quality (1-3), Naturalness (4-6), Synchronization (7-8); the final
score is the (weighted) mean of the 8; rank is by final score, ties share the lower rank.
A metric a method has no value for is left out of its scores (marked with *, warned).
When the table has a provenance sidecar (<name>.provenance.json, written by theval evaluate
and theval collect --out) and its rows come from different backends or profiles, a loud
warning says so: such numbers are not comparable.

Options:
      --gt-name NAME   the GT row's model name (default GT, any case)
      --weights W      8 comma-separated weights in metric order (${METRIC_IDS.join(',')}),
                       or id=weight pairs (e.g. lip_sync=2,head_motion=0); default all 1.
                       Diagnostics (docs/diagnostics.md: face_warping_error, ...) have weight
                       0 unless given here (id=weight), and then need a GT value in the table
      --published-gt   normalise by the published THEval GT row instead of the table's.
                       Only meaningful when the table's numbers come from the reference's
                       models; a loud warning says so.
      --json           JSON on stdout: {gt, methods: [MethodScore...], warnings}
  -h, --help           this text

Exit status: 0 scored; 2 bad usage or a table that cannot be read (missing column, no GT
row, a GT value of 0).`;

/** `--weights`: 8 numbers in metric order, or id=weight pairs. */
export function parseWeights(value: string | undefined): Partial<Record<MetricId | DiagnosticId, number>> | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  const w: Partial<Record<MetricId | DiagnosticId, number>> = {};
  const num = (s: string) => {
    const x = Number(s);
    if (s === '' || !Number.isFinite(x) || x < 0) throw new UsageError(`--weights: '${s}' is not a number >= 0`);
    return x;
  };
  if (parts.every((p) => p.includes('='))) {
    for (const p of parts) {
      const [k, v] = p.split('=');
      const id =
        METRIC_IDS.find((m) => m === k.trim() || getMetric(m).name.toLowerCase() === k.trim().toLowerCase()) ??
        DIAGNOSTICS.find((d) => d.id === k.trim() || d.name.toLowerCase() === k.trim().toLowerCase())?.id;
      if (!id) throw new UsageError(`--weights: unknown metric '${k}'`);
      w[id] = num(v.trim());
    }
    return w;
  }
  if (parts.length !== METRIC_IDS.length) throw new UsageError(`--weights: expected ${METRIC_IDS.length} numbers (or id=weight pairs), got ${parts.length}`);
  parts.forEach((p, i) => (w[METRIC_IDS[i]] = num(p)));
  return w;
}

export const command = {
  summary: 'GT-normalised scores, group scores, final score and rank of a table',
  run: (argv: string[]) =>
    runCommand('score', help, async () => {
      const { values, positionals } = parse(argv, {
        'gt-name': { type: 'string' },
        weights: { type: 'string' },
        'published-gt': { type: 'boolean' },
        json: { type: 'boolean' },
      } as const);
      if (values.help) {
        console.log(help);
        return EXIT.OK;
      }
      if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give exactly one table' : 'no table given');
      const file = positionals[0];
      const weights = parseWeights(values.weights);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new UsageError(`${file}: ${(e as Error).message}`);
      }
      const side = await readProvenance(file);
      if (side.warning) console.error(`theval score: warning: ${side.warning}`);
      const r = scoreTable(text, { source: file, gtName: values['gt-name'], weights, publishedGt: values['published-gt'], provenance: side.provenance });
      if (r.mixing) console.error(`${'!'.repeat(78)}\nWARNING: ${r.mixing}\n${'!'.repeat(78)}`);
      const { gt, methods: scores, warnings } = r;
      if (values.json) {
        console.log(JSON.stringify({ gt, methods: scores, warnings }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
      } else {
        for (const w of warnings) if (w !== r.mixing) console.error(`theval score: warning: ${w}`);
        console.log(leaderboardTable(scores));
      }
      return EXIT.OK;
    }),
};
