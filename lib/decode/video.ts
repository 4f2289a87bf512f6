/**
 * Video decoding: probe a file, open a reader that decodes into caller-supplied buffers,
 * or iterate frames through one recycled buffer. All decoding runs on libuv worker
 * threads; frames land in the caller's typed array without a copy.
 */
import { markAsUntransferable } from 'node:worker_threads';
import { fromNative, TheValError } from '../errors.js';
import { native, type NativeProbeResult, type NativeReadStats, type NativeVideoInfo, type NativeVideoReader } from '../native.js';

export type VideoInfo = NativeVideoInfo;
export type ProbeResult = NativeProbeResult;
export type ReadStats = NativeReadStats;
export type PixelFormat = 'rgb24' | 'rgbf32';

export interface OpenVideoOptions {
  /** Decoder threads per video: 1 (default; run several videos in parallel instead) or 0 = FFmpeg decides. */
  threads?: number;
  /** Apply the display-rotation metadata, as ffmpeg's command line does (default true). */
  autorotate?: boolean;
  /** 'rgb24' (default): packed 8-bit RGB, H x W x 3. 'rgbf32': planar float RGB in [0,1], 3 x H x W. */
  format?: PixelFormat;
  /** Convert YUV to planar float on the GPU (needs format 'rgbf32', a CUDA build and a GPU). */
  gpu?: boolean;
}

export async function probe(path: string): Promise<ProbeResult> {
  checkPath(path);
  try {
    return await native().probe(path);
  } catch (e) {
    throw fromNative(e);
  }
}

export class VideoReader {
  readonly info: VideoInfo;
  readonly format: PixelFormat;
  /** Bytes of one decoded frame in this reader's format. */
  readonly frameBytes: number;
  private readonly reader: NativeVideoReader;

  /** Use {@link openVideo}. */
  constructor(reader: NativeVideoReader, format: PixelFormat) {
    this.reader = reader;
    this.info = reader.info;
    this.frameBytes = reader.frameBytes;
    this.format = format;
  }

  /**
   * A buffer that holds `frames` frames in this reader's format. Reads decode straight into
   * it (no copy): its memory is native and co-owned by a pending read. It cannot be
   * transferred (postMessage / structuredClone copy it instead), so a read never writes into
   * memory another thread owns. Any other Uint8Array / Float32Array works too, at the cost of
   * one copy per frame (docs/decode.md).
   */
  allocate(frames = 1): Uint8Array | Float32Array {
    if (!Number.isSafeInteger(frames) || frames < 1) {
      throw new TheValError('BAD_ARGUMENT', `allocate(): frames must be a positive safe integer, got ${describe(frames)}`, this.info.path);
    }
    let ab: ArrayBuffer;
    try {
      ab = this.reader.allocate(this.frameBytes * frames);
    } catch (e) {
      throw fromNative(e);
    }
    markAsUntransferable(ab);
    return this.format === 'rgb24' ? new Uint8Array(ab) : new Float32Array(ab);
  }

  /**
   * Decodes up to `maxFrames` next frames into `dst`, one after another, and resolves with
   * how many were written (0 at the end). `dst` must hold maxFrames frames.
   */
  async read(dst: Uint8Array | Float32Array, maxFrames = 1): Promise<number> {
    // Checked here as well as natively: a clear message for Infinity, 1e30, 2**63, NaN, strings.
    if (typeof maxFrames !== 'number' || !Number.isSafeInteger(maxFrames) || maxFrames < 1) {
      throw new TheValError('BAD_ARGUMENT', `read(): maxFrames must be a positive safe integer, got ${describe(maxFrames)}`, this.info.path);
    }
    const have = dst instanceof Uint8Array || dst instanceof Float32Array ? Math.floor(dst.byteLength / this.frameBytes) : 0;
    if (maxFrames > have) {
      throw new TheValError(
        'BAD_ARGUMENT',
        `read(): the buffer holds ${have} frame(s) of ${this.frameBytes} bytes, asked for ${maxFrames}`,
        this.info.path,
      );
    }
    try {
      return await this.reader.read(dst, maxFrames);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** Frames decoded so far, decode errors, and what was lost (truncation, corruption). */
  stats(): ReadStats {
    try {
      return this.reader.stats();
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * The timestamps (seconds, the frames' pts) of the frames read so far, one per frame in
   * read order; NaN for a frame without one. On a variable-frame-rate video these differ from
   * `i / info.fps`.
   */
  frameTimes(): Float64Array {
    try {
      return this.reader.frameTimes();
    } catch (e) {
      throw fromNative(e);
    }
  }

  close(): void {
    this.reader.close();
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return `a ${typeof v}`;
}

export async function openVideo(path: string, options: OpenVideoOptions = {}): Promise<VideoReader> {
  checkPath(path);
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 0 || threads > 64) {
    throw new TheValError('BAD_ARGUMENT', `threads must be an integer in 0..64, got ${threads}`, path);
  }
  const format = options.format ?? 'rgb24';
  if (format !== 'rgb24' && format !== 'rgbf32') {
    throw new TheValError('BAD_ARGUMENT', `format must be 'rgb24' or 'rgbf32', got ${String(format)}`, path);
  }
  const gpu = options.gpu ?? false;
  if (gpu && format !== 'rgbf32') {
    throw new TheValError('BAD_ARGUMENT', "gpu: true needs format: 'rgbf32'", path);
  }
  try {
    const r = await native().openVideo(path, { threads, autorotate: options.autorotate ?? true, format, gpu });
    return new VideoReader(r, format);
  } catch (e) {
    throw fromNative(e);
  }
}

export interface Frame {
  /** Decode-order index. */
  index: number;
  /** The frame's pixels: a view into a recycled buffer, valid until the iterator advances. */
  data: Uint8Array | Float32Array;
}

/**
 * Iterates a video's frames in decode order. Frames are decoded `batch` at a time into one
 * recycled buffer; each yielded `data` is overwritten when the loop advances (copy it to keep it).
 */
export async function* frames(
  path: string,
  options: OpenVideoOptions & { batch?: number } = {},
): AsyncGenerator<Frame, ReadStats, void> {
  const batch = options.batch ?? 8;
  const reader = await openVideo(path, options);
  try {
    const buf = reader.allocate(batch);
    const per = buf.length / batch;
    let index = 0;
    for (;;) {
      const n = await reader.read(buf, batch);
      if (n === 0) break;
      for (let i = 0; i < n; i++) yield { index: index++, data: buf.subarray(i * per, (i + 1) * per) };
    }
    return reader.stats();
  } finally {
    reader.close();
  }
}

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TheValError('BAD_ARGUMENT', `expected a file path, got ${JSON.stringify(path)}`);
  }
}
