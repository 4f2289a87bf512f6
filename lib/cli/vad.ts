/** `theval vad <video|wav...> [--json] [--probabilities] [--jobs N]`: Silero VAD v5 speech segments. */
import { availableParallelism } from 'node:os';
import { speechTimestampsSeconds } from '../audio/speechSegments.js';
import { speechProbabilities, VAD_SAMPLE_RATE, VAD_WINDOW } from '../audio/vad.js';
import { decodeAudio } from '../decode/audio.js';
import { fromNative } from '../errors.js';
import { mapLimit } from '../util/mapLimit.js';
import { EXIT, UsageError, parse, positiveInt, runCommand } from './common.js';

const help = `Usage: theval vad <video|audio...> [--json] [--probabilities] [--jobs N]

Speech segments of each file's audio, as the THEval sync metrics see them: Silero VAD v5
on the audio mixed to mono and resampled to 16 kHz, default parameters (threshold 0.5,
min speech 250 ms, min silence 100 ms, pad 30 ms), bounds in seconds rounded to 0.1 s
(Python round(); an end past the audio is the audio's exact length). Also prints the
total speech time. A file without an audio stream is reported as "no audio" (no speech);
that is a result, not a failure.

Options:
  --json           one JSON array on stdout, an object per file:
                   {path, sampleRate, durationSec, segments: [[start, end], ...], speechSec,
                    audio: {codec, sampleRate, channels} | null, noAudio?, warnings,
                    probabilities?, windowSec?}  or  {path, error: {code, message}}
  --probabilities  also the speech probability of every 512-sample (32 ms) window
  --jobs N         files decoded in parallel (default: number of CPUs)
  -h, --help       this text

Exit status: 0 when every file could be analysed, 1 when any failed (missing file, not
media, undecodable), 2 on bad usage.`;

export interface VadFileResult {
  path: string;
  /** Rate the VAD ran at (16000); null without audio. */
  sampleRate: number | null;
  /** Decoded audio length in seconds; 0 without audio. */
  durationSec: number;
  segments: Array<[number, number]>;
  /** Sum of the segment lengths, seconds (rounded to 1 ms). */
  speechSec: number;
  audio: { codec: string; sampleRate: number; channels: number } | null;
  noAudio?: true;
  warnings: string[];
  probabilities?: number[];
  windowSec?: number;
}

export type VadOutcome = VadFileResult | { path: string; error: { code: string; message: string } };

/** VAD of one file (never throws: failures become `{path, error}`). */
export async function vadFile(path: string, withProbabilities = false): Promise<VadOutcome> {
  let audio;
  try {
    audio = await decodeAudio(path, VAD_SAMPLE_RATE);
  } catch (e) {
    const err = fromNative(e);
    if (err.code === 'NO_AUDIO_STREAM') {
      return {
        path, sampleRate: null, durationSec: 0, segments: [], speechSec: 0, audio: null, noAudio: true, warnings: [],
        ...(withProbabilities ? { probabilities: [], windowSec: VAD_WINDOW / VAD_SAMPLE_RATE } : {}),
      };
    }
    return { path, error: { code: err.code, message: err.message } };
  }
  try {
    const probs = await speechProbabilities(audio.samples);
    const segments = speechTimestampsSeconds(probs, audio.samples.length);
    const warnings = [...audio.warnings];
    if (audio.samples.length === 0) warnings.push('the audio stream decoded to no sample');
    let speech = 0;
    for (const [s, e] of segments) speech += e - s;
    return {
      path,
      sampleRate: audio.sampleRate,
      durationSec: audio.samples.length / audio.sampleRate,
      segments,
      speechSec: Math.round(speech * 1000) / 1000,
      audio: { codec: audio.codec, sampleRate: audio.sourceSampleRate, channels: audio.sourceChannels },
      warnings,
      ...(withProbabilities ? { probabilities: Array.from(probs), windowSec: VAD_WINDOW / VAD_SAMPLE_RATE } : {}),
    };
  } catch (e) {
    const err = fromNative(e);
    return { path, error: { code: err.code, message: `${path}: ${err.message}` } };
  }
}

export const command = {
  summary: 'speech segments (Silero VAD v5) of each file',
  run(argv: string[]): Promise<number> {
    return runCommand('vad', help, () => vadFiles(argv));
  },
};

async function vadFiles(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, probabilities: { type: 'boolean' }, jobs: { type: 'string' } });
  if (values.help) {
    console.log(help);
    return EXIT.OK;
  }
  if (positionals.length === 0) throw new UsageError('no file given');
  const jobs = positiveInt(values.jobs, '--jobs') ?? availableParallelism();
  const outcomes = await mapLimit(positionals, jobs, (path) => vadFile(path, values.probabilities === true));
  if (values.json) {
    console.log(JSON.stringify(outcomes, null, 2));
  } else {
    for (const o of outcomes) console.log(describe(o));
  }
  return outcomes.some((o) => 'error' in o) ? EXIT.SOME_FAILED : EXIT.OK;
}

const sec = (x: number): string => `${Math.round(x * 1000) / 1000}`;

function describe(o: VadOutcome): string {
  if ('error' in o) return `${o.path}\n  error    ${o.error.code}: ${o.error.message}\n`;
  const lines = [o.path];
  if (o.noAudio) {
    lines.push('  audio    none (no audio stream): no speech; the sync metrics are NaN (no audio)');
    return lines.join('\n') + '\n';
  }
  const a = o.audio!;
  lines.push(`  audio    ${a.codec} ${a.sampleRate} Hz, ${a.channels} channel(s), ${sec(o.durationSec)} s (VAD at ${o.sampleRate} Hz)`);
  lines.push(`  speech   ${sec(o.speechSec)} s in ${o.segments.length} segment(s)`);
  for (const [s, e] of o.segments) lines.push(`    ${String(s).padStart(7)} - ${e} s`);
  for (const w of o.warnings) lines.push(`  warning  ${w}`);
  if (o.probabilities) {
    lines.push(`  probabilities, one per ${o.windowSec! * 1000} ms window (row = 1.6 s):`);
    for (let i = 0; i < o.probabilities.length; i += 50) {
      const row = o.probabilities.slice(i, i + 50).map((p) => p.toFixed(2)).join(' ');
      lines.push(`    ${sec(i * o.windowSec!).padStart(7)} s  ${row}`);
    }
  }
  return lines.join('\n') + '\n';
}
