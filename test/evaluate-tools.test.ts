/** The smaller commands: score, list-videos, extract-audio, collect, and --help of every command. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score, PUBLISHED_GT, METRIC_IDS } from '../lib/index.js';
import { runCli, fakeProviders } from './helpers/cli.js';
import { clips } from './helpers/media.js';
import { makeBatch, tempDir } from './helpers/batch.js';

const GT = [4.6842, 23.835, 0.4425, 1.716603, 18.46757, 0.006777, 0.0263, 0.2528];

describe('theval score', () => {
  // The reference's per-metric column names and aliases, mixed case and punctuation.
  const header = 'model,AESTHETIC_SCORE,Mouth Quality,face-quality,Std_Over_Time,head_motion,micro_expression_intensity,silent_mad,Mean_Difference';
  const table = [
    header,
    `Same,${GT.join(',')}`,
    `TenPercentOff,${GT.map((x) => x * 1.1).join(',')}`,
    `gt,${GT.join(',')}`,
  ].join('\n');

  it('reads aliases; a method equal to GT scores 1.0; 10% off every metric scores 0.9', () => {
    const dir = tempDir();
    const file = path.join(dir, 'table.csv');
    writeFileSync(file, table);
    const r = runCli(['score', file, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.gt.name).toBe('gt');
    const [same, off] = j.methods;
    expect(same.final).toBeCloseTo(1, 12);
    expect(same.groups).toEqual({ quality: 1, naturalness: 1, synchronization: 1 });
    expect(same.rank).toBe(1);
    expect(off.final).toBeCloseTo(0.9, 12);
    expect(off.rank).toBe(2);
    const text = runCli(['score', file]);
    expect(text.stdout.split('\n')[1]).toMatch(/^\s*1\s+Same\s+1\.0000/);
  });

  it('--weights and --gt-name', () => {
    const dir = tempDir();
    const file = path.join(dir, 'table.csv');
    // Only lip sync differs (20% off): weight it 3 of 10 -> final = 1 - 0.2*3/10 = 0.94
    const row = [...GT];
    row[7] *= 1.2;
    writeFileSync(file, [header, `M,${row.join(',')}`, `Real,${GT.join(',')}`].join('\n'));
    const r = runCli(['score', file, '--gt-name', 'Real', '--weights', '1,1,1,1,1,1,1,3', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).methods[0].final).toBeCloseTo(0.94, 12);
    const pairs = runCli(['score', file, '--gt-name', 'Real', '--weights', 'lip_sync=0', '--json']);
    expect(JSON.parse(pairs.stdout).methods[0].final).toBeCloseTo(1, 12);
    expect(runCli(['score', file]).status).toBe(2); // no GT row
    expect(runCli(['score', file, '--gt-name', 'Real', '--weights', '1,2']).status).toBe(2);
  });

  it('--published-gt normalises by the published row and warns loudly', () => {
    const dir = tempDir();
    const file = path.join(dir, 'table.csv');
    writeFileSync(file, [header, `Ours,${GT.join(',')}`].join('\n'));
    const r = runCli(['score', file, '--published-gt', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING: the published THEval GT row/);
    const j = JSON.parse(r.stdout);
    expect(j.methods[0].final).toBeCloseTo(1, 12);
    expect(j.warnings.join('\n')).toMatch(/not a like-for-like comparison/);
  });

  it('library score(): rows in, the same numbers out', () => {
    const values = Object.fromEntries(METRIC_IDS.map((id) => [id, PUBLISHED_GT.values[id]])) as never;
    const r = score([{ model: 'GT', values }, { model: 'copy', values }]);
    expect(r.methods).toHaveLength(1);
    expect(r.methods[0].final).toBe(1);
  });
});

describe('theval list-videos', () => {
  it('recursive, by extension (any case), sorted, hidden entries skipped', () => {
    const dir = tempDir();
    for (const f of ['b/z.MP4', 'b/a.mov', 'a.mkv', 'c/d/e.webm', 'c/x.avi', 'c/y.m4v', 'notes.txt', 'c/clip.mp3', '.hidden/h.mp4', 'c/.h.mp4']) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), '');
    }
    const r = runCli(['list-videos', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(['a.mkv', 'b/a.mov', 'b/z.MP4', 'c/d/e.webm', 'c/x.avi', 'c/y.m4v'].map((f) => path.join(dir, f)).join('\n') + '\n');
    const rel = runCli(['list-videos', 'c'], { cwd: dir });
    expect(rel.stdout).toBe(['c/d/e.webm', 'c/x.avi', 'c/y.m4v'].join('\n') + '\n');
    expect(runCli(['list-videos', path.join(dir, 'nope')]).status).toBe(2);
  });
});

describe('theval extract-audio', () => {
  function wavData(buf: Buffer): { rate: number; channels: number; bits: number; samples: Int16Array } {
    expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
    expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
    expect(buf.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(buf.readUInt16LE(20)).toBe(1); // PCM
    expect(buf.toString('ascii', 36, 40)).toBe('data');
    const n = buf.readUInt32LE(40);
    expect(n).toBe(buf.length - 44);
    const data = buf.subarray(44);
    return { rate: buf.readUInt32LE(24), channels: buf.readUInt16LE(22), bits: buf.readUInt16LE(34), samples: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + n)) };
  }

  it.each([['h264', 'AAC stereo 48 kHz'], ['mpeg4', 'PCM stereo 44.1 kHz'], ['vp9', 'Opus mono 48 kHz'], ['fiveOne', 'AC-3 5.1 48 kHz']] as const)('%s (%s): same samples as ffmpeg -ac 1 -ar 16000', (name, _what) => {
    const video = clips[name]();
    const dir = tempDir();
    const r = runCli(['extract-audio', video, '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    const file = path.join(dir, `${path.basename(video, path.extname(video))}.wav`);
    expect(r.stdout.trim()).toBe(file);
    const ours = wavData(readFileSync(file));
    expect(ours).toMatchObject({ rate: 16000, channels: 1, bits: 16 });
    const ref = execFileSync('ffmpeg', ['-v', 'error', '-i', video, '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', '-acodec', 'pcm_s16le', '-']);
    const want = new Int16Array(ref.buffer.slice(ref.byteOffset, ref.byteOffset + ref.byteLength));
    expect(ours.samples.length).toBe(want.length);
    let maxDiff = 0, differ = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(ours.samples[i] - want[i]);
      maxDiff = Math.max(maxDiff, d);
      if (d) differ++;
    }
    // ffmpeg scales the downmix matrix before resampling (and works in 16 bit for 16-bit
    // sources); we scale decodeAudio's float samples after: float rounding, at most 1 LSB.
    expect(maxDiff).toBeLessThanOrEqual(1);
    // A 16-bit PCM source is resampled by ffmpeg in 16 bit (S16P), so about 1 in 6 samples
    // differs by one LSB there; float sources (AAC, Opus, AC-3) agree except at rare ties.
    expect(differ / want.length).toBeLessThan(name === 'mpeg4' ? 0.25 : 0.01);
    // ffmpeg reads our WAV back to the same samples
    const back = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 's16le', '-']);
    expect(Buffer.compare(back, Buffer.from(ours.samples.buffer))).toBe(0);
  });

  it('a video without audio fails alone (exit 1), the others are written', () => {
    const dir = tempDir();
    const r = runCli(['extract-audio', clips.hevc(), clips.vp9(), '--out', dir, '--rate', '8000']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/NO_AUDIO_STREAM/);
    expect(readFileSync(path.join(dir, `${path.basename(clips.vp9(), '.webm')}.wav`)).readUInt32LE(24)).toBe(8000);
    expect(runCli(['extract-audio', clips.vp9()]).status).toBe(2); // --out missing
  });
});

describe('theval collect', () => {
  it('gathers the per-metric CSVs evaluate wrote into the same aggregate row', () => {
    const dir = tempDir();
    makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    expect(runCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--name', 'M', '-q'], { env: { THEVAL_PROVIDERS: fakeProviders } }).status).toBe(0);
    const r = runCli(['collect', path.join(out, 'M'), '--name', 'M']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(path.join(out, 'aggregate.csv'), 'utf8'));
  });
});

describe('--help', () => {
  it.each(['evaluate', 'leaderboard', 'score', 'list-videos', 'extract-audio', 'collect', 'probe'])('%s --help', (cmd) => {
    const r = runCli([cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: theval ${cmd}`));
    expect(r.stdout).toMatch(/Exit status/);
  });
  it('theval --help lists every command', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['evaluate', 'leaderboard', 'score', 'list-videos', 'extract-audio', 'collect', 'probe']) expect(r.stdout).toContain(`  ${c} `);
  });
});
