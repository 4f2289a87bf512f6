/**
 * The CUDA backend's parity and speed check.
 *
 *   npm run bench -- gpu [--emulate] [--frames N] [--harness] [--no-evaluate] [clips...]
 *
 * For up to N frames of each clip (default 4; default clips: the sample face photos):
 * the central square of the frame through the detector (128x128) and both landmark
 * networks (192x192), and BRISQUE on the whole frame, once by the CUDA backend (the kernels,
 * or with --emulate their host paths) and once by the CPU backends (OpenCV dnn and OpenCV's
 * BRISQUE) on the same pixels. Landmark differences are in frame pixels (crop pixels
 * scaled by side/192). The last stdout line is one JSON object.
 *
 * --harness also runs the native device check (bench/gpu/harness/run.sh: nvcc, then every
 * network and BRISQUE timed at batch sizes 1..256, GPU memory, videos/hour; with --emulate on
 * the host emulation under a 20 s budget) and adds its figures under `harness`.
 *
 * Then the 8 THEval metrics end to end: `evaluate` on the clips that are videos (default:
 * a 3-second synthetic talking head made here) with device 'cpu' and with 'cuda' (with
 * --emulate: 'cuda-emulated'), every metric of every video compared: `metrics_max_rel_diff`
 * is that figure (per metric in `evaluate.per_metric`); the per-network figure above is
 * `outputs_max_rel_diff`. Tracking carries float-level differences from frame to frame, so
 * expect the tracked metrics to differ far more than the networks' outputs (docs/gpu.md).
 * --no-evaluate skips this part.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluate } from '../../lib/evaluate.js';
import { METRIC_IDS } from '../../lib/metrics/registry.js';
import { synthesizeTalkingHead } from '../../lib/samples/synth.js';
import { openVideo } from '../../lib/decode/video.js';
import { defaultFaceModels } from '../../lib/face/trackFaces.js';
import { gpuInfo } from '../../lib/gpu.js';
import { native, packageRoot } from '../../lib/native.js';

const MODEL = '/usr/share/opencv4/quality/brisque_model_live.yml';
const RANGE = '/usr/share/opencv4/quality/brisque_range_live.yml';

/** The central square of an RGB24 frame, bilinearly resized to size x size, as floats in [lo, hi]. */
function centreTensor(rgb: Uint8Array, w: number, h: number, size: number, lo: number, hi: number): { t: Float32Array; side: number } {
  const side = Math.min(w, h);
  const x0 = (w - side) / 2;
  const y0 = (h - side) / 2;
  const t = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(Math.max(y0 + ((y + 0.5) * side) / size - 0.5, 0), h - 1);
    const iy = Math.min(Math.floor(sy), h - 2 < 0 ? 0 : h - 2);
    const fy = sy - iy;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(Math.max(x0 + ((x + 0.5) * side) / size - 0.5, 0), w - 1);
      const ix = Math.min(Math.floor(sx), w - 2 < 0 ? 0 : w - 2);
      const fx = sx - ix;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => rgb[(yy * w + xx) * 3 + c];
        const v = (1 - fy) * ((1 - fx) * p(iy, ix) + fx * p(iy, ix + 1)) + fy * ((1 - fx) * p(iy + 1, ix) + fx * p(iy + 1, ix + 1));
        t[(y * size + x) * 3 + c] = lo + (v / 255) * (hi - lo);
      }
    }
  }
  return { t, side };
}

/** A grey image of the frame (any weights do: both BRISQUEs are given this same grey). */
function grey(rgb: Uint8Array, n: number): Uint8Array {
  const g = new Uint8Array(n);
  for (let i = 0; i < n; i++) g[i] = (rgb[3 * i] * 4899 + rgb[3 * i + 1] * 9617 + rgb[3 * i + 2] * 1868 + 8192) >> 14;
  return g;
}

const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m > 0 ? d / m : d;
};

