/** `theval collect <dir...> [--name M]`: per-metric CSV files -> one aggregate table. */
import path from 'node:path';
import { writeFileAtomic } from '../io/atomicFile.js';
import { collectFolder, formatAggregateCsv, type AggregateRow } from '../io/referenceCsv.js';
import { formatProvenance, mixingProvenanceWarning, provenancePath, type Provenance } from '../io/provenance.js';
import { EXIT, UsageError, parse, runCommand } from './common.js';

const help = `Usage: theval collect <dir...> [--name M] [--out FILE]

Reads the per-metric CSV files in each folder (ours or the reference tool's: any file
names; mouth and face quality told apart by 'mouth'/'face' in the name) and prints the
aggregate table (Model,Global aesthetic,...,Lip sync), one row per folder. A metric's value
is its file's summary line (the mean of its rows when there is none); a metric without a
file is NaN. Warnings go to stderr, also when folders (or the files of one folder) come
from different backends or profiles according to their provenance sidecars
(<name>.provenance.json, written by theval evaluate); with --out, the table gets a sidecar
with each row's provenance.

Options:
      --name M     row name (only with one folder; default: the folder's name)
  -o, --out FILE   write the table to FILE instead of stdout
  -h, --help       this text

Exit status: 0 done; 2 bad usage or a file that is not a THEval CSV; 3 an unreadable folder.`;

export const command = {
  summary: 'gather per-metric CSV files into an aggregate table',
  run: (argv: string[]) =>
    runCommand('collect', help, async () => {
      const { values, positionals } = parse(argv, { name: { type: 'string' }, out: { type: 'string', short: 'o' } } as const);
      if (values.help) {
        console.log(help);
        return EXIT.OK;
      }
      if (positionals.length === 0) throw new UsageError('no folder given');
      if (values.name !== undefined && positionals.length > 1) throw new UsageError('--name needs exactly one folder');
      const rows: AggregateRow[] = [];
      const provenance: Array<{ name: string; provenance: Provenance | null }> = [];
      for (const dir of positionals) {
        const r = await collectFolder(dir, values.name ?? path.basename(path.resolve(dir)));
        for (const w of r.warnings) console.error(`theval collect: warning: ${w}`);
        rows.push(r.row);
        provenance.push({ name: r.row.model, provenance: r.provenance });
      }
      const mixed = mixingProvenanceWarning(provenance);
      if (mixed) console.error(`theval collect: warning: ${mixed}`);
      const table = formatAggregateCsv(rows);
      if (values.out) {
        await writeFileAtomic(values.out, table);
        const known = provenance.filter((p) => p.provenance);
        if (known.length) {
          // The table's own entry is the first known row's; every row with provenance is listed.
          const perRow = Object.fromEntries(known.map((p) => [p.name, p.provenance!]));
          await writeFileAtomic(provenancePath(values.out), formatProvenance(known[0].provenance!, perRow));
        }
      } else process.stdout.write(table);
      return EXIT.OK;
    }),
};
