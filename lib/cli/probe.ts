/** `theval probe <video...> [--json] [--jobs N]`: what theval sees in each video. */
import { availableParallelism } from 'node:os';
import { probe, type ProbeResult } from '../decode/video.js';
import { fromNative } from '../errors.js';
import { mapLimit } from '../util/mapLimit.js';
import { EXIT, UsageError, parse, positiveInt, runCommand } from './common.js';

const help = `Usage: theval probe <video...> [--json] [--jobs N]

Prints each video's displayed size (after rotation metadata), rotation, average fps, the
number of frames actually decodable (every frame is decoded to count them) next to the
container's own estimate, duration, codecs, and the audio stream (or none). Problems found
while decoding (truncation, corrupt packets) are listed as warnings.

Options:
  --json       one JSON array on stdout: a ProbeResult per video, or {path, error: {code, message}}
  --jobs N     videos probed in parallel (default: number of CPUs)
  -h, --help   this text

Exit status: 0 when every video could be probed, 1 when any failed, 2 on bad usage.`;

type Outcome = { path: string; result?: ProbeResult; error?: { code: string; message: string } };

export const command = {
  summary: 'video metadata and decodable frame count',
  run(argv: string[]): Promise<number> {
    return runCommand('probe', help, () => probeFiles(argv));
  },
};

async function probeFiles(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, jobs: { type: 'string' } });
  if (values.help) {
    console.log(help);
    return EXIT.OK;
  }
  if (positionals.length === 0) throw new UsageError('no video given');
  const jobs = positiveInt(values.jobs, '--jobs') ?? availableParallelism();
  const outcomes = await mapLimit(positionals, jobs, async (path): Promise<Outcome> => {
    try {
      return { path, result: await probe(path) };
    } catch (e) {
      const err = fromNative(e);
      return { path, error: { code: err.code, message: err.message } };
    }
  });
  if (values.json) {
    console.log(JSON.stringify(outcomes.map((o) => o.result ?? { path: o.path, error: o.error }), jsonNumbers, 2));
  } else {
    for (const o of outcomes) console.log(o.result ? describe(o.result) : `${o.path}\n  error ${o.error!.code}: ${o.error!.message}\n`);
  }
  return outcomes.some((o) => o.error) ? EXIT.SOME_FAILED : EXIT.OK;
}

/** JSON has no NaN: unknown numbers become null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

function describe(r: ProbeResult): string {
  const lines = [r.path];
  const rot = r.rotation ? `, rotated ${r.rotation}° (${r.autorotate ? 'applied' : 'not applied'}; coded ${r.codedWidth}x${r.codedHeight})` : '';
  lines.push(`  video    ${r.codec} ${r.pixelFormat} ${r.width}x${r.height}${rot}`);
  lines.push(`  fps      ${round(r.fps, 3)}`);
  const est = r.containerFrames >= 0 ? ` (container says ${r.containerFrames})` : ' (container gives no count)';
  lines.push(`  frames   ${r.frameCount} decodable${est}`);
  lines.push(`  duration ${Number.isFinite(r.duration) ? `${round(r.duration, 3)} s` : 'unknown'}`);
  lines.push(r.audio ? `  audio    ${r.audio.codec} ${r.audio.sampleRate} Hz, ${r.audio.channels} channel(s)` : '  audio    none');
  for (const w of r.warnings) lines.push(`  warning  ${w}`);
  return lines.join('\n') + '\n';
}

function round(x: number, d: number): number {
  const k = 10 ** d;
  return Math.round(x * k) / k;
}
