/**
 * The decoder against ffmpeg's own command-line decode of the same files: frame counts,
 * every pixel of every frame (rgb24), rotation, odd sizes, many codecs and frame rates.
 */
import { describe, expect, it } from 'vitest';
import { frames, openVideo, probe } from '../lib/index.js';
import { native } from '../lib/native.js';
import { clips, ffmpegFrames, type ClipName } from './helpers/media.js';

async function decodeAll(file: string, options = {}): Promise<{ data: Buffer; count: number; width: number; height: number }> {
  const reader = await openVideo(file, options);
  const parts: Buffer[] = [];
  const buf = reader.allocate(4) as Uint8Array;
  let count = 0;
  for (;;) {
    const n = await reader.read(buf, 4);
    if (n === 0) break;
    parts.push(Buffer.from(buf.subarray(0, n * reader.frameBytes)));
    count += n;
  }
  reader.close();
  return { data: Buffer.concat(parts), count, width: reader.info.width, height: reader.info.height };
}

/** Index and value of the largest per-byte difference. */
function maxDiff(a: Uint8Array, b: Uint8Array): { max: number; at: number } {
  let max = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, at };
}

const matrix: Array<[ClipName, { width: number; height: number; fps: number; codec: string }]> = [
  ['h264', { width: 512, height: 512, fps: 25, codec: 'h264' }],
  ['hevc', { width: 320, height: 240, fps: 30, codec: 'hevc' }],
  ['vp9', { width: 256, height: 144, fps: 24, codec: 'vp9' }],
  ['mpeg4', { width: 352, height: 288, fps: 30, codec: 'mpeg4' }],
  ['odd', { width: 513, height: 289, fps: 25, codec: 'h264' }],
  ['oddVp9', { width: 513, height: 289, fps: 25, codec: 'vp9' }],
  ['ntsc', { width: 320, height: 240, fps: 30000 / 1001, codec: 'h264' }],
  ['rotated', { width: 180, height: 320, fps: 25, codec: 'h264' }],
  ['rotated270', { width: 180, height: 320, fps: 25, codec: 'h264' }],
  ['rotated180', { width: 320, height: 180, fps: 25, codec: 'h264' }],
  ['vfr', { width: 320, height: 240, fps: NaN, codec: 'h264' }],
  ['fullRange', { width: 320, height: 240, fps: 25, codec: 'mjpeg' }],
  ['bt709', { width: 320, height: 240, fps: 25, codec: 'h264' }],
  ['width514', { width: 514, height: 290, fps: 25, codec: 'h264' }],
  ['width526', { width: 526, height: 290, fps: 25, codec: 'h264' }],
  ['fullRangeYuv420p', { width: 320, height: 240, fps: 25, codec: 'vp9' }],
];

describe('decode matches ffmpeg -f rawvideo -pix_fmt rgb24, every pixel', () => {
  for (const [name, expected] of matrix) {
    it(`${name}: ${expected.codec} ${expected.width}x${expected.height}`, async () => {
      const file = clips[name]();
      const ref = ffmpegFrames(file);
      const ours = await decodeAll(file);
      const frameBytes = expected.width * expected.height * 3;
      expect([ours.width, ours.height]).toEqual([expected.width, expected.height]);
      expect(ref.length % frameBytes).toBe(0);
      expect(ours.count).toBe(ref.length / frameBytes);
      // Exact: the same libswscale path FFmpeg's scale filter takes (bicubic flags, the
      // frame's own matrix and range), and the same transpose for rotation.
      const d = maxDiff(ours.data, ref);
      expect(d, `first difference at frame ${Math.floor(d.at / frameBytes)}`).toEqual({ max: 0, at: -1 });

      const p = await probe(file);
      expect(p.frameCount).toBe(ours.count);
      expect(p.codec).toBe(expected.codec);
      if (Number.isFinite(expected.fps)) expect(p.fps).toBeCloseTo(expected.fps, 6);
      expect(p.warnings).toEqual([]);
    });
  }
});

