/**
 * Memory safety of the native decode boundary under API misuse: frame counts that overflow
 * the size check, and buffers detached or transferred while a read is pending. Each case
 * that crashed the process before the fix runs in a child process, which must exit normally
 * and report the error the API promises.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openVideo, probe } from '../lib/index.js';
import { clips, ffmpegClip, ffmpegFrames } from './helpers/media.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `body` (CommonJS, `addon` and `file` in scope) in a fresh node; returns its exit and last stdout line. */
function child(body: string, file: string): { status: number | null; signal: string | null; out: unknown; stderr: string } {
  const script = `
    const addon = process.env.THEVAL_TEST_ADDON ? require(process.env.THEVAL_TEST_ADDON) : require('node-gyp-build')(${JSON.stringify(root)});
    const file = ${JSON.stringify(file)};
    const code = (e) => (e && e.code) || String(e);
    (async () => { ${body} })().then(
      (r) => { process.stdout.write('\\n' + JSON.stringify(r) + '\\n'); },
      (e) => { process.stdout.write('\\n' + JSON.stringify({ threw: String(e && e.stack || e) }) + '\\n'); process.exitCode = 3; });
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let out: unknown = null;
  try {
    out = JSON.parse(last);
  } catch {
    out = last;
  }
  return { status: r.status, signal: r.signal, out, stderr: r.stderr.slice(-2000) };
}

describe('read(buf, n): n is checked before any size arithmetic', () => {
  const bad: Array<[string, unknown]> = [
    ['Infinity', Infinity],
    ['1e30', 1e30],
    ['2**46', 2 ** 46],
    ['2**52', 2 ** 52],
    ['2**63', 2 ** 63],
    ['-1', -1],
    ['0', 0],
    ['NaN', NaN],
    ['1.5', 1.5],
    ["'2'", '2'],
  ];

  it('the library API rejects each bad n with BAD_ARGUMENT naming maxFrames', async () => {
    const reader = await openVideo(clips.h264());
    try {
      const buf = new Uint8Array(8);
      for (const [label, n] of bad) {
        const err = await reader.read(buf, n as number).then(
          () => null,
          (e: { code?: string; message?: string }) => e,
        );
        expect(err, label).not.toBeNull();
        expect(err!.code, label).toBe('BAD_ARGUMENT');
        expect(err!.message, label).toMatch(/maxFrames|frame\(s\)/);
      }
      // Too small a buffer for an ordinary n: refused, and the reader still works afterwards.
      const one = reader.allocate(1);
      await expect(reader.read(new Uint8Array(reader.frameBytes * 2 - 1), 2)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
      expect(await reader.read(one, 1)).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('the addon itself (no JS checks in front) refuses them without a crash, on 512x512 and 640x480', () => {
    const r = child(
      `
      const out = {};
      for (const [label, n] of ${JSON.stringify(bad.map(([l]) => l))}.map((l) => [l, eval(l)])) {
        const reader = await addon.openVideo(file, { threads: 1, autorotate: true, format: 'rgb24', gpu: false });
        try { await reader.read(new Uint8Array(8), n); out[label] = 'resolved'; }
        catch (e) { out[label] = code(e) + ': ' + e.message; }
        reader.close();
      }
      return out;`,
      clips.h264(),
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = r.out as Record<string, string>;
    for (const [label] of bad) expect(out[label], label).toMatch(/^BAD_ARGUMENT: read\(\): (maxFrames must be a positive safe integer|buffer holds)/);
    // 2**52 x 640*480*3 wraps size_t as well; the second case.
    const r2 = child(
      `const reader = await addon.openVideo(file, { threads: 1, autorotate: true, format: 'rgb24', gpu: false });
       try { await reader.read(new Uint8Array(8), 2 ** 52); return 'resolved'; } catch (e) { return code(e); }`,
      ffmpegClip('vga.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=25:duration=0.4', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']),
    );
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.out).toBe('BAD_ARGUMENT');
  });
});

describe('a buffer detached while a read is pending', () => {
  it('structuredClone(..., {transfer}) during read(): no crash, the read rejects naming the detach', () => {
    // Before the fix the decoder wrote into the transferred (then collected) memory: SIGSEGV 5 of 5.
    const r = child(
      `
      const results = [];
      for (let round = 0; round < 5; round++) {
        const reader = await addon.openVideo(file, { threads: 1, autorotate: true, format: 'rgb24', gpu: false });
        const buf = new Uint8Array(reader.frameBytes * 16);
        const p = reader.read(buf, 16);
        structuredClone(buf.buffer, { transfer: [buf.buffer] });
        for (let i = 0; i < 20; i++) { new Uint8Array(1 << 20).fill(7); global.gc(); }
        try { results.push('resolved ' + (await p)); } catch (e) { results.push(code(e) + ': ' + e.message); }
        // The reader is usable again after the failed read.
        const again = new Uint8Array(reader.frameBytes);
        results.push('next ' + (await reader.read(again, 1)));
        reader.close();
      }
      return results;`,
      clips.h264(),
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = r.out as string[];
    expect(out).toHaveLength(10);
    for (let i = 0; i < 10; i += 2) {
      expect(out[i]).toMatch(/^BAD_ARGUMENT: read\(\): the buffer was detached or transferred while the read was pending/);
      expect(out[i + 1]).toBe('next 1');
    }
  });

  it('transferred to a worker_thread during read(): the worker memory is not written', () => {
    const r = child(
      `
      const { Worker } = require('node:worker_threads');
      const worker = new Worker(\`
        const { parentPort } = require('node:worker_threads');
        let view;
        parentPort.on('message', (m) => {
          if (m.buf) { view = new Uint8Array(m.buf); view.fill(0x55); parentPort.postMessage('filled'); }
          else { let bad = 0; for (const v of view) if (v !== 0x55) bad++; parentPort.postMessage({ bad, length: view.length }); }
        });\`, { eval: true });
      const next = () => new Promise((res) => worker.once('message', res));
      const reader = await addon.openVideo(file, { threads: 1, autorotate: true, format: 'rgb24', gpu: false });
      const buf = new Uint8Array(reader.frameBytes * 16);
      const p = reader.read(buf, 16).then((n) => 'resolved ' + n, code);
      worker.postMessage({ buf: buf.buffer }, [buf.buffer]);
      await next();
      const read = await p;
      worker.postMessage('check');
      const check = await next();
      await worker.terminate();
      reader.close();
      return { read, ...check };`,
      clips.h264(),
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toEqual({ read: 'BAD_ARGUMENT', bad: 0, length: 512 * 512 * 3 * 16 });
  });

  it('quality score(): frames detached right after the call are still scored, as when left alone', () => {
    const r = child(
      `
      const m = await addon.loadBrisque('/usr/share/opencv4/quality/brisque_model_live.yml', '/usr/share/opencv4/quality/brisque_range_live.yml');
      const reader = await addon.openVideo(file, { threads: 1, autorotate: true, format: 'rgb24', gpu: false });
      const frames = new Uint8Array(reader.frameBytes * 4);
      await reader.read(frames, 4);
      reader.close();
      const copy = frames.slice();
      const opts = { width: 512, height: 512, count: 4 };
      const p = m.score(frames, opts);
      structuredClone(frames.buffer, { transfer: [frames.buffer] });
      for (let i = 0; i < 20; i++) { new Uint8Array(1 << 20).fill(7); global.gc(); }
      const detached = Array.from(await p);
      const undisturbed = Array.from(await m.score(copy, opts));
      return { detached, undisturbed };`,
      clips.h264(),
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = r.out as { detached: number[]; undisturbed: number[] };
    expect(out.undisturbed.every(Number.isFinite)).toBe(true);
    expect(out.detached).toEqual(out.undisturbed);
  });
});

