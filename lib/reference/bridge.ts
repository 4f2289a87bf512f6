/**
 * The bridge to the reference models: frames and crops in (uint8 RGB views, straight from
 * whatever decoded them), scores and poses out. It owns one PythonWorker per device and
 * restarts it after a crash (the crash costs only the requests that were in flight).
 *
 * It does not decode or choose crops itself: today lib/reference/qualityProvider.ts and
 * poseProvider.ts feed it from their own decode loops; the single native pass can call the
 * same three methods with the frames it holds.
 */
import { TheValError } from '../errors.js';
import type { CropBox } from '../metrics/quality.js';
import type { FrameBatch } from '../quality/scorer.js';
import { PythonWorker, type WorkerOptions, type WorkerProvenance } from './pythonWorker.js';

/** One crop, copied out of its frame (packed RGB, width x height x 3). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface FrameScores {
  /** Per metric, one score per frame (NaN = not scored). */
  scores: Record<string, Float64Array>;
  /** Per metric, the frames the model refused (index within the batch) and why. */
  errors: Record<string, Array<{ index: number; message: string }>>;
}

export interface PoseResult {
  /** count x 3 pitch, yaw, roll in degrees; NaN without a face. */
  pose: Float32Array;
  /** count x 4 x0, y0, x1, y1 in pixels; NaN without a face. */
  box: Float32Array;
}

function checkBatch(b: FrameBatch): void {
  if (!(b.data instanceof Uint8Array) || !(b.width > 0) || !(b.height > 0) || !Number.isInteger(b.count) || b.count < 0) {
    throw new TheValError('BAD_ARGUMENT', 'reference bridge: frames must be { data: Uint8Array, width, height, count }');
  }
  if (b.data.byteLength < b.width * b.height * 3 * b.count) {
    throw new TheValError('BAD_ARGUMENT', `reference bridge: ${b.data.byteLength} bytes for ${b.count} frames of ${b.width}x${b.height}x3`);
  }
}

const nums = (a: unknown, n: number, what: string): Float64Array => {
  if (!Array.isArray(a) || a.length !== n) throw new TheValError('WORKER_DIED', `reference worker returned ${Array.isArray(a) ? a.length : typeof a} ${what} for ${n} images`);
  return Float64Array.from(a, (v) => (typeof v === 'number' ? v : NaN));
};

/** Copies crop `box` out of packed RGB frame `frame` (width W). */
export function cutCrop(frame: Uint8Array, W: number, box: CropBox): RgbImage {
  const w = box.x1 - box.x0, h = box.y1 - box.y0;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(frame.subarray(((box.y0 + y) * W + box.x0) * 3, ((box.y0 + y) * W + box.x1) * 3), y * w * 3);
  return { data, width: w, height: h };
}

export class ReferenceBridge {
  readonly options: WorkerOptions;
  private worker: PythonWorker | null = null;
  private starting: Promise<PythonWorker> | null = null;
  private first: WorkerProvenance | null = null;
  /** Workers started so far (1 + restarts after crashes). */
  starts = 0;

  constructor(options: WorkerOptions) {
    this.options = options;
  }

  /** Starts the worker (loading its models) if it is not running; resolves with its provenance. */
  async start(): Promise<WorkerProvenance> {
    return (await this.running()).provenance;
  }

  /** The provenance of the first worker (undefined before start()). */
  get provenance(): WorkerProvenance | undefined {
    return this.first ?? undefined;
  }

  get pid(): number | undefined {
    return this.worker?.alive ? this.worker.pid : undefined;
  }

  /**
   * Whole frames: `batch` metrics score all frames in one call (the reference's batches),
   * `single` metrics one frame per call (batch size 1).
   */
  async scoreFrames(frames: FrameBatch, metrics: { batch?: readonly string[]; single?: readonly string[] }): Promise<FrameScores> {
    checkBatch(frames);
    const n = frames.count;
    const names = [...(metrics.batch ?? []), ...(metrics.single ?? [])];
    if (n === 0 || names.length === 0) return { scores: Object.fromEntries(names.map((k) => [k, new Float64Array(0)])), errors: {} };
    const w = await this.running();
    const r = await w.request(
      { op: 'frames', count: n, width: frames.width, height: frames.height, batch: metrics.batch ?? [], single: metrics.single ?? [] },
      [frames.data.subarray(0, n * frames.width * frames.height * 3)],
    );
    const got = r.header.scores as Record<string, unknown>;
    const scores: Record<string, Float64Array> = {};
    for (const k of names) scores[k] = nums(got?.[k], n, `${k} scores`);
    return { scores, errors: (r.header.errors ?? {}) as FrameScores['errors'] };
  }

  /** Crops of any sizes for one metric: each scored alone, or (pad) as one batch padded with black to the largest crop. */
  async scoreCrops(metric: string, crops: readonly RgbImage[], pad: boolean): Promise<Float64Array> {
    if (crops.length === 0) return new Float64Array(0);
    for (const c of crops) {
      if (!(c.width > 0 && c.height > 0) || c.data.byteLength !== c.width * c.height * 3) throw new TheValError('BAD_ARGUMENT', `reference bridge: bad crop ${c.width}x${c.height}`);
    }
    const w = await this.running();
    const r = await w.request({ op: 'crops', metric, pad, sizes: crops.map((c) => [c.width, c.height]) }, crops.map((c) => c.data));
    return nums(r.header.scores, crops.length, `${metric} scores`);
  }

  /** Head pose per frame: RetinaFace box, FaceXFormer pose (degrees). */
  async estimatePose(frames: FrameBatch): Promise<PoseResult> {
    checkBatch(frames);
    const n = frames.count;
    const pose = new Float32Array(n * 3).fill(NaN), box = new Float32Array(n * 4).fill(NaN);
    if (n === 0) return { pose, box };
    const w = await this.running();
    const r = await w.request({ op: 'pose', count: n, width: frames.width, height: frames.height }, [frames.data.subarray(0, n * frames.width * frames.height * 3)]);
    const ps = r.header.pose as unknown[], bs = r.header.box as unknown[];
    if (!Array.isArray(ps) || !Array.isArray(bs) || ps.length !== n || bs.length !== n) throw new TheValError('WORKER_DIED', `reference worker returned a pose reply for the wrong number of frames (${n} sent)`);
    for (let i = 0; i < n; i++) {
      const p = ps[i], b = bs[i];
      if (!Array.isArray(p) || !Array.isArray(b)) continue;
      for (let k = 0; k < 3; k++) pose[i * 3 + k] = typeof p[k] === 'number' ? p[k] : NaN;
      for (let k = 0; k < 4; k++) box[i * 4 + k] = typeof b[k] === 'number' ? b[k] : NaN;
    }
    return { pose, box };
  }

  /** Sends `bytes` to the worker and back its count: the transport alone (for benchmarks). */
  async echo(bytes: Uint8Array): Promise<number> {
    const w = await this.running();
    return Number((await w.request({ op: 'echo' }, [bytes])).header.bytes);
  }

  /** Ends the worker; a later call starts a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.close();
  }

  private running(): Promise<PythonWorker> {
    if (this.worker?.alive) return Promise.resolve(this.worker);
    this.starting ??= PythonWorker.start(this.options)
      .then((w) => {
        this.starts++;
        if (this.first && JSON.stringify(this.first) !== JSON.stringify(w.provenance)) {
          void w.close();
          throw new TheValError('WORKER_SETUP', 'the restarted reference worker reports other models or versions than the first one (did the Python environment change mid-run?); not mixing them');
        }
        this.first ??= w.provenance;
        this.worker = w;
        return w;
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }
}
