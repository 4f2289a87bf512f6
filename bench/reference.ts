/**
 * The cost of the reference-model bridge (lib/reference/), measured with the stand-in
 * models (test/fixtures/pyiqa_standin: a numpy mean per image, so nearly all the time is
 * the bridge's own): frames/s of whole-frame batches through the worker, against the same
 * tensor conversion + stand-in call made in-process in that Python (the baseline: what a
 * Python script pays for the same work, decode aside); the difference per frame is the
 * bridge's overhead (pipe transfer, framing, the worker's frombuffer). Also the round trip
 * of one tiny request, and MUSIQ crops scored alone vs padded per group of 64.
 *
 *   npm run bench -- reference      Last stdout line: one JSON object.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReferenceBridge } from '../lib/reference/bridge.js';
import { workerScriptPath } from '../lib/reference/pythonWorker.js';
import { makeStandin, testPython } from '../test/helpers/referenceStandin.js';
import { timeCalls } from './timing.js';

const SIZES: Array<[number, number]> = [
  [256, 256],
  [512, 512],
  [1280, 720],
];
const BATCH = 64;

/** The same pseudo-random bytes the in-process baseline builds. */
function frames(w: number, h: number, n: number): Uint8Array {
  const a = new Uint8Array(w * h * 3 * n);
  for (let i = 0; i < a.length; i++) a[i] = Number((BigInt(i) * 2654435761n) & 0xffffffffn) >>> 24;
  return a;
}

/**
 * ms per batch of the worker's own code path (Worker.run_metric: uint8 NHWC -> float32
 * NCHW / 255 -> the stand-in topiq_iaa) called in-process in that Python: no pipe, no framing.
 */
function inProcessMs(env: Record<string, string>, w: number, h: number, reps: number): number {
  const code = `
import sys, time, numpy as np
sys.path.insert(0, ${JSON.stringify(path.dirname(workerScriptPath()))})
import worker as wk
W = wk.Worker(wk.parse_args(['--quality', 'topiq_iaa']))
x8 = np.frombuffer(bytes(((i * 2654435761) & 0xffffffff) >> 24 for i in range(${BATCH * h * w * 3})), dtype=np.uint8).reshape(${BATCH}, ${h}, ${w}, 3)
W.run_metric('topiq_iaa', x8)
ts = []
for _ in range(${reps}):
    t = time.perf_counter(); W.run_metric('topiq_iaa', x8); ts.append(time.perf_counter() - t)
ts.sort(); print(ts[len(ts)//2] * 1000)`;
  return Number(execFileSync(testPython, ['-c', code], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 20 }).trim());
}

export async function run(): Promise<Record<string, number>> {
  const s = makeStandin();
  const env = { ...s.env, STANDIN_LOG: '' };
  const bridge = new ReferenceBridge({ python: testPython, quality: ['topiq_iaa', 'musiq'], env });
  const out: Record<string, number> = {};
  try {
    await bridge.start();
    console.log(`python ${testPython}; stand-in models; batches of ${BATCH} frames; medians`);
    console.log('size        through worker  in-process  ratio   bridge overhead/frame   frames/s (worker)   transport alone');
    for (const [w, h] of SIZES) {
      const data = frames(w, h, BATCH);
      const reps = w * h > 300_000 ? 5 : 9;
      const t = await timeCalls(() => bridge.scoreFrames({ data, width: w, height: h, count: BATCH }, { batch: ['topiq_iaa'] }), reps);
      const base = inProcessMs(env, w, h, reps);
      const echo = await timeCalls(() => bridge.echo(data), reps);
      out[`${w}x${h}_transport_ms_per_frame`] = echo.median / BATCH;
      out[`${w}x${h}_transport_MB_per_s`] = data.byteLength / 1e3 / echo.median;
      const key = `${w}x${h}`;
      out[`${key}_worker_ms_per_batch`] = t.median;
      out[`${key}_inprocess_ms_per_batch`] = base;
      out[`${key}_ratio`] = t.median / base;
      out[`${key}_overhead_ms_per_frame`] = (t.median - base) / BATCH;
      out[`${key}_frames_per_s`] = (BATCH * 1000) / t.median;
      console.log(
        `${key.padEnd(10)}  ${t.median.toFixed(1).padStart(11)} ms  ${base.toFixed(1).padStart(7)} ms  ${(t.median / base).toFixed(2).padStart(5)}  ${((t.median - base) / BATCH).toFixed(3).padStart(14)} ms  ${((BATCH * 1000) / t.median).toFixed(0).padStart(14)}   ${(echo.median / BATCH).toFixed(3)} ms/frame (${(data.byteLength / 1e3 / echo.median).toFixed(0)} MB/s)`,
      );
    }
    const tiny = { data: frames(8, 8, 1), width: 8, height: 8 };
    const rt = await timeCalls(() => bridge.scoreCrops('musiq', [tiny], false), 50);
    out.round_trip_ms = rt.median;
    const crops = Array.from({ length: 64 }, (_, i) => ({ data: frames(60 + (i % 7), 40 + (i % 5), 1), width: 60 + (i % 7), height: 40 + (i % 5) }));
    const alone = await timeCalls(() => bridge.scoreCrops('musiq', crops, false), 5);
    const padded = await timeCalls(() => bridge.scoreCrops('musiq', crops, true), 5);
    out.musiq_64_crops_alone_ms = alone.median;
    out.musiq_64_crops_padded_ms = padded.median;
    out.musiq_alone_vs_padded = alone.median / padded.median;
    console.log(`one tiny request round trip: ${rt.median.toFixed(2)} ms`);
    console.log(`64 mouth crops (~63x42): alone ${alone.median.toFixed(1)} ms, one padded batch ${padded.median.toFixed(1)} ms (x${(alone.median / padded.median).toFixed(2)})`);
  } finally {
    await bridge.close();
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r));
}
