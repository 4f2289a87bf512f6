/**
 * Reference landmarks from the real MediaPipe Face Mesh JS solution
 * (npm @mediapipe/face_mesh 0.4.1633559619), run offline in headless Debian Chromium.
 *
 * How it runs: a local HTTP server on 127.0.0.1 (random port) serves the package's own
 * files (face_mesh.js, the wasm, the packed models, the graph) and a tiny harness page;
 * Chromium is driven by playwright-core (never a downloaded browser: /usr/bin/chromium,
 * or THEVAL_CHROMIUM). Frames go to the page as raw RGB bytes fetched from the same server,
 * are drawn into a canvas with putImageData (no re-encoding, no colour management: the
 * solution sees exactly the pixels our decoder produced) and sent to `FaceMesh.send`.
 * The solution returns `multiFaceLandmarks[0]` (468 or 478 points, x/y normalised) or
 * nothing; that comes back to Node as a Float32Array of n x (x, y, z) or null.
 *
 * Modes: 'video' = one FaceMesh instance fed the frames in order (detection on the first
 * frame, then MediaPipe's own ROI-from-landmarks tracking); 'static' = the graph is reset
 * before every frame (this version has no staticImageMode option; reset() restarts the
 * graph, so every frame starts from face detection as a new instance would; the harness
 * test checks that).
 *
 * One browser per process, launched on first use and reused; `closeMediaPipe()` ends it
 * (call it in afterAll). Results are cached on disk per (frame bytes, options, package
 * version) in $TMPDIR/theval-mediapipe-ref (THEVAL_MP_CACHE=0 turns the cache off,
 * THEVAL_MP_CACHE_DIR moves it).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { openVideo } from '../../lib/decode/video.js';
import { packageRoot } from '../../lib/native.js';

export const MEDIAPIPE_PACKAGE = '@mediapipe/face_mesh';
export const MEDIAPIPE_VERSION = '0.4.1633559619';
/** Bump when the harness changes in a way that can change results (invalidates the cache). */
const HARNESS_VERSION = 1;

/** Debian's Chromium (apt-get install chromium); THEVAL_CHROMIUM overrides (read at each call). */
export function chromiumPath(): string {
  return process.env.THEVAL_CHROMIUM || '/usr/bin/chromium';
}

/** Flags as the machine notes prescribe for this closed network (no background traffic, no GPU). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the reference cannot run here, or '' when it can. */
export function mediaPipeUnavailableReason(): string {
  if (!existsSync(chromiumPath())) return `no Chromium at ${chromiumPath()} (apt-get install chromium, or set THEVAL_CHROMIUM)`;
  if (!existsSync(path.join(mediaPipeDir(), 'face_mesh.js'))) return `${MEDIAPIPE_PACKAGE} is not installed (npm ci)`;
  return '';
}

