/**
 * Cost of the motion diagnostics (docs/diagnostics.md): the face pass on a synthetic 512x512
 * 25 fps talking head without them, and with them at flow sizes 128 (default) and 96, timed
 * as process CPU time per frame (every thread), interleaved rounds, median. Also the optical
 * flow alone on a 128 x 128 pair. Prints a table; the last stdout line is one JSON object with
 * the ratios to the face pass alone measured in the same run.
 * `npm run bench -- diagnostics` (needs espeak-ng, ffmpeg, the addon and the models).
 */
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackFaces } from '../lib/face/trackFaces.js';
import { native } from '../lib/native.js';
import { synthesizeTalkingHead } from '../lib/samples/synth.js';

const ROUNDS = Number(process.env.THEVAL_BENCH_ROUNDS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = path.join(os.tmpdir(), 'theval-bench-diagnostics');
  mkdirSync(dir, { recursive: true });
  const clip = path.join(dir, 'talking-head.mp4');
  if (!existsSync(clip)) await synthesizeTalkingHead(clip, { seed: 5 });

  const configs = { off: {}, flow128: { motion: true, flowSize: 128 }, flow96: { motion: true, flowSize: 96 } } as const;
  const cpu: Record<string, number[]> = { off: [], flow128: [], flow96: [] };
  let frames = 0;
  await trackFaces(clip); // warm-up: model load, caches
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, opt] of Object.entries(configs)) {
      const c0 = process.cpuUsage();
      const res = await trackFaces(clip, opt);
      const c = process.cpuUsage(c0);
      frames = res.frames;
      cpu[name].push((c.user + c.system) / 1000 / res.frames);
    }
  }
  // The flow alone: 128 x 128 random texture, shifted by one pixel.
  const w = 128, n = w * w;
  const a = new Float32Array(n).map((_, i) => 128 + 60 * Math.sin(i * 0.37) * Math.cos(i * 0.011));
  const b = a.map((_, i) => a[Math.max(0, i - 1)]);
  for (let k = 0; k < 10; k++) native().denseFlow(a, b, w, w);
  const f0 = process.cpuUsage();
  const N = 200;
  for (let k = 0; k < N; k++) native().denseFlow(a, b, w, w);
  const f = process.cpuUsage(f0);
  const flowMs = (f.user + f.system) / 1000 / N;

  const off = median(cpu.off), f128 = median(cpu.flow128), f96 = median(cpu.flow96);
  const rows = [
    ['face pass alone', off],
    ['face pass + diagnostics, flow 128', f128],
    ['face pass + diagnostics, flow 96', f96],
  ] as const;
  console.log(`face pass on ${frames} frames of 512x512, CPU ms per frame (median of ${ROUNDS} rounds), ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
  for (const [name, ms] of rows) console.log(`  ${name.padEnd(36)} ${ms.toFixed(2).padStart(7)} ms   ${(1000 / ms).toFixed(1).padStart(6)} frames/s per core   x${(ms / off).toFixed(2)}`);
  console.log(`  one 128x128 flow (3 per frame pair)   ${flowMs.toFixed(2).padStart(7)} ms`);
  return {
    frames,
    face_pass_cpu_ms_per_frame: Number(off.toFixed(3)),
    with_diagnostics_128_cpu_ms_per_frame: Number(f128.toFixed(3)),
    with_diagnostics_96_cpu_ms_per_frame: Number(f96.toFixed(3)),
    diagnostics_128_ratio: Number((f128 / off).toFixed(3)),
    diagnostics_96_ratio: Number((f96 / off).toFixed(3)),
    diagnostics_128_frames_per_second_per_core: Number((1000 / f128).toFixed(1)),
    flow_128_cpu_ms: Number(flowMs.toFixed(3)),
  };
}
