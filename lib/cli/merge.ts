/** `theval merge <out>`: the shards in a folder -> the usual CSVs, aggregate.csv, summary.json, leaderboard. */
import path from 'node:path';
import { mergeShards, type MergeResult } from '../cluster/merge.js';
import { METRIC_IDS } from '../metrics/registry.js';
import { EXIT, UsageError, leaderboardTable, parse, runCommand } from './common.js';

const help = `Usage: theval merge <out> [--report] [--json] [-q]

Combines the shards of one evaluation (\`theval evaluate ... --shard i/N --out <out>\`, e.g.
the tasks of a Slurm array, docs/cluster.md) into what a single process writes: the
per-metric CSVs, aggregate.csv, summary.json, and the leaderboard when GT videos were
evaluated. Refuses to mix shards of different configurations or different N. A shard that
has not run or not finished is named; the merge is then incomplete (rerun that shard; it
resumes; merge again).

Options:
      --report   also write <out>/report.html (theval report with its defaults, docs/report.md)
      --json     print summary.json to stdout
  -q, --quiet    only warnings and errors
  -h, --help     this text

Exit status: 0 complete, every video evaluated; 1 incomplete or some videos failed; 2 bad
usage; 3 nothing to merge or shards that cannot be merged.`;

/** Prints a merge's outcome (also used by `evaluate --device`); returns the exit status. */
export function reportMerge(r: MergeResult, opts: { json?: boolean; quiet?: boolean; out: string }): number {
  const s = r.summary;
  if (opts.json) console.log(JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  if (!opts.quiet) {
    for (const [name, m] of Object.entries(s.methods)) {
      const valid = METRIC_IDS.filter((id) => s.metrics.includes(id)).map((id) => `${id} ${m.validVideos[id]}`).join(', ');
      console.error(`theval: ${name}: ${m.recorded}/${m.videos} videos recorded (${m.failed} failed); valid values per metric: ${valid}`);
      for (const f of m.failures.slice(0, 10)) console.error(`  failed: ${f.code}: ${f.message}`);
    }
    console.error(`theval: merged ${s.shards} shard(s) into ${r.outputs.length} files in ${path.resolve(opts.out)}${r.complete ? '' : ' (INCOMPLETE: see the warnings)'}`);
  }
  if (s.scores) (opts.json ? console.error : console.log)(`\nLeaderboard (normalised by the GT videos evaluated in this run):\n${leaderboardTable(s.scores)}`);
  return r.complete && Object.values(s.methods).every((m) => m.failed === 0) ? EXIT.OK : EXIT.SOME_FAILED;
}

export const command = {
  summary: 'combine the shards of an evaluation (--shard i/N) into the usual tables',
  run: (argv: string[]) =>
    runCommand('merge', help, async () => {
      const { values, positionals } = parse(argv, { json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, report: { type: 'boolean' } } as const);
      if (values.help) {
        console.log(help);
        return EXIT.OK;
      }
      if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give exactly one output folder' : 'no output folder given');
      const out = positionals[0];
      const r = await mergeShards(out, { onWarning: (m) => console.error(`theval: warning: ${m}`) });
      const status = reportMerge(r, { json: values.json, quiet: values.quiet, out });
      if (values.report) await (await import('./report.js')).writeFolderReport(out, values.quiet);
      return status;
    }),
};