describe('RGB conversion: the vector routine takes the frames libswscale takes its SIMD path for', () => {
  const avx2 = native().checkYuv420Rgb24({ colorspace: 5, fullRange: false, width: 64, height: 2 }).vectorized;
  // Which frames went where (reader.stats().rgbFrames); the pixels themselves are checked
  // against ffmpeg by the matrix above, and against libswscale exhaustively in yuv420-rgb24.test.ts.
  const cases: Array<[ClipName, boolean]> = [
    ['h264', true], ['width514', true], ['width526', true], ['fullRangeYuv420p', true], ['bt709', true],
    ['vp9', true], ['rotated', true],
    ['odd', false], // yuv444p
    ['oddVp9', false], // odd height: libswscale's generic path
    ['fullRange', false], // yuvj420p (MJPEG): libswscale's generic path
  ];
  for (const [name, vector] of cases) {
    it.skipIf(!avx2)(`${name}: ${vector ? 'vector routine after one checked frame' : 'libswscale for every frame'}`, async () => {
      const reader = await openVideo(clips[name]());
      const buf = reader.allocate(4) as Uint8Array;
      let count = 0;
      for (let n; (n = await reader.read(buf, 4)) > 0; ) count += n;
      const { rgbFrames } = reader.stats();
      reader.close();
      // The first frame is converted by libswscale and, for eligible frames, compared with the
      // vector routine's output; only an exact match lets the routine take the rest.
      expect(rgbFrames).toEqual(vector ? { simd: count - 1, swscale: 1 } : { simd: 0, swscale: count });
    });
  }
  it.runIf(!avx2)('no AVX2 on this CPU: every frame goes to libswscale (the vector tests above are skipped for that reason)', () => {
    expect(avx2).toBe(false);
  });
});

describe('probe', () => {
  it('reports rotation, the coded size and the audio stream', async () => {
    const r = await probe(clips.rotated());
    expect(r.rotation).toBe(90);
    expect([r.codedWidth, r.codedHeight, r.width, r.height]).toEqual([320, 180, 180, 320]);
    expect(r.audio).toBeNull();
    const a = await probe(clips.h264());
    expect(a.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 2 });
    expect(a.duration).toBeCloseTo(2, 1);
  });

  it('counts VFR frames by decoding, in decode order', async () => {
    // 50 source frames at irregular timestamps: 20 at 40 ms then 30 at 100 ms.
    const r = await probe(clips.vfr());
    expect(r.frameCount).toBe(50);
  });

  it('autorotate: false hands out frames as coded', async () => {
    const file = clips.rotated();
    const ours = await decodeAll(file, { autorotate: false });
    const ref = ffmpegFrames(file, ['-noautorotate']);
    expect([ours.width, ours.height]).toEqual([320, 180]);
    expect(maxDiff(ours.data, ref).max).toBe(0);
  });
});

describe('reader', () => {
  it('reuses the caller buffer: frames() yields views of one buffer', async () => {
    const seen = new Set<ArrayBufferLike>();
    let n = 0;
    for await (const f of frames(clips.ntsc(), { batch: 4 })) {
      seen.add(f.data.buffer);
      expect(f.index).toBe(n++);
    }
    expect(n).toBe(30);
    expect(seen.size).toBe(1);
  });

  it('planar float output equals rgb24 / 255', async () => {
    const file = clips.hevc();
    const a = await openVideo(file);
    const b = await openVideo(file, { format: 'rgbf32' });
    const rgb = a.allocate(1) as Uint8Array;
    const f = b.allocate(1) as Float32Array;
    expect(b.frameBytes).toBe(a.frameBytes * 4);
    await a.read(rgb, 1);
    await b.read(f, 1);
    const plane = a.info.width * a.info.height;
    for (const i of [0, 1, 1000, plane - 1]) {
      for (let c = 0; c < 3; c++) expect(f[c * plane + i]).toBeCloseTo(rgb[i * 3 + c] / 255, 6);
    }
    a.close();
    b.close();
  });

  it('rejects a wrong buffer, a second read while one runs, and use after close', async () => {
    const r = await openVideo(clips.ntsc());
    await expect(r.read(new Uint8Array(10), 1)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(r.read(new Float32Array(r.frameBytes), 1)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const buf = r.allocate(2) as Uint8Array;
    const first = r.read(buf, 2);
    await expect(r.read(r.allocate(1), 1)).rejects.toMatchObject({ code: 'BUSY' });
    expect(await first).toBe(2);
    r.close();
    await expect(r.read(buf, 1)).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('decodes several videos concurrently, with the same results as one at a time', async () => {
    const files = [clips.h264(), clips.hevc(), clips.vp9(), clips.mpeg4()];
    const sequential: Buffer[] = [];
    for (const f of files) sequential.push((await decodeAll(f)).data);
    const parallel = await Promise.all(files.map(async (f) => (await decodeAll(f)).data));
    parallel.forEach((p, i) => expect(p.equals(sequential[i])).toBe(true));
  });

  it('decodes off the main thread: timers fire during one long native read', async () => {
    const r = await openVideo(clips.h264());
    const buf = r.allocate(50) as Uint8Array;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const t0 = performance.now();
    const n = await r.read(buf, 50); // one native call decoding 50 frames of 512x512
    const ms = performance.now() - t0;
    clearInterval(timer);
    r.close();
    expect(n).toBe(50);
    expect(ms).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThanOrEqual(3);
  });
});
