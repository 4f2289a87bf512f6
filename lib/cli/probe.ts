/** `theval probe <video...> [--json] [--jobs N]`: what theval sees in each video. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { probe, type ProbeResult } from '../decode/video.js';
import { fromNative } from '../errors.js';
import { mapLimit } from '../util/mapLimit.js';

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
  async run(argv: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { json: { type: 'boolean' }, jobs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      });
    } catch (e) {
      console.error(`theval probe: ${(e as Error).message}\n\n${help}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length === 0) {
      console.error(`theval probe: no video given\n\n${help}`);
      return 2;
    }
    const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      console.error(`theval probe: --jobs must be a positive integer, got ${values.jobs}`);
      return 2;
    }
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
    return outcomes.some((o) => o.error) ? 1 : 0;
  },
};

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
