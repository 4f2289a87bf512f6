/** `theval list-videos <dir...>`: the videos evaluate would pick up, one per line. */
import path from 'node:path';
import { VIDEO_EXTENSIONS, listVideos } from '../io/inputs.js';
import { EXIT, UsageError, parse, runCommand } from './common.js';

const help = `Usage: theval list-videos <dir...> [--absolute]

Prints every video under the folders (recursive; extensions ${VIDEO_EXTENSIONS.join(' ')},
any case; hidden entries skipped; symbolic links followed), one path per line, sorted by
code point, without duplicates. Paths are relative to the current folder for relative
arguments and absolute for absolute ones (or always with --absolute). The output is a valid
list file for \`theval evaluate @list.txt\` when written to the current folder.

Options:
      --absolute   print absolute paths
  -h, --help       this text

Exit status: 0 done; 2 bad usage or a folder that does not exist.`;

export const command = {
  summary: 'list the videos under folders (recursive, sorted)',
  run: (argv: string[]) =>
    runCommand('list-videos', help, async () => {
      const { values, positionals } = parse(argv, { absolute: { type: 'boolean' } } as const);
      if (values.help) {
        console.log(help);
        return EXIT.OK;
      }
      if (positionals.length === 0) throw new UsageError('no folder given');
      const all = new Map<string, string>();
      for (const dir of positionals) {
        let found: string[];
        try {
          found = await listVideos(dir);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        for (const abs of found) {
          const shown = values.absolute || path.isAbsolute(dir) ? abs : path.relative(process.cwd(), abs);
          if (!all.has(abs)) all.set(abs, shown);
        }
      }
      const lines = [...all.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
      if (lines.length) process.stdout.write(lines.join('\n') + '\n');
      return EXIT.OK;
    }),
};
