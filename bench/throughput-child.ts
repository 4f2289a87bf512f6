/**
 * One `evaluate` run for bench/throughput.ts, in its own process so that its peak RSS and
 * its decoder counts are its own. argv: mode ('onepass' | 'separate'), jobs, out dir, files...
 * 'separate' = the built-in providers without the one pass (face pass, then a second decode
 * for quality: the pipeline before the one pass). Prints one JSON line.
 */
import { defaultProviders, evaluate, type Providers } from '../lib/index.js';
import { native } from '../lib/native.js';

const [mode, jobsArg, out, ...files] = process.argv.slice(2);
const jobs = jobsArg === 'default' ? undefined : Number(jobsArg);
// The 8 THEval metrics, as the parts are timed; THEVAL_BENCH_DIAGNOSTICS=1 adds the
// diagnostics' optical flow (docs/diagnostics.md), which no part covers.
const diagnostics = process.env.THEVAL_BENCH_DIAGNOSTICS === '1';
const base = defaultProviders({ motion: diagnostics });
const providers: Providers = mode === 'separate' ? { ...base, face: { backend: base.face!.backend, track: base.face!.track.bind(base.face) } } : base;
const before = native().passStats().decoders;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const run = await evaluate([{ name: 'bench', inputs: files }], { out, ...(jobs ? { jobs } : {}), providers, diagnostics });
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const after = native().passStats();
const frames = run.records.reduce((a, r) => a + (r.video?.frames ?? 0), 0);
const failed = run.records.filter((r) => r.status !== 'ok').map((r) => `${r.path}: ${r.error?.message}`);
console.log(
  JSON.stringify({
    wallMs,
    // CPU time of every thread of the process (scheduler, OpenCV, FFmpeg, onnxruntime, JS):
    // what the run cost, nearly independent of other load on a shared machine.
    cpuMs: (cpu.user + cpu.system) / 1000,
    frames,
    videos: run.records.length,
    failed,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    decoders: { video: after.decoders.video - before.video, audio: after.decoders.audio - before.audio },
    networks: after.networks.map((n) => ({ file: n.path.split('/').pop(), calls: n.calls, batches: n.batches, maxBatch: n.maxBatch })),
    config: native().configurePasses(),
  }),
);