export interface RgbFrame {
  /** Packed RGB24 (H x W x 3) or RGBA (H x W x 4) bytes. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Frames in order; a string is an image file, decoded by our own decoder into one RGB frame. */
export type FrameInput = AsyncIterable<RgbFrame | string> | Iterable<RgbFrame | string>;

export interface MediaPipeOptions {
  /** true: face_landmark_with_attention (478 points); false: face_landmark (468 points). */
  refineLandmarks: boolean;
  /** 'video': one instance, tracking across frames in order; 'static': each frame on its own. */
  mode: 'static' | 'video';
  /** Where the landmark network runs inside the solution: 'cpu' (TFLite + XNNPACK in wasm; default,
   * like the Python solution on Linux) or 'gpu' (TFLite GPU delegate on WebGL, here SwiftShader). */
  inference?: 'cpu' | 'gpu';
  minDetectionConfidence?: number;
  minTrackingConfidence?: number;
  /** Use the on-disk cache (default true unless THEVAL_MP_CACHE=0). */
  cache?: boolean;
  /** Time allowed for loading the solution (default 180 s) and for one frame (default 60 s). */
  initTimeoutMs?: number;
  frameTimeoutMs?: number;
}

export type ReferenceLandmarks = Array<Float32Array | null>;

// --- frames --------------------------------------------------------------------------------

/** Decodes an image (or the first frame of a video) with our decoder into packed RGB. */
export async function readImage(file: string): Promise<RgbFrame> {
  const r = await openVideo(file);
  try {
    const data = r.allocate(1) as Uint8Array;
    if ((await r.read(data, 1)) !== 1) throw new Error(`${file}: no frame decoded`);
    return { data, width: r.info.width, height: r.info.height };
  } finally {
    r.close();
  }
}

/** All frames of a video, decoded by our decoder (copies: the reader recycles its buffer). */
export async function* videoFrames(file: string): AsyncGenerator<RgbFrame> {
  const r = await openVideo(file);
  try {
    const { width, height } = r.info;
    for (;;) {
      const data = r.allocate(1) as Uint8Array;
      if ((await r.read(data, 1)) === 0) break;
      yield { data, width, height };
    }
  } finally {
    r.close();
  }
}

async function collect(input: FrameInput): Promise<RgbFrame[]> {
  const out: RgbFrame[] = [];
  for await (const item of input) {
    if (typeof item === 'string') {
      out.push(await readImage(item));
      continue;
    }
    const f = item;
    const px = f.width * f.height;
    if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || px <= 0) throw new Error(`bad frame size ${f.width}x${f.height}`);
    if (f.data.length !== px * 3 && f.data.length !== px * 4) {
      throw new Error(`frame ${out.length}: ${f.data.length} bytes is neither RGB nor RGBA for ${f.width}x${f.height}`);
    }
    out.push({ data: Uint8Array.from(f.data), width: f.width, height: f.height });
  }
  return out;
}

// --- the local server and the browser -------------------------------------------------------

function mediaPipeDir(): string {
  return path.join(packageRoot, 'node_modules', '@mediapipe', 'face_mesh');
}

