/** `theval extract-audio <video...> --out DIR [--rate 16000]`: mono 16-bit WAV of each video's audio. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeAudio } from '../decode/audio.js';
import { fromNative } from '../errors.js';
import { encodeWav, int16DownmixNormalisation } from '../io/wav.js';
import { mapLimit } from '../util/mapLimit.js';
import { defaultJobs } from '../evaluate.js';
import { EXIT, UsageError, parse, positiveInt, runCommand } from './common.js';

const help = `Usage: theval extract-audio <video...> --out DIR [--rate 16000] [--jobs N]

Writes <DIR>/<video name>.wav for each video: its audio stream downmixed to mono and
resampled to --rate Hz (default 16000, what the VAD reads), 16-bit PCM: the samples of
\`ffmpeg -i VIDEO -ac 1 -ar 16000 out.wav\` (within 1 LSB), including FFmpeg's downmix level
for 16-bit output (stereo: (L+R)/2, not the (L+R)/sqrt2 of its float output).

Options:
  -o, --out DIR    output folder (required; created if missing)
      --rate HZ    sample rate (default 16000)
  -j, --jobs N     videos decoded at once (default ${defaultJobs()})
  -h, --help       this text

Exit status: 0 all written; 1 some videos failed (no audio stream, unreadable: one line
each on stderr); 2 bad usage.`;

export const command = {
  summary: "write each video's audio as mono 16-bit WAV",
  run: (argv: string[]) =>
    runCommand('extract-audio', help, async () => {
      const { values, positionals } = parse(argv, { out: { type: 'string', short: 'o' }, rate: { type: 'string' }, jobs: { type: 'string', short: 'j' } } as const);
      if (values.help) {
        console.log(help);
        return EXIT.OK;
      }
      if (positionals.length === 0) throw new UsageError('no video given');
      if (!values.out) throw new UsageError('--out is required');
      const rate = positiveInt(values.rate, '--rate') ?? 16000;
      if (rate > 768000) throw new UsageError('--rate must be at most 768000');
      const jobs = positiveInt(values.jobs, '--jobs') ?? defaultJobs();
      const names = new Map<string, string>();
      for (const v of positionals) {
        const name = `${path.basename(v, path.extname(v))}.wav`;
        if (names.has(name)) throw new UsageError(`${names.get(name)} and ${v} would both be written to ${name}`);
        names.set(name, v);
      }
      await mkdir(values.out, { recursive: true });
      const outcomes = await mapLimit([...names.entries()], jobs, async ([name, video]) => {
        try {
          const audio = await decodeAudio(video, rate);
          const norm = int16DownmixNormalisation(audio.sourceChannels);
          if (norm === undefined) {
            console.error(`theval extract-audio: ${video}: warning: ${audio.sourceChannels}-channel audio: written at FFmpeg's float downmix level, not normalised as \`ffmpeg -ac 1\` normalises 16-bit output`);
          } else if (norm !== 1) {
            const k = 1 / norm;
            for (let i = 0; i < audio.samples.length; i++) audio.samples[i] *= k;
          }
          const file = path.join(values.out!, name);
          const tmp = `${file}.${process.pid}.tmp`;
          await writeFile(tmp, encodeWav(audio.samples, audio.sampleRate));
          await rename(tmp, file);
          for (const w of audio.warnings) console.error(`theval extract-audio: ${video}: warning: ${w}`);
          console.log(file);
          return true;
        } catch (e) {
          const err = fromNative(e);
          console.error(`theval extract-audio: ${video}: ${err.code}: ${err.message}`);
          return false;
        }
      });
      return outcomes.every(Boolean) ? EXIT.OK : EXIT.SOME_FAILED;
    }),
};
