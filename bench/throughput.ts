/**
 * Throughput of `theval evaluate` (all 8 metrics) over synthetic 512x512 25 fps talking-head
 * clips (lib/samples/synth.ts), against the sum of its parts timed alone in the same run:
 * decode (RGB24), the detector (once per video), the plain and attention landmark models
 * (batch 1, once per frame), BRISQUE on the three crops (whole frame, mouth, face 224x224,
 * through the quality model interface), the Silero VAD. Also, in the same run, the same
 * evaluate without the one pass (face pass, then a second decode for quality) and, when
 * THEVAL_BENCH_BASELINE names another checkout (e.g. /work/main), that checkout's CLI.
 *
 *   npm run bench -- throughput        THEVAL_BENCH_CLIPS=6 (clips), THEVAL_BENCH_JOBS=default,
 *                                      THEVAL_BENCH_DIAGNOSTICS=1 (also the diagnostics' flow)
 *
 * ratio_to_parts = CPU time of the evaluate process (every thread) / CPU time of the parts
 * alone: what the pipeline costs beyond its parts, nearly independent of other load on a
 * shared machine. ratio_to_parts_wall = evaluate wall time / (sum of the parts' wall times /
 * min(jobs, cores)): the same on a quiet machine. frames_per_cpu_second = frames / CPU
 * seconds (what one busy core delivers); frames_per_second_per_core = frames / wall seconds /
 * cores (needs a quiet machine). decodes_per_video counts decoder opens (native counter).
 * Last stdout line: one JSON object.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openVideo } from '../lib/decode/video.js';
import { defaultJobs } from '../lib/evaluate.js';
import { defaultFaceModels, trackFaces } from '../lib/face/trackFaces.js';
import { native, packageRoot } from '../lib/native.js';
import { speechProbabilities } from '../lib/audio/vad.js';
import { loadBrisqueScorer } from '../lib/quality/brisque.js';
import { qualityBoxes } from '../lib/quality/boxes.js';
import type { FrameCrop } from '../lib/quality/scorer.js';
import { synthesizeTalkingHead } from '../lib/samples/synth.js';
import { seededUniform } from '../test/helpers/compare.js';

const SSML = [
  '<speak>Hello there, this is the throughput benchmark. <break time="400ms"/> One two three four.</speak>',
  '<speak>Many videos at once, one decode each. <break time="300ms"/> Five six seven.</speak>',
];

interface ChildResult {
  wallMs: number;
  cpuMs: number;
  frames: number;
  videos: number;
  failed: string[];
  peakRssMb: number;
  decoders: { video: number; audio: number };
  networks: Array<{ file: string; calls: number; batches: number; maxBatch: number }>;
}

function child(mode: 'onepass' | 'separate', jobs: string, files: string[], out: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(packageRoot, 'bench', 'throughput-child.ts'), mode, jobs, out, ...files], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`throughput child (${mode}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

/** CPU ms of this process (the parts run one at a time, so this is the part's own cost). */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wall and CPU ms of each part for one clip, plus its frame count. */
async function partsOf(file: string): Promise<{ wall: Record<string, number>; cpu: Record<string, number>; frames: number }> {
  const models = await defaultFaceModels();
  const ms: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  let c = cpuNow();
  // decode
  let t = performance.now();
  const reader = await openVideo(file, { threads: 1 });
  const T = reader.info.containerFrames;
  const all = new Uint8Array(reader.frameBytes * (T + 8));
  let frames = 0;
  for (let n; (n = await reader.read(all.subarray(frames * reader.frameBytes), 1)) > 0; ) frames += n;
  const { width, height } = reader.info;
  reader.close();
  ms.decode = performance.now() - t;
  cpu.decode = cpuNow() - c;
  // networks, batch 1 as the tracking pipeline calls them (inputs: their cost does not depend on content)
  const run = async (m: string, shape: number[], outs: Record<string, number>, repeats: number): Promise<number> => {
    const per = shape.reduce((a, b) => a * b, 1);
    const r = await native().inferModel(m, { inputShape: shape, outputNames: Object.keys(outs), outputElems: Object.values(outs), batch: 1, repeats: repeats + 1, threads: 1 }, seededUniform(per, 1, 0, 1));
    return r.ms.slice(1).reduce((a, b) => a + b, 0);
  };
  c = cpuNow();
  ms.detector = await run(models.detector, [128, 128, 3], { regressors: 896 * 16, classificators: 896 }, 1);
  cpu.detector = cpuNow() - c;
  c = cpuNow();
  ms.landmarks = await run(models.landmark, [192, 192, 3], { conv2d_21: 1404, conv2d_31: 1 }, frames);
  cpu.landmarks = cpuNow() - c;
  c = cpuNow();
  ms.attentionLandmarks = await run(
    models.landmarkAttentionNative ?? models.landmarkAttention,
    [192, 192, 3],
    { output_mesh_identity: 1404, output_lips: 160, output_left_eye: 142, output_right_eye: 142, output_left_iris: 10, output_right_iris: 10, conv_faceflag: 1 },
    frames,
  );
  cpu.attentionLandmarks = cpuNow() - c;
  // BRISQUE on the three crops (boxes from the tracks, not timed)
  const tracks = await trackFaces(file, { profile: 'both', models });
  const boxes = qualityBoxes(tracks);
  const crops = (b: Int32Array): FrameCrop[] => {
    const out: FrameCrop[] = [];
    for (let i = 0; i < frames; i++) if (b[i * 4] >= 0) out.push({ frame: i, x0: b[i * 4], y0: b[i * 4 + 1], x1: b[i * 4 + 2], y1: b[i * 4 + 3] });
    return out;
  };
  const scorer = await loadBrisqueScorer();
  const batch = { data: all, width, height, count: frames };
  t = performance.now();
  c = cpuNow();
  await scorer.scoreFrames(batch);
  await scorer.scoreCrops(batch, crops(boxes.mouth));
  await scorer.scoreCrops(batch, crops(boxes.face), { width: 224, height: 224 });
  ms.brisque = performance.now() - t;
  cpu.brisque = cpuNow() - c;
  // VAD
  const audio = await native().decodeAudio(file, 16000);
  t = performance.now();
  c = cpuNow();
  await speechProbabilities(audio.samples);
  ms.vad = performance.now() - t;
  cpu.vad = cpuNow() - c;
  return { wall: ms, cpu, frames };
}

