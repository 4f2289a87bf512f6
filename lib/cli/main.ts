/** The `theval` command line: dispatches to one file per command. */
import { version } from '../version.js';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  evaluate: async () => (await import('./evaluate.js')).command,
  leaderboard: async () => (await import('./evaluate.js')).leaderboardCommand,
  score: async () => (await import('./score.js')).command,
  'list-videos': async () => (await import('./listVideos.js')).command,
  'extract-audio': async () => (await import('./extractAudio.js')).command,
  collect: async () => (await import('./collect.js')).command,
  probe: async () => (await import('./probe.js')).command,
  doctor: async () => (await import('./doctor.js')).command,
  samples: async () => (await import('./samples.js')).command,
  vad: async () => (await import('./vad.js')).command,
  track: async () => (await import('./track.js')).command,
  report: async () => (await import('./report.js')).command,
  merge: async () => (await import('./merge.js')).command,
  slurm: async () => (await import('./slurm.js')).command,
};

function usage(): string {
  return [
    `theval ${version}: THEval talking-head video evaluation`,
    '',
    'Usage: theval <command> [options]',
    '',
    'Commands:',
    '  evaluate <input...>              evaluate videos (resumable): results.jsonl, per-metric CSVs, summary.json',
    '  leaderboard --gt REAL <dir...>   evaluate GT + method folders and print the leaderboard',
    '  score <table.csv>                GT-normalised scores, group scores, final score and rank',
    '  list-videos <dir...>             the videos under folders (recursive, sorted)',
    '  extract-audio <video...> --out D mono 16-bit WAV of each video\'s audio',
    '  collect <dir...>                 per-metric CSV files -> aggregate table',
    '  probe <video...> [--json]        metadata of each video: size, rotation, fps, decodable frame count, audio',
    '  doctor [--json]                  GPU support here: CUDA, driver, devices, NVDEC, TensorRT (and why not)',
    '  vad <video|audio...> [--json]    speech segments (Silero VAD v5, 16 kHz mono) and total speech time',
    '  samples [--out DIR]              make synthetic talking-head sample clips (GT and three flawed methods)',
    '  track <video> -o FILE            face landmark tracks (MediaPipe Face Mesh, plain + refined) as JSON',
    '  report <out-dir> [-o FILE]       HTML report (plots, bootstrap intervals, rank stability) or --format markdown|latex|csv',
    '  merge <out>                      combine the shards of an evaluation (evaluate --shard i/N) into the tables',
    '  slurm --shards N --out D -- ...  write (and --submit) a Slurm array job + dependent merge job',
    '',
    'Run `theval <command> --help` for the options of a command. Documentation: docs/cli.md.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    console.log(version);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`theval: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await load()).run(rest);
}
