/**
 * `theval track`: the tracks JSON schema (docs/face.md), with the audio tracks added, checked
 * against the library calls it stands for and against the clip's known content.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeAudio } from '../lib/audio/analyzeAudio.js';
import { probe } from '../lib/index.js';
import { ffmpegClip } from './helpers/media.js';
import { runCli } from './helpers/cli.js';
import { synthesizeTalkingHead } from '../lib/samples/synth.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-track-'));

describe('theval track', () => {
  it('writes landmarks, box, pose, speech and rms per frame', async () => {
    const clip = path.join(dir, 'talk.mp4');
    await synthesizeTalkingHead(clip, { ssml: '<speak>Hello there. <break time="700ms"/> Goodbye now.</speak>' });
    const out = path.join(dir, 'talk.json');
    const r = runCli(['track', clip, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    const p = await probe(clip);
    expect([j.fps, j.width, j.height, j.frames]).toEqual([p.fps, p.width, p.height, p.frameCount]);
    for (const key of ['landmarks', 'refined', 'box', 'pose', 'rms']) expect(j[key]).toHaveLength(p.frameCount);
    // The synthetic face is in every frame: 468 / 478 points, a box inside the frame, a pose.
    expect(j.landmarks.every((f: unknown[] | null) => f !== null && f.length === 468)).toBe(true);
    expect(j.refined.every((f: unknown[] | null) => f !== null && f.length === 478)).toBe(true);
    const [x0, y0, x1, y1] = j.box[0];
    expect(x0).toBeGreaterThan(0);
    expect(x1).toBeLessThan(j.width);
    expect(y0).toBeLessThan(y1);
    expect(j.pose[0]).toHaveLength(3);
    // The generator rolls the head by at most 3 degrees: the fitted roll stays near that range.
    expect(Math.max(...j.pose.map((q: number[]) => Math.abs(q[2])))).toBeLessThan(8);
    // Audio: the same segments and loudness as the library computes; a pause splits the speech.
    const a = await analyzeAudio(clip, p.fps, p.frameCount);
    expect(j.hasAudio).toBe(true);
    expect(j.speech).toEqual(a.tracks.speech);
    expect(j.speech.length).toBeGreaterThanOrEqual(2);
    j.rms.forEach((v: number, t: number) => expect(v).toBeCloseTo(a.tracks.rms[t], 6));
  }, 180_000);

  it('a video without audio: hasAudio false, no segments, rms null per frame', () => {
    const clip = ffmpegClip('track-noaudio.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']);
    const out = path.join(dir, 'noaudio.json');
    const r = runCli(['track', clip, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.hasAudio).toBe(false);
    expect(j.speech).toEqual([]);
    expect(j.rms).toHaveLength(25);
    expect(j.rms.every((v: number | null) => v === null)).toBe(true);
    expect(j.landmarks.every((f: unknown) => f === null)).toBe(true);
  }, 120_000);

  it("--models selects the networks (--profile: its older name); evaluate's profile names are refused with a hint", () => {
    const clip = ffmpegClip('track-models.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=0.4', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']);
    const a = path.join(dir, 'models-a.json'), b = path.join(dir, 'models-b.json');
    const r1 = runCli(['track', clip, '-o', a, '--models', 'refinedOnly']);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stderr).toMatch(/profile refinedOnly/);
    const r2 = runCli(['track', clip, '-o', b, '--profile', 'refinedOnly']);
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/profile refinedOnly/);
    const bad = runCli(['track', clip, '-o', b, '--profile', 'clean']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--models must be both or refinedOnly, got clean \('clean' is a profile of theval evaluate/);
    const both = runCli(['track', clip, '-o', b, '--models', 'both', '--profile', 'both']);
    expect(both.status).toBe(2);
  }, 120_000);
});