export async function run(): Promise<Record<string, unknown>> {
  const nClips = Number(process.env.THEVAL_BENCH_CLIPS ?? 6);
  const jobsArg = process.env.THEVAL_BENCH_JOBS ?? 'default';
  const jobs = jobsArg === 'default' ? defaultJobs() : Number(jobsArg);
  const cores = os.availableParallelism();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-bench-throughput-'));
  try {
    const files: string[] = [];
    for (let i = 0; i < nClips; i++) {
      const r = await synthesizeTalkingHead(path.join(dir, `talk${i}.mp4`), { ssml: SSML[i % 2], seed: i + 1, headMotion: 2 + (i % 3) * 2 });
      files.push(r.path);
    }
    const load = os.loadavg()[0];
    // The parts alone, one after another, in this process (models warm after the first clip).
    await partsOf(files[0]);
    const parts: Record<string, number> = {};
    const partsCpu: Record<string, number> = {};
    let frames = 0;
    for (const f of files) {
      const p = await partsOf(f);
      frames += p.frames;
      for (const [k, v] of Object.entries(p.wall)) parts[k] = (parts[k] ?? 0) + v;
      for (const [k, v] of Object.entries(p.cpu)) partsCpu[k] = (partsCpu[k] ?? 0) + v;
    }
    const partsMs = Object.values(parts).reduce((a, b) => a + b, 0);
    const partsCpuMs = Object.values(partsCpu).reduce((a, b) => a + b, 0);

    const outDir = (name: string): string => {
      const d = path.join(dir, name);
      mkdirSync(d);
      return d;
    };
    const one = child('onepass', String(jobs), files, outDir('onepass'));
    const sep = child('separate', String(jobs), files, outDir('separate'));
    let baseline: { wallMs: number; cpuMs: number; jobs: number } | null = null;
    const base = process.env.THEVAL_BENCH_BASELINE;
    if (base && existsSync(path.join(base, 'dist', 'index.js'))) {
      const bj = Math.min(jobs, 4); // before the one pass, more jobs than libuv's 4 threads only queued
      // That checkout's own evaluate(), timed (wall and process CPU) inside its process, with
      // the same diagnostics setting as ours where it has them (checkouts from before the
      // diagnostics ignore both options; those that have them would otherwise add the flow).
      const diagnostics = process.env.THEVAL_BENCH_DIAGNOSTICS === '1';
      const script = `import { evaluate } from ${JSON.stringify(path.join(base, 'dist', 'index.js'))};
        const p = await import(${JSON.stringify(path.join(base, 'dist', 'providers.js'))}).catch(() => ({}));
        const providers = p.defaultProviders ? p.defaultProviders({ motion: ${diagnostics} }) : undefined;
        const c0 = process.cpuUsage(), t0 = performance.now();
        const r = await evaluate([{ name: 'bench', inputs: ${JSON.stringify(files)} }], { out: ${JSON.stringify(outDir('baseline'))}, jobs: ${bj}, diagnostics: ${diagnostics}, ...(providers ? { providers } : {}) });
        const c = process.cpuUsage(c0);
        console.log(JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, failed: r.records.filter((x) => x.status !== 'ok').length }));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const b = JSON.parse(out.trim().split('\n').pop()!) as { wallMs: number; cpuMs: number; failed: number };
      if (b.failed) throw new Error(`baseline: ${b.failed} videos failed`);
      baseline = { wallMs: b.wallMs, cpuMs: b.cpuMs, jobs: bj };
    }
    if (one.failed.length || sep.failed.length) throw new Error(`videos failed: ${[...one.failed, ...sep.failed].join('; ')}`);

    const inFlight = Math.min(jobs, cores);
    const fps = (wallMs: number): number => frames / (wallMs / 1000);
    const rows: Array<[string, string]> = [
      ['clips x frames', `${nClips} x ~${Math.round(frames / nClips)} (${frames} frames, 512x512, 25 fps)`],
      ['cores / jobs / load average (1 min, at start)', `${cores} / ${jobs} / ${load.toFixed(2)}`],
      ...Object.entries(parts).map(([k, v]): [string, string] => [`part alone: ${k}`, `${v.toFixed(0)} ms (${(v / frames).toFixed(2)} ms/frame)`]),
      ['sum of parts', `${partsMs.toFixed(0)} ms wall (/ ${inFlight} in flight = ${(partsMs / inFlight).toFixed(0)} ms), ${partsCpuMs.toFixed(0)} ms CPU`],
      ['evaluate, one pass', `${one.wallMs.toFixed(0)} ms = ${fps(one.wallMs).toFixed(1)} frames/s; CPU ${one.cpuMs.toFixed(0)} ms = ${fps(one.cpuMs).toFixed(1)} frames per CPU-second; peak RSS ${one.peakRssMb.toFixed(0)} MB, decoders ${one.decoders.video} video + ${one.decoders.audio} audio`],
      ['evaluate, separate passes (same build)', `${sep.wallMs.toFixed(0)} ms = ${fps(sep.wallMs).toFixed(1)} frames/s; CPU ${sep.cpuMs.toFixed(0)} ms = ${fps(sep.cpuMs).toFixed(1)} frames per CPU-second; decoders ${sep.decoders.video} video + ${sep.decoders.audio} audio`],
      ...(baseline ? [[`evaluate, ${base} -j ${baseline.jobs}`, `${baseline.wallMs.toFixed(0)} ms = ${fps(baseline.wallMs).toFixed(1)} frames/s; CPU ${baseline.cpuMs.toFixed(0)} ms = ${fps(baseline.cpuMs).toFixed(1)} frames per CPU-second`] as [string, string]] : []),
      ['batches (one pass)', one.networks.map((n) => `${n.file}: ${n.calls} calls in ${n.batches} passes (max ${n.maxBatch})`).join('; ')],
    ];
    console.log('| | |\n|---|---|');
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
    return {
      frames,
      clips: nClips,
      cores,
      jobs,
      load_average: Math.round(load * 100) / 100,
      frames_per_second: Math.round(fps(one.wallMs) * 10) / 10,
      frames_per_second_per_core: Math.round((fps(one.wallMs) / cores) * 10) / 10,
      // CPU time: what the run cost against what its parts cost alone (robust to other load
      // on a shared machine); the wall-time ratio assumes min(jobs, cores) cores were free.
      ratio_to_parts: Math.round((one.cpuMs / partsCpuMs) * 1000) / 1000,
      ratio_to_parts_wall: Math.round((one.wallMs / (partsMs / inFlight)) * 1000) / 1000,
      frames_per_cpu_second: Math.round(fps(one.cpuMs) * 10) / 10,
      decodes_per_video: (one.decoders.video + one.decoders.audio) / nClips,
      video_decodes_per_video: one.decoders.video / nClips,
      audio_decodes_per_video: one.decoders.audio / nClips,
      peak_rss_mb: Math.round(one.peakRssMb),
      separate_passes: { frames_per_second: Math.round(fps(sep.wallMs) * 10) / 10, frames_per_cpu_second: Math.round(fps(sep.cpuMs) * 10) / 10, decodes_per_video: (sep.decoders.video + sep.decoders.audio) / nClips, peak_rss_mb: Math.round(sep.peakRssMb) },
      ...(baseline ? { baseline: { checkout: base, jobs: baseline.jobs, frames_per_second: Math.round(fps(baseline.wallMs) * 10) / 10, frames_per_cpu_second: Math.round(fps(baseline.cpuMs) * 10) / 10 } } : {}),
      parts_ms_per_frame: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Math.round((v / frames) * 100) / 100])),
      parts_cpu_ms_per_frame: Object.fromEntries(Object.entries(partsCpu).map(([k, v]) => [k, Math.round((v / frames) * 100) / 100])),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
