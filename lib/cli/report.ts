/** `theval report <out-dir>`: the HTML report of an evaluation, or its leaderboard as a paper table. */
import path from 'node:path';
import { writeReport, renderReport, type ReportFormat } from '../report/index.js';
import { EXIT, UsageError, parse, positiveInt, runCommand } from './common.js';

/** What the page notes (records missing, other configurations), also said on stderr so it is seen when the report is made. */
function printNotes(notes: readonly string[]): void {
  for (const n of notes) console.error(`theval report: note: ${n}`);
}

/** `--report` of evaluate and merge: <out>/report.html with the defaults. */
export async function writeFolderReport(out: string, quiet?: boolean): Promise<void> {
  const r = await writeReport(out, path.join(out, 'report.html'));
  printNotes(r.model.notes);
  if (!quiet) console.error(`theval: report: ${path.resolve(r.file)}`);
}

const options = {
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  bootstrap: { type: 'string', short: 'B' },
  seed: { type: 'string' },
  views: { type: 'string' },
  title: { type: 'string' },
} as const;

const help = `Usage: theval report <out-dir> [-o FILE] [--format html|markdown|latex|csv] [options]

Turns an output folder of \`theval evaluate\` (summary.json, results.jsonl, tracks/) into
one self-contained HTML page (no network needed to view it): the sortable leaderboard
with 95% bootstrap intervals, rank probabilities and pairwise "A beats B" probabilities,
a radar chart per method, per-metric distributions, the per-video table (paged) with a
view of each video's saved tracks, and provenance. With --format markdown|latex|csv it
writes the leaderboard with intervals as a paper table instead. See docs/report.md.

Options:
  -o, --output FILE    where to write (default <out-dir>/report.html for html; stdout for
                       the table formats)
      --format F       html (default), markdown, latex or csv
  -B, --bootstrap N    bootstrap replicates (default 1000)
      --seed N         bootstrap seed (default 1)
      --views N        most per-video track views embedded in the page (default 100)
      --title TEXT     page title
  -h, --help           this text`;

const FORMATS: readonly ReportFormat[] = ['html', 'markdown', 'latex', 'csv'];

export const command = {
  summary: 'HTML report (plots, confidence intervals, rank stability) or paper tables of an output folder',
  run: (argv: string[]) =>
    runCommand('report', help, async () => {
      const { values, positionals } = parse(argv, options);
      if (values.help) {
        console.log(help);
        return EXIT.OK;
      }
      if (positionals.length !== 1) throw new UsageError(positionals.length ? 'one output folder, please' : 'no output folder given');
      const format = (values.format ?? 'html') as ReportFormat;
      if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${values.format}'`);
      const seedText = values.seed;
      const seed = seedText === undefined ? undefined : Number(seedText);
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${seedText}'`);
      const opts = { B: positiveInt(values.bootstrap, '--bootstrap'), seed, maxViews: values.views === '0' ? 0 : positiveInt(values.views, '--views'), title: values.title };
      const dir = positionals[0];
      if (format !== 'html' && !values.output) {
        process.stdout.write((await renderReport(dir, format, opts)).text);
        return EXIT.OK;
      }
      const file = values.output ?? path.join(dir, 'report.html');
      const r = await writeReport(dir, file, format, opts);
      printNotes(r.model.notes);
      console.error(`theval report: wrote ${path.resolve(r.file)} (${(r.bytes / 1024).toFixed(0)} KiB, bootstrap B = ${r.model.bootstrap.B}, seed ${r.model.bootstrap.seed})`);
      return EXIT.OK;
    }),
};