/** The native harness's last JSON line (its other lines are echoed). */
function runHarness(emulate: boolean): Record<string, unknown> {
  const opts = { cwd: packageRoot, encoding: 'utf8' as const, timeout: 480_000 };
  if (!existsSync(path.join(packageRoot, '.cache', 'gpu-check', 'images.txt'))) {
    const p = spawnSync('bash', ['bench/gpu/harness/prepare.sh'], opts);
    if (p.status !== 0) throw new Error(`bench gpu: harness prepare.sh failed: ${p.stderr.slice(-2000)}`);
  }
  const env = { ...process.env, ...(emulate ? { THEVAL_GPU_CHECK_DEVICE: 'host', THEVAL_GPU_CHECK_BUDGET_S: '20' } : {}) };
  const r = spawnSync('bash', ['bench/gpu/harness/run.sh'], { ...opts, env });
  const lines = r.stdout.trim().split('\n');
  const last = lines.pop() ?? '';
  for (const l of lines) console.log(`harness: ${l}`);
  try {
    return { exit_code: r.status, ...(JSON.parse(last) as Record<string, unknown>) };
  } catch {
    throw new Error(`bench gpu: the harness printed no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  }
}

/** Every metric of every video, evaluated on the CPU backend and on `device`: largest relative differences. */
async function compareEvaluate(videos: string[], device: string): Promise<Record<string, unknown>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'theval-bench-gpu-'));
  try {
    if (videos.length === 0) {
      const clip = path.join(tmp, 'talk.mp4');
      await synthesizeTalkingHead(clip, { ssml: '<speak>Hello, this is the GPU check. <break time="400ms"/> One two three.</speak>', seed: 3 });
      videos = [clip];
    }
    const t0 = performance.now();
    const cpu = await evaluate(videos, { out: path.join(tmp, 'cpu'), jobs: 1 });
    const t1 = performance.now();
    const dev = await evaluate(videos, { out: path.join(tmp, 'dev'), jobs: 1, device });
    const t2 = performance.now();
    const perMetric: Record<string, number> = {};
    const perVideo: Record<string, Record<string, number | null>> = {};
    let max = 0;
    for (const a of cpu.records) {
      const b = dev.records.find((r) => r.path === a.path);
      if (!b || a.status !== 'ok' || b.status !== 'ok') throw new Error(`bench gpu: ${a.path}: ${a.status} on cpu, ${b?.status} on ${device}`);
      const row: Record<string, number | null> = {};
      for (const id of METRIC_IDS) {
        const x = a.metrics[id]?.value, y = b.metrics[id]?.value;
        // n/a where the metric has no value on either backend (e.g. no silent run in the clip).
        const none = (v: unknown): boolean => typeof v !== 'number' || Number.isNaN(v);
        if (none(x) && none(y)) {
          row[id] = null;
          continue;
        }
        // A value on one backend only is a full mismatch.
        const rel = none(x) || none(y) ? 1 : Math.abs((x as number) - (y as number)) / Math.max(Math.abs(x as number), Math.abs(y as number), 1e-12);
        row[id] = rel;
        perMetric[id] = Math.max(perMetric[id] ?? 0, rel);
        max = Math.max(max, rel);
      }
      perVideo[path.basename(a.path)] = row;
      console.log(`${path.basename(a.path)} (8 metrics, ${device} vs cpu): ${Object.entries(row).map(([k, v]) => `${k} ${v === null ? 'n/a' : v.toExponential(1)}`).join(', ')}`);
    }
    return { device, videos: videos.length, metrics_max_rel_diff: max, per_metric: perMetric, per_video: perVideo, cpu_seconds: (t1 - t0) / 1000, device_seconds: (t2 - t1) / 1000 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const argv = process.argv.slice(process.argv.indexOf('gpu') + 1);
  const emulate = argv.includes('--emulate');
  const fi = argv.indexOf('--frames');
  const maxFrames = fi >= 0 ? Number(argv[fi + 1]) : 4;
  const withHarness = argv.includes('--harness');
  const withEvaluate = !argv.includes('--no-evaluate');
  const clips = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--frames');
  if (clips.length === 0) clips.push(...['grace_hopper_512x512.jpg', 'astronaut.png'].map((f) => path.join(packageRoot, 'samples', 'faces', f)));
  const info = gpuInfo();
  if (!emulate && !info.available) throw new Error(`bench gpu: no usable GPU (${info.reason}); run with --emulate for the host paths`);
  const backend = emulate ? 'host' : 'cuda';
  const models = await defaultFaceModels();
  const nets = [
    { name: 'detector', file: models.detector, size: 128, lo: -1, hi: 1, outputs: { regressors: 896 * 16, classificators: 896 }, landmarks: '' },
    { name: 'landmark', file: models.landmark, size: 192, lo: 0, hi: 1, outputs: { conv2d_21: 1404, conv2d_31: 1 }, landmarks: 'conv2d_21' },
    {
      name: 'attention', file: models.landmarkAttentionNative ?? models.landmarkAttention, size: 192, lo: 0, hi: 1,
      outputs: { output_mesh_identity: 1404, output_lips: 160, output_left_eye: 142, output_right_eye: 142, output_left_iris: 10, output_right_iris: 10, conv_faceflag: 1 },
      landmarks: 'output_mesh_identity',
    },
  ];
  let lmSum = 0;
  let lmCount = 0;
  let lmMax = 0;
  let relMax = 0;
  let brisqueRelMax = 0;
  let frames = 0;
  let oursSeconds = 0;
  let cpuSeconds = 0;
  const perClip: Record<string, unknown>[] = [];
  for (const clip of clips) {
    if (!existsSync(clip)) throw new Error(`bench gpu: no such clip ${clip}`);
    const reader = await openVideo(clip);
    const { width: w, height: h } = reader.info;
    const buf = reader.allocate(1) as Uint8Array;
    let clipFrames = 0;
    let clipLm = 0;
    while (clipFrames < maxFrames && (await reader.read(buf, 1)) === 1) {
      for (const net of nets) {
        const { t, side } = centreTensor(buf, w, h, net.size, net.lo, net.hi);
        const spec = { inputShape: [net.size, net.size, 3], outputNames: Object.keys(net.outputs), outputElems: Object.values(net.outputs) };
        const t0 = performance.now();
        const ours = await native().inferModelEmulated(net.file, { ...spec, backend }, t);
        const t1 = performance.now();
        const ref = await native().inferModel(net.file, spec, t);
        cpuSeconds += (performance.now() - t1) / 1000;
        oursSeconds += (t1 - t0) / 1000;
        for (const k of spec.outputNames) relMax = Math.max(relMax, relDiff(ours.outputs[k], ref.outputs[k]));
        if (net.landmarks) {
          const a = ours.outputs[net.landmarks];
          const b = ref.outputs[net.landmarks];
          for (let i = 0; i < a.length; i += 3) {
            const d = (Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]) * side) / net.size;
            lmSum += d;
            clipLm += d;
            lmCount++;
            lmMax = Math.max(lmMax, d);
          }
        }
      }
      const g = grey(buf, w * h);
      const t0 = performance.now();
      const ours = native().brisqueEmulated(g, w, h, MODEL, RANGE, backend);
      const t1 = performance.now();
      // OpenCV's BRISQUE gets the grey as R = G = B, which its cvtColor maps back exactly.
      const grey3 = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * h; i++) grey3[3 * i] = grey3[3 * i + 1] = grey3[3 * i + 2] = g[i];
      const cpu0 = performance.now();
      const ref = await native().brisqueBare(grey3, { width: w, height: h, count: 1 }, MODEL, RANGE);
      cpuSeconds += (performance.now() - cpu0) / 1000;
      oursSeconds += (t1 - t0) / 1000;
      const r = Math.abs(ours.score - ref.scores[0]) / Math.max(Math.abs(ref.scores[0]), 1e-12);
      brisqueRelMax = Math.max(brisqueRelMax, r);
      relMax = Math.max(relMax, r);
      clipFrames++;
      frames++;
    }
    reader.close();
    perClip.push({ clip: path.basename(clip), frames: clipFrames, landmarks_px_mean_diff: clipLm / Math.max(1, clipFrames * 2 * 468) });
    console.log(`${path.basename(clip)}: ${clipFrames} frames, landmarks mean |diff| ${(clipLm / Math.max(1, clipFrames * 2 * 468)).toExponential(2)} px`);
  }
  const result = {
    backend: emulate ? 'host-emulation' : 'cuda',
    device: info.available ? info.devices : info.reason,
    frames,
    landmarks_px_mean_diff: lmSum / Math.max(1, lmCount),
    landmarks_px_max_diff: lmMax,
    outputs_max_rel_diff: relMax,
    metrics_max_rel_diff: relMax,
    metrics_scope: 'every network output and the BRISQUE score per frame',
    brisque_max_rel_diff: brisqueRelMax,
    frames_per_second: frames / Math.max(oursSeconds, 1e-9),
    cpu_backend_frames_per_second: frames / Math.max(cpuSeconds, 1e-9),
    speed_vs_cpu_backend: cpuSeconds / Math.max(oursSeconds, 1e-9),
    clips: perClip,
    ...(withHarness ? { harness: runHarness(emulate) } : {}),
  };
  if (withEvaluate) {
    const videos = clips.filter((c) => !/\.(png|jpe?g|bmp|webp)$/i.test(c));
    const e = await compareEvaluate(videos, emulate ? 'cuda-emulated' : 'cuda');
    Object.assign(result, { evaluate: e, metrics_max_rel_diff: e.metrics_max_rel_diff, metrics_scope: `the 8 THEval metrics of ${e.videos} video(s), evaluate on ${e.device} vs cpu` });
  }
  console.log(`${result.backend}: ${frames} frames, landmarks mean ${result.landmarks_px_mean_diff.toExponential(2)} px (max ${lmMax.toExponential(2)}), outputs max rel ${relMax.toExponential(2)}, ${result.frames_per_second.toFixed(2)} frames/s (${result.speed_vs_cpu_backend.toFixed(3)}x the CPU backend)`);
  return result;
}