const HARNESS_HTML = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<script src="/mp/face_mesh.js"></script>
<script>
window.__theval = {
  fm: null, last: null, calls: 0, canvas: null, ctx: null,
  async init(opts) {
    const fm = new FaceMesh({ locateFile: (f) => '/mp/' + f });
    fm.setOptions(opts);
    fm.onResults((r) => { this.calls++; this.last = r; });
    await fm.initialize();
    this.fm = fm;
    this.canvas = document.createElement('canvas');
    this.ctx = this.canvas.getContext('2d');
  },
  async run(id, w, h, channels, reset) {
    const res = await fetch('/frame/' + id);
    if (!res.ok) throw new Error('frame ' + id + ': HTTP ' + res.status);
    const src = new Uint8Array(await res.arrayBuffer());
    const rgba = new Uint8ClampedArray(w * h * 4);
    if (channels === 4) rgba.set(src);
    else for (let i = 0, j = 0; i < w * h; i++, j += 3) {
      rgba[4 * i] = src[j]; rgba[4 * i + 1] = src[j + 1]; rgba[4 * i + 2] = src[j + 2]; rgba[4 * i + 3] = 255;
    }
    if (this.canvas.width !== w || this.canvas.height !== h) { this.canvas.width = w; this.canvas.height = h; }
    this.ctx.putImageData(new ImageData(rgba, w, h), 0, 0);
    if (reset) this.fm.reset();
    this.last = null;
    const before = this.calls;
    await this.fm.send({ image: this.canvas });
    if (this.calls === before) throw new Error('FaceMesh.send resolved without calling onResults');
    const all = this.last.multiFaceLandmarks;
    const lm = all && all[0];
    if (!lm || lm.length === 0) return null;
    const out = new Array(lm.length * 3);
    for (let k = 0; k < lm.length; k++) { out[3 * k] = lm[k].x; out[3 * k + 1] = lm[k].y; out[3 * k + 2] = lm[k].z; }
    return out;
  },
  async close() { if (this.fm) await this.fm.close(); this.fm = null; },
};
</script></body></html>`;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.data': 'application/octet-stream',
  '.binarypb': 'application/octet-stream',
};

interface Runtime {
  server: http.Server;
  origin: string;
  frames: Map<string, Uint8Array>;
  browser: Browser;
}

let runtime: Promise<Runtime> | null = null;
let current: Runtime | null = null;
let frameSeq = 0;

async function startServer(frames: Map<string, Uint8Array>): Promise<{ server: http.Server; origin: string }> {
  const dir = mediaPipeDir();
  const files = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/' || url.pathname === '/harness.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(HARNESS_HTML);
      return;
    }
    if (url.pathname.startsWith('/frame/')) {
      const id = url.pathname.slice('/frame/'.length);
      const data = frames.get(id);
      if (!data) {
        res.writeHead(404).end();
        return;
      }
      frames.delete(id);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      res.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    if (url.pathname.startsWith('/mp/')) {
      const name = url.pathname.slice('/mp/'.length);
      // Only the package's own flat file names: nothing else on disk is reachable.
      if (/^[\w.-]+$/.test(name) && existsSync(path.join(dir, name))) {
        let body = files.get(name);
        if (!body) files.set(name, (body = readFileSync(path.join(dir, name))));
        res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream', 'content-length': body.length });
        res.end(body);
        return;
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

async function start(): Promise<Runtime> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`MediaPipe reference needs the devDependency playwright-core (npm ci): ${(e as Error).message}`);
  }
  const frames = new Map<string, Uint8Array>();
  const { server, origin } = await startServer(frames);
  try {
    // playwright passes --headless and a new empty --user-data-dir (a temp folder it removes).
    const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    const rt: Runtime = { server, origin, frames, browser };
    // A crashed or killed browser is not reused: the next call starts a new one.
    browser.on('disconnected', () => {
      server.close();
      if (runtime && current === rt) runtime = null;
    });
    current = rt;
    return rt;
  } catch (e) {
    server.close();
    throw new Error(`could not launch ${chromiumPath()}: ${(e as Error).message}`);
  }
}

function getRuntime(): Promise<Runtime> {
  if (!runtime) {
    runtime = start();
    runtime.catch(() => (runtime = null)); // a failed start may be retried
  }
  return runtime;
}

/** Closes the shared browser and server (safe to call when nothing was started). */
export async function closeMediaPipe(): Promise<void> {
  const r = runtime;
  runtime = null;
  if (!r) return;
  const rt = await r.catch(() => null);
  if (!rt) return;
  if (current === rt) current = null;
  await rt.browser.close().catch(() => undefined);
  rt.server.close();
}

/** The browser's version string (launches it if needed). */
export async function chromiumVersion(): Promise<string> {
  return (await getRuntime()).browser.version();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`MediaPipe reference: ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// --- the cache ------------------------------------------------------------------------------

function cacheDir(): string {
  return process.env.THEVAL_MP_CACHE_DIR ?? path.join(os.tmpdir(), 'theval-mediapipe-ref');
}

function cacheKey(frames: RgbFrame[], solution: Record<string, unknown>, mode: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ pkg: MEDIAPIPE_VERSION, harness: HARNESS_VERSION, solution, mode }));
  for (const f of frames) {
    h.update(`${f.width}x${f.height}x${f.data.length / (f.width * f.height)};`);
    h.update(f.data);
  }
  return h.digest('hex').slice(0, 32);
}

/** Layout: u32 frame count, then per frame u32 float count (0 = no face) and the floats. */
function readCache(file: string): ReferenceLandmarks | null {
  if (!existsSync(file)) return null;
  try {
    const buf = readFileSync(file);
    const n = buf.readUInt32LE(0);
    let at = 4;
    const out: ReferenceLandmarks = [];
    for (let i = 0; i < n; i++) {
      const k = buf.readUInt32LE(at);
      at += 4;
      if (k === 0) out.push(null);
      else {
        out.push(new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + 4 * k)));
        at += 4 * k;
      }
    }
    return at === buf.length ? out : null;
  } catch {
    return null;
  }
}

function writeCache(file: string, result: ReferenceLandmarks): void {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4);
  head.writeUInt32LE(result.length, 0);
  parts.push(head);
  for (const r of result) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r ? r.length : 0, 0);
    parts.push(len);
    if (r) parts.push(Buffer.from(r.buffer, r.byteOffset, r.byteLength));
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file); // atomic: parallel test files may write the same entry
}

