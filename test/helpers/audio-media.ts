/**
 * Test media generated at test time with command-line tools (nothing binary is committed):
 * espeak-ng for speech, sox for tones and noise, the ffmpeg CLI as an independent decoder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `theval-${tag}-`));
}

export function run(cmd: string, args: string[]): Buffer {
  return execFileSync(cmd, args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Decodes any audio file to mono float32 at `rate` Hz with the ffmpeg CLI. */
export function ffmpegDecode(file: string, rate: number, extraFilters?: string): Float32Array {
  const args = ['-v', 'error', '-nostdin', '-i', file];
  if (extraFilters) args.push('-af', extraFilters);
  args.push('-ac', '1', '-ar', String(rate), '-f', 'f32le', '-');
  const buf = run('ffmpeg', args);
  const out = new Float32Array(buf.length / 4);
  Buffer.from(out.buffer).set(buf);
  return out;
}

/** Speech from espeak-ng (SSML), written as WAV (22050 Hz mono). */
export function espeak(dir: string, name: string, ssml: string): string {
  const file = path.join(dir, name);
  run('espeak-ng', ['-m', '-w', file, ssml]);
  return file;
}

/** Runs of |x| < level lasting at least `minSeconds`, as [start, end] seconds. */
export function silentRuns(x: Float32Array, rate: number, level: number, minSeconds: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= x.length; i++) {
    const quiet = i < x.length && Math.abs(x[i] as number) < level;
    if (quiet && start < 0) start = i;
    if (!quiet && start >= 0) {
      if (i - start >= minSeconds * rate) runs.push([start / rate, i / rate]);
      start = -1;
    }
  }
  return runs;
}

/** Runs a command and returns what it printed on stderr (sox writes its stats there). */
export function runStderr(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  return r.stderr;
}
