/** `theval probe`: the metadata of each file, per-file errors, exit codes, --json. */
import { describe, expect, it } from 'vitest';
import { probe } from '../lib/index.js';
import { runCli } from './helpers/cli.js';
import { clips } from './helpers/media.js';

describe('theval probe', () => {
  it('--json: one entry per file in order, an error entry for a bad file, exit 1', async () => {
    const good = clips.rotated();
    const r = runCli(['probe', '--json', good, '/nonexistent/clip.mp4']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(2);
    const lib = await probe(good);
    expect(out[0]).toMatchObject({ path: good, width: 180, height: 320, rotation: 90, frameCount: lib.frameCount, codec: 'h264', audio: null });
    expect(out[1]).toEqual({ path: '/nonexistent/clip.mp4', error: { code: 'FILE_NOT_FOUND', message: '/nonexistent/clip.mp4: no such file' } });
  });

  it('text output names size, rotation, frames and audio; exit 0 when all files are fine', () => {
    const r = runCli(['probe', clips.h264(), clips.rotated()]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/video {4}h264 yuv420p 512x512/);
    expect(r.stdout).toMatch(/frames {3}50 decodable \(container says 50\)/);
    expect(r.stdout).toMatch(/audio {4}aac 48000 Hz, 2 channel\(s\)/);
    expect(r.stdout).toMatch(/rotated 90° \(applied; coded 320x180\)/);
    expect(r.stdout).toMatch(/audio {4}none/);
  });

  it('usage: --help 0, no file 2, bad --jobs 2, unknown option 2', () => {
    expect(runCli(['probe', '--help']).status).toBe(0);
    expect(runCli(['probe']).status).toBe(2);
    expect(runCli(['probe', '--jobs', '0', clips.h264()]).status).toBe(2);
    expect(runCli(['probe', '--bogus', clips.h264()]).status).toBe(2);
  });
});
