/**
 * The bad-input corpus in ONE `theval evaluate` batch, as a user would run it: each bad file
 * gets its own error code (or a result with its reason), and the good videos in the same
 * batch still get their numbers. Everything is generated here with ffmpeg. The batch runs
 * as an unprivileged user (setpriv) when the tests run as root, so the unreadable file is
 * really unreadable. The truth for truncated files is ffmpeg's own decode of them.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Progress } from '../lib/cli/progress.js';
import { clips, ffmpegClip, noiseBytes } from './helpers/media.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'test/helpers/cli-entry.ts');
const tsx = import.meta.resolve('tsx');
const face = path.join(root, 'samples/faces/grace_hopper_512x512.jpg');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const canDropPrivileges = isRoot && spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'true']).status === 0;

/** A still face (Grace Hopper, 192x192) with a tone, as a short talking-head stand-in. */
const faceArgs = (seconds: number, extra: string[] = []): string[] => [
  '-loop', '1', '-framerate', '25', '-i', face,
  '-f', 'lavfi', '-i', `sine=frequency=300:sample_rate=48000:duration=${seconds}`,
  '-t', String(seconds), '-vf', 'scale=192:192', ...extra, '-c:a', 'aac', '-shortest',
];

/** Frames ffmpeg itself decodes from a file (-1 when it cannot open it, 0 when none decodes). */
function ffmpegFrameCount(file: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  if (r.status !== 0) return -1;
  const n = parseInt(r.stdout.trim().split('\n')[0] ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

interface Rec {
  path: string;
  status: 'ok' | 'error';
  error?: { code: string; message: string };
  video?: { width: number; height: number; frames: number; fps: number };
  metrics: Record<string, { value: number | null; reason?: string }>;
  warnings: string[];
}

type Expect = { code: string } | { ok: (r: Rec) => void };

let dir: string;
let out: string;
const cases = new Map<string, Expect>();
let batch: { status: number | null; stderr: string; records: Map<string, Rec> };
let probeCodes: Record<string, string>;
const newlineName = 'good\nsecond line.mp4';

const finite = (r: Rec, id: string): number => {
  const v = r.metrics[id]?.value;
  expect(typeof v === 'number' && Number.isFinite(v), `${path.basename(r.path)} ${id} = ${v} (${r.metrics[id]?.reason})`).toBe(true);
  return v as number;
};
const okWithNumbers = (r: Rec): void => {
  for (const id of ['head_motion', 'lip_dynamics', 'eyebrow_dynamics', 'global_aesthetic', 'face_quality', 'mouth_quality']) finite(r, id);
};
const okDecoded = (width: number, height: number) => (r: Rec): void => {
  expect([r.video!.width, r.video!.height]).toEqual([width, height]);
  finite(r, 'global_aesthetic');
};

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'theval-corpus-'));
  out = path.join(dir, 'out');
  const f = (name: string): string => path.join(dir, name);
  const put = (name: string, src: string): string => (copyFileSync(src, f(name)), f(name));

  // Good videos: their numbers must survive the bad company.
  const good = ffmpegClip('corpus-good.mp4', [...faceArgs(0.6), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', 'OUT']);
  cases.set(put('good-1.mp4', good), { ok: okWithNumbers });
  cases.set(put('good-2.mkv', ffmpegClip('corpus-good.mkv', [...faceArgs(0.6), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT'])), { ok: okWithNumbers });

  cases.set(f('missing.mp4'), { code: 'FILE_NOT_FOUND' });
  writeFileSync(f('empty.mp4'), '');
  cases.set(f('empty.mp4'), { code: 'NOT_MEDIA' });
  writeFileSync(f('random.mp4'), noiseBytes(64 * 1024, 7));
  cases.set(f('random.mp4'), { code: 'NOT_MEDIA' });
  writeFileSync(f('text.mp4'), 'this is not a video\n'.repeat(200));
  cases.set(f('text.mp4'), { code: 'NOT_MEDIA' });

  // Truncated at 10/50/90% (index up front): whatever ffmpeg still decodes, theval decodes
  // too, with a warning; when ffmpeg decodes nothing, an error.
  const data = readFileSync(good);
  for (const pct of [10, 50, 90]) {
    const name = f(`truncated-${pct}.mp4`);
    writeFileSync(name, data.subarray(0, Math.floor((data.length * pct) / 100)));
    const frames = ffmpegFrameCount(name);
    cases.set(name, frames > 0
      ? { ok: (r) => {
          expect(r.video!.frames, `truncated ${pct}%`).toBe(frames);
          expect(r.warnings.join('\n')).toMatch(/of the \d+ frames the container lists|truncated/);
        } }
      : { code: frames < 0 ? 'NOT_MEDIA' : 'NO_FRAMES' });
  }
  // The moov box's contents zeroed: no stream can be read.
  const moov = Buffer.from(data);
  const at = moov.indexOf('moov');
  moov.fill(0, at + 4, at - 4 + moov.readUInt32BE(at - 4));
  writeFileSync(f('corrupt-moov.mp4'), moov);
  cases.set(f('corrupt-moov.mp4'), { code: 'NOT_MEDIA' });

  cases.set(put('audio-only.mp4', ffmpegClip('corpus-audio.m4a', ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', 'OUT'])), { code: 'NO_VIDEO_STREAM' });
  cases.set(put('no-audio.mp4', ffmpegClip('corpus-noaudio.mp4', ['-loop', '1', '-framerate', '25', '-i', face, '-t', '0.6', '-vf', 'scale=192:192', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT'])), {
    ok: (r) => {
      finite(r, 'head_motion');
      for (const id of ['silent_lip_stability', 'lip_sync']) expect(r.metrics[id].reason, id).toMatch(/audio/i);
    },
  });
  cases.set(put('one-frame.mp4', ffmpegClip('corpus-1frame.mp4', [...faceArgs(1), '-frames:v', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT'])), {
    ok: (r) => {
      expect(r.video!.frames).toBe(1);
      for (const id of ['head_motion', 'lip_dynamics']) {
        expect(r.metrics[id].value, id).toBe(0);
        expect(r.metrics[id].reason, id).toMatch(/only 1 frame/);
      }
    },
  });
  cases.set(put('short-0.2s.mp4', ffmpegClip('corpus-short.mp4', [...faceArgs(0.2), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT'])), {
    ok: (r) => {
      expect(r.video!.frames).toBe(5);
      okWithNumbers(r);
    },
  });
  // An image renamed .mp4: FFmpeg reads a JPEG as a one-frame video, and so does theval.
  cases.set(put('image.mp4', face), { ok: (r) => expect(r.video!.frames).toBe(ffmpegFrameCount(face)) });
  mkdirSync(f('folder.mp4'));
  cases.set(f('folder.mp4'), { code: 'NOT_MEDIA' });
  writeFileSync(f('unreadable.mp4'), data);
  chmodSync(f('unreadable.mp4'), 0o000);
  if (isRoot && canDropPrivileges) cases.set(f('unreadable.mp4'), { code: 'NOT_MEDIA' });
  symlinkSync('loop.mp4', f('loop.mp4'));
  cases.set(f('loop.mp4'), { code: 'NOT_MEDIA' });

  const v = (name: string, src: string, args: string[]) => ffmpegClip(name, ['-f', 'lavfi', '-i', src, ...args, 'OUT']);
  cases.set(put('odd-161x121-7fps.mp4', v('corpus-odd.mp4', 'testsrc2=size=162x122:rate=7:duration=1', ['-vf', 'format=rgb24,crop=161:121:0:0', '-c:v', 'libx264', '-pix_fmt', 'yuv444p'])), { ok: okDecoded(161, 121) });
  cases.set(put('10bit.mkv', v('corpus-10bit.mkv', 'testsrc2=size=160x120:rate=25:duration=0.4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p10le'])), { ok: okDecoded(160, 120) });
  cases.set(put('444.mp4', v('corpus-444.mp4', 'testsrc2=size=160x120:rate=25:duration=0.4', ['-c:v', 'libx264', '-pix_fmt', 'yuv444p'])), { ok: okDecoded(160, 120) });
  cases.set(put('grey.mkv', v('corpus-grey.mkv', 'testsrc2=size=160x120:rate=25:duration=0.4', ['-c:v', 'ffv1', '-pix_fmt', 'gray'])), { ok: okDecoded(160, 120) });
  cases.set(put('rotated.mp4', clips.rotated()), { ok: okDecoded(180, 320) });
  cases.set(put('vfr.mkv', clips.vfr()), {
    ok: (r) => {
      expect(r.video!.frames).toBe(50);
      expect(r.warnings.join('\n')).toMatch(/variable frame rate/);
    },
  });
  cases.set(put('4k.mp4', v('corpus-4k.mp4', 'testsrc2=size=3840x2160:rate=25:duration=0.08', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'])), { ok: okDecoded(3840, 2160) });

  // A good video whose name holds a newline: given on the command line (a list file is
  // line-based), and its progress line must stay one line.
  const nl = put(newlineName, good);
  cases.set(nl, { ok: okWithNumbers });

  const list = f('inputs.txt');
  writeFileSync(list, [...cases.keys()].filter((p) => p !== nl).join('\n') + '\n');
  // The batch, as an unprivileged user when we are root (root reads a mode-000 file).
  mkdirSync(out);
  const home = f('home');
  mkdirSync(home);
  if (canDropPrivileges) for (const p of [dir, out, home]) chownSync(p, NOBODY, NOBODY);
  const asUser = (args: string[]) => {
    const cmd = [process.execPath, '--import', tsx, entry, ...args];
    const argv = canDropPrivileges ? ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', ...cmd] : cmd;
    return spawnSync(argv[0], argv.slice(1), {
      cwd: root,
      env: { ...process.env, HOME: home, TMPDIR: home },
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      timeout: 900_000,
    });
  };
  const r = asUser(['evaluate', '--name', 'corpus', '--out', out, '--jobs', '2', `@${list}`, nl]);
  const records = new Map<string, Rec>();
  const jsonl = readFileSync(path.join(out, 'results.jsonl'), 'utf8');
  for (const line of jsonl.split('\n').filter(Boolean)) {
    const rec = JSON.parse(line) as Rec;
    records.set(rec.path, rec);
  }
  batch = { status: r.status, stderr: r.stderr, records };
  probeCodes = {};
  for (const name of ['unreadable.mp4', 'loop.mp4', 'corrupt-moov.mp4']) {
    const p = asUser(['probe', f(name), '--json']);
    try {
      probeCodes[name] = (JSON.parse(p.stdout) as Array<{ error?: { code: string } }>)[0].error?.code ?? 'ok';
    } catch {
      probeCodes[name] = `exit ${p.status}: ${p.stdout}${p.stderr}`;
    }
  }
}, 900_000);

describe('bad-input corpus, one evaluate batch', () => {
  it('every input is recorded exactly once; the run exits 1 (some videos failed), not a crash', () => {
    expect(batch.status, batch.stderr.slice(-3000)).toBe(1);
    expect([...batch.records.keys()].sort()).toEqual([...cases.keys()].sort());
  });

  it('each bad input has its code, each odd-but-valid one its result', () => {
    const problems: string[] = [];
    for (const [file, want] of cases) {
      const r = batch.records.get(file)!;
      const name = path.basename(file);
      if ('code' in want) {
        if (r.status !== 'error' || r.error!.code !== want.code) problems.push(`${name}: want ${want.code}, got ${r.status} ${r.error?.code ?? ''} ${r.error?.message ?? ''}`);
        else expect(r.error!.message, name).toContain(name.split('\n')[0]);
      } else if (r.status !== 'ok') {
        problems.push(`${name}: want ok, got ${r.error?.code}: ${r.error?.message}`);
      } else {
        try {
          want.ok(r);
        } catch (e) {
          problems.push(`${name}: ${(e as Error).message}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.skipIf(!canDropPrivileges && isRoot)('an unreadable file and a symlink loop: the same code from probe and evaluate', () => {
    expect(probeCodes['unreadable.mp4']).toBe('NOT_MEDIA');
    expect(probeCodes['loop.mp4']).toBe('NOT_MEDIA');
    expect(probeCodes['corrupt-moov.mp4']).toBe('NOT_MEDIA');
    expect(batch.records.get(path.join(dir, 'unreadable.mp4'))!.error!.code).toBe('NOT_MEDIA');
  });

  it('one progress line per video, also for a path with a newline', () => {
    const lines = batch.stderr.split('\n').filter((l) => /^\[\s*\d+\/\d+\]/.test(l));
    expect(lines).toHaveLength(cases.size);
    expect(lines.some((l) => l.includes('good\\nsecond line.mp4'))).toBe(true);
    // No line is the tail of a split path.
    expect(batch.stderr.split('\n').some((l) => l.startsWith('second line.mp4'))).toBe(false);
  });
});

describe('inputs', () => {
  it('a folder with no videos: exit 2 with a message naming it', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'theval-empty-'));
    writeFileSync(path.join(empty, 'notes.txt'), 'no videos here');
    const r = spawnSync(process.execPath, ['--import', tsx, entry, 'evaluate', empty, '--out', path.join(empty, 'out')], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${empty}: no video files in this folder`);
  });

  it('Progress escapes control characters (log style)', () => {
    const chunks: string[] = [];
    const stream = { write: (s: string) => chunks.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
    const p = new Progress({ stream, tty: false });
    p.onProgress({ phase: 'start', total: 1 } as never);
    p.onProgress({ phase: 'video', total: 1, done: 1, method: 'm', record: { status: 'ok', path: '/x/a\nb\r.mp4', timings: { total: 1000 } } } as never);
    p.log('warning: /x/a\nb.mp4: something');
    const text = chunks.join('');
    expect(text.split('\n').filter(Boolean)).toEqual(['theval: 1 video(s) to evaluate', '[1/1] m /x/a\\nb\\r.mp4 ok    1.0s', 'warning: /x/a\\nb.mp4: something']);
  });
});