// --- running the solution -------------------------------------------------------------------

/**
 * Runs MediaPipe Face Mesh on `input` and returns, per frame, `multiFaceLandmarks[0]` as
 * n x (x, y, z) (n = 468 plain, 478 refined; x, y normalised to the frame) or null (no face).
 */
export async function runMediaPipe(input: FrameInput, options: MediaPipeOptions): Promise<ReferenceLandmarks> {
  if (options.mode !== 'static' && options.mode !== 'video') throw new Error(`mode must be 'static' or 'video', got ${String(options.mode)}`);
  const frames = await collect(input); // checks the frames first (also where the browser is missing)
  const why = mediaPipeUnavailableReason();
  if (why) throw new Error(`MediaPipe reference cannot run: ${why}`);
  const solution = {
    maxNumFaces: 1,
    refineLandmarks: options.refineLandmarks,
    minDetectionConfidence: options.minDetectionConfidence ?? 0.5,
    minTrackingConfidence: options.minTrackingConfidence ?? 0.5,
    selfieMode: false,
    enableFaceGeometry: false,
    useCpuInference: (options.inference ?? 'cpu') === 'cpu',
  };
  const useCache = (options.cache ?? true) && process.env.THEVAL_MP_CACHE !== '0';
  const file = path.join(cacheDir(), `${cacheKey(frames, solution, options.mode)}.bin`);
  if (useCache) {
    const hit = readCache(file);
    if (hit && hit.length === frames.length) return hit;
  }
  if (frames.length === 0) return [];

  const rt = await getRuntime();
  const context = await rt.browser.newContext();
  const ids: string[] = [];
  try {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('crash', () => pageErrors.push('page crashed'));
    const initTimeout = options.initTimeoutMs ?? 180_000;
    const frameTimeout = options.frameTimeoutMs ?? 60_000;
    await page.goto(`${rt.origin}/harness.html`, { timeout: initTimeout });
    const failed = (e: unknown): Error =>
      new Error(`${(e as Error).message}${pageErrors.length ? ` (page errors: ${pageErrors.slice(-3).join(' | ')})` : ''}`);
    try {
      await withTimeout(
        page.evaluate((opts) => (window as unknown as { __theval: { init(o: unknown): Promise<void> } }).__theval.init(opts), solution),
        initTimeout,
        'loading the Face Mesh solution',
      );
    } catch (e) {
      throw failed(e);
    }
    const out: ReferenceLandmarks = [];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const id = `${process.pid}-${++frameSeq}`;
      ids.push(id);
      rt.frames.set(id, f.data);
      const channels = f.data.length / (f.width * f.height);
      const reset = options.mode === 'static';
      let pts: number[] | null;
      try {
        pts = await withTimeout(
          page.evaluate(
            ([fid, w, h, ch, rs]) =>
              (window as unknown as { __theval: { run(...a: unknown[]): Promise<number[] | null> } }).__theval.run(fid, w, h, ch, rs),
            [id, f.width, f.height, channels, reset] as const,
          ),
          frameTimeout,
          `frame ${i}`,
        );
      } catch (e) {
        throw failed(e);
      }
      out.push(pts ? Float32Array.from(pts) : null);
    }
    await page.evaluate(() => (window as unknown as { __theval: { close(): Promise<void> } }).__theval.close()).catch(() => undefined);
    if (useCache) writeCache(file, out);
    return out;
  } finally {
    for (const id of ids) rt.frames.delete(id);
    await context.close().catch(() => undefined);
  }
}

/** Per-frame landmarks into one frame-major T x n x 3 array with NaN where no face (FaceTracks layout). */
export function toTrack(frames: ReferenceLandmarks, points: number): Float32Array {
  const out = new Float32Array(frames.length * points * 3).fill(NaN);
  frames.forEach((f, t) => {
    if (!f) return;
    if (f.length !== points * 3) throw new Error(`frame ${t}: ${f.length / 3} points, expected ${points}`);
    out.set(f, t * points * 3);
  });
  return out;
}