describe('reader.allocate(): zero-copy buffers that stay safe', () => {
  it('cannot be transferred away during a read (structuredClone copies it); the read delivers the frames ffmpeg decodes', async () => {
    const file = clips.h264();
    const reader = await openVideo(file);
    const buf = reader.allocate(8) as Uint8Array;
    const p = reader.read(buf, 8);
    const copy = structuredClone(buf.buffer, { transfer: [buf.buffer] });
    expect(buf.byteLength).toBe(reader.frameBytes * 8); // not detached
    expect(copy.byteLength).toBe(buf.byteLength);
    expect(await p).toBe(8);
    reader.close();
    const ref = ffmpegFrames(file);
    expect(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).equals(ref.subarray(0, buf.byteLength))).toBe(true);
  });

  it('the addon\'s own allocate(), transferred and collected during a read: no crash (the read co-owns the memory)', () => {
    const r = child(
      `
      const out = [];
      for (let round = 0; round < 5; round++) {
        const reader = await addon.openVideo(file, { threads: 1, autorotate: true, format: 'rgb24', gpu: false });
        let buf = new Uint8Array(reader.allocate(reader.frameBytes * 16));
        const p = reader.read(buf, 16).then((n) => 'resolved ' + n, code);
        structuredClone(buf.buffer, { transfer: [buf.buffer] });
        buf = null;
        for (let i = 0; i < 20; i++) { new Uint8Array(1 << 20).fill(7); global.gc(); }
        out.push(await p);
        reader.close();
      }
      return out;`,
      clips.h264(),
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    // Node 20 copies such an external buffer instead of detaching it, so the read completes;
    // were it detached, the read would reject with BAD_ARGUMENT. Either way, no crash.
    for (const o of r.out as string[]) expect(o).toMatch(/^(resolved 16|BAD_ARGUMENT)$/);
  });
});

