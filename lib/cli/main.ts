/** The `theval` command line: dispatches to one file per command. */
import { version } from '../version.js';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  probe: async () => (await import('./probe.js')).command,
  samples: async () => (await import('./samples.js')).command,
  track: async () => (await import('./track.js')).command,
};

function usage(): string {
  return [
    `theval ${version}: THEval talking-head video evaluation`,
    '',
    'Usage: theval <command> [options]',
    '',
    'Commands:',
    '  probe <video...> [--json]   metadata of each video: size, rotation, fps, decodable frame count, audio',
    '  samples [--out DIR]         make synthetic talking-head sample clips (GT and three flawed methods)',
    '  track <video> -o FILE       face landmark tracks (MediaPipe Face Mesh, plain + refined) as JSON',
    '',
    'Run `theval <command> --help` for the options of a command.',
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
