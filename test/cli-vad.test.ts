/**
 * `theval vad`, run as a user runs it: `node bin/theval.js vad ...` on the compiled dist/
 * (rebuilt here first so the test sees the current sources). Expected segments come from
 * the independent path: ffmpeg CLI decode at 16 kHz + speechSegments.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { speechProbabilities } from '../lib/audio/vad.js';
import { speechSegments } from '../lib/audio/speechSegments.js';
import { talkingClip } from './helpers/av-media.js';
import { clips, ffmpegAudio, mediaDir } from './helpers/media.js';

const root = path.resolve(import.meta.dirname, '..');

function theval(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/theval.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let speech: string;
let noAudio: string;
beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')]);
  speech = talkingClip('sp-aac48-stereo.mp4', 4, ['-af', 'pan=stereo|c0=c0|c1=0.3*c0,apad=whole_dur=4', '-ar', '48000', '-c:a', 'aac', '-shortest']);
  noAudio = clips.hevc();
});

describe('theval vad', () => {
  it('--json: segments as the pure functions give them on ffmpeg-decoded audio; no audio is a result, not a failure', async () => {
    const r = theval('vad', '--json', speech, noAudio);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(out.map((o) => o.path)).toEqual([speech, noAudio]);
    const x16 = ffmpegAudio(speech, 16000);
    const expected = await speechSegments(x16);
    expect(expected.length).toBe(3);
    const s = out[0]!;
    expect(s.segments).toEqual(expected);
    expect(s.sampleRate).toBe(16000);
    expect(s.durationSec).toBe(x16.length / 16000);
    expect(s.speechSec).toBeCloseTo(expected.reduce((a, [b, e]) => a + e - b, 0), 6);
    expect(s.audio).toEqual({ codec: 'aac', sampleRate: 48000, channels: 2 });
    expect(s.error).toBeUndefined();
    expect(s.probabilities).toBeUndefined();
    const n = out[1]!;
    expect(n).toMatchObject({ noAudio: true, segments: [], speechSec: 0, sampleRate: null, audio: null });
    expect(n.error).toBeUndefined();
  });

  it('--probabilities: one per 512-sample window, the VAD of the ffmpeg-decoded audio', async () => {
    const r = theval('vad', '--json', '--probabilities', speech);
    expect(r.code).toBe(0);
    const [s] = JSON.parse(r.stdout) as Array<{ probabilities: number[]; windowSec: number }>;
    const x16 = ffmpegAudio(speech, 16000);
    const ref = await speechProbabilities(x16);
    expect(s!.windowSec).toBe(0.032);
    expect(s!.probabilities.length).toBe(Math.ceil(x16.length / 512));
    let max = 0;
    for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(s!.probabilities[i]! - ref[i]!));
    expect(max).toBeLessThanOrEqual(1e-4);
    expect(Math.max(...s!.probabilities)).toBeGreaterThan(0.9);
    expect(Math.min(...s!.probabilities)).toBeLessThan(0.1);
  });

  it('text output: segments, total speech, "no audio"', async () => {
    const r = theval('vad', speech, noAudio);
    expect(r.code).toBe(0);
    const expected = await speechSegments(ffmpegAudio(speech, 16000));
    const total = Math.round(expected.reduce((a, [b, e]) => a + e - b, 0) * 1000) / 1000;
    expect(r.stdout).toContain(`speech   ${total} s in 3 segment(s)`);
    for (const [b, e] of expected) expect(r.stdout).toMatch(new RegExp(`\\b${b} - ${e} s`));
    expect(r.stdout).toMatch(new RegExp(`${noAudio.replace(/[.]/g, '\\.')}\\n  audio    none \\(no audio stream\\)`));
  });

  it('failed files: per-file error with code, the others still analysed, exit 1', () => {
    const text = path.join(mediaDir, 'vad-not-media.mp4');
    writeFileSync(text, 'not a video\n'.repeat(50));
    const missing = path.join(mediaDir, 'vad-missing.mp4');
    const r = theval('vad', '--json', missing, speech, text);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Array<{ path: string; error?: { code: string; message: string }; segments?: unknown[] }>;
    expect(out[0]).toMatchObject({ path: missing, error: { code: 'FILE_NOT_FOUND' } });
    expect(out[0]!.error!.message).toContain(missing);
    expect(out[1]!.segments!.length).toBe(3);
    expect(out[2]).toMatchObject({ path: text, error: { code: 'NOT_MEDIA' } });
    const t = theval('vad', missing);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('error    FILE_NOT_FOUND');
  });

  it('usage: --help 0, no file 2, unknown option 2; listed in `theval --help`', () => {
    expect(theval('vad', '--help')).toMatchObject({ code: 0 });
    expect(theval('vad', '--help').stdout).toContain('Usage: theval vad');
    expect(theval('vad').code).toBe(2);
    expect(theval('vad', '--nope', speech).code).toBe(2);
    expect(theval('vad', '--jobs', '0', speech).code).toBe(2);
    expect(theval('--help').stdout).toMatch(/^\s+vad <video\|audio\.\.\.>/m);
  });
});