describe('reader.allocate() buffers reused across readers', () => {
  it('a buffer allocated by a closed reader serves the next reader (zero-copy path), with the frames ffmpeg decodes', async () => {
    const file = clips.h264();
    const first = await openVideo(file);
    const buf = first.allocate(8) as Uint8Array;
    expect(await first.read(buf, 8)).toBe(8);
    first.close();
    buf.fill(0);
    const next = await openVideo(file);
    expect(await next.read(buf, 8)).toBe(8);
    next.close();
    expect(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).equals(ffmpegFrames(file).subarray(0, buf.byteLength))).toBe(true);
  });
});

describe('close() while a read is pending', () => {
  it('the read still delivers its frames, equal to an undisturbed read', async () => {
    const a = await openVideo(clips.h264());
    const b = await openVideo(clips.h264());
    const bufA = a.allocate(8), bufB = b.allocate(8);
    const p = a.read(bufA, 8);
    a.close();
    expect(await p).toBe(8);
    expect(await b.read(bufB, 8)).toBe(8);
    b.close();
    expect(Buffer.from(bufA.buffer).equals(Buffer.from(bufB.buffer))).toBe(true);
    await expect(a.read(bufA, 1)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('fuzzer finds (fuzz/regressions/)', () => {
  it('a damaged WebM stating 769x12033 for 48x32 frames: the frames keep their decoded size, as ffmpeg', async () => {
    // Before: every frame was upscaled to the stated size (27 MB per frame from a 12 KB
    // file; the fuzzer's 25 s timeout). The truth: ffprobe's decoded frame size.
    const file = path.join(root, 'fuzz/regressions/video-size-from-damaged-header');
    const sizes = new Set(
      spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'frame=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l.trim() !== ''),
    );
    expect([...sizes]).toEqual(['48,32']);
    const p = await probe(file);
    expect([p.width, p.height]).toEqual([48, 32]);
    expect(p.frameCount).toBeGreaterThan(0);
  });
});
