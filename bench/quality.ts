/**
 * Quality-metric speed: frames/s of each metric through our pipeline (JS call -> native
 * worker -> crop/grey/resize on the frame buffer -> built-in BRISQUE -> Float64Array)
 * against OpenCV's BRISQUE called alone on the same images in the same run (native
 * brisqueBare: images prepared beforehand as BGR Mats, only QualityBRISQUE::compute
 * timed; this is what the built-in scorer cost before brisque_features.cc). The headline
 * is the three crops of a frame together (whole frame + mouth + face at 224x224):
 * `three_crop_ratio` = our CPU time / OpenCV's, target <= 0.33. Also the whole-video
 * path (decode + all three metrics), for information.
 *
 *   npm run bench -- quality          (or: npx tsx bench/quality.ts)
 * Last stdout line: one JSON object.
 */
import { pathToFileURL } from 'node:url';
import { openVideo } from '../lib/decode/video.js';
import { native } from '../lib/native.js';
import { loadBrisqueScorer } from '../lib/quality/brisque.js';
import { packCrops, type FrameBatch, type FrameCrop, type Size } from '../lib/quality/scorer.js';
import { scoreVideoQuality } from '../lib/quality/video.js';
import { movingFaceClip } from '../test/helpers/quality.js';

const FRAMES = 40;
const REPEATS = 5;

async function decode(file: string, n: number): Promise<FrameBatch> {
  const reader = await openVideo(file);
  const data = reader.allocate(n) as Uint8Array;
  const count = await reader.read(data, n);
  reader.close();
  return { data, width: reader.info.width, height: reader.info.height, count };
}

export async function run(): Promise<Record<string, number>> {
  const clip = movingFaceClip();
  const frames = await decode(clip, FRAMES);
  const scorer = await loadBrisqueScorer();
  const files = scorer.files;
  const prevThreads = native().setOpenCvThreads(1); // one core each, both sides
  try {
    const mouth: FrameCrop[] = [];
    const face: FrameCrop[] = [];
    for (let t = 0; t < frames.count; t++) {
      mouth.push({ frame: t, x0: 190 + (t % 9), y0: 310, x1: 310 + (t % 9), y1: 380 });
      face.push({ frame: t, x0: 100 + t, y0: 60, x1: 420 + t, y1: 380 });
    }
    const face224: Size = { width: 224, height: 224 };
    const cases: Array<{ metric: string; ours: () => Promise<unknown>; bare: () => Promise<{ seconds: number; cpuSeconds: number }> }> = [
      {
        metric: 'global',
        ours: () => scorer.scoreFrames(frames),
        bare: () => native().brisqueBare(frames.data, { width: frames.width, height: frames.height, count: frames.count }, files.model, files.range),
      },
      {
        metric: 'mouth',
        ours: () => scorer.scoreCrops(frames, mouth),
        bare: () =>
          native().brisqueBare(frames.data, { width: frames.width, height: frames.height, count: frames.count, boxes: packCrops(mouth) }, files.model, files.range),
      },
      {
        metric: 'face',
        ours: () => scorer.scoreCrops(frames, face, face224),
        bare: () =>
          native().brisqueBare(
            frames.data,
            { width: frames.width, height: frames.height, count: frames.count, boxes: packCrops(face), resizeWidth: 224, resizeHeight: 224 },
            files.model,
            files.range,
          ),
      },
    ];
    const out: Record<string, number> = { frames: frames.count, width: frames.width, height: frames.height, opencvThreads: 1 };
    const rows: string[][] = [];
    let oursAll = 0, oursAllCpu = 0, bareAll = 0, bareAllCpu = 0;
    const row = (metric: string, ours: number, bare: number, oursCpu: number, bareCpu: number): string[] => [
      metric,
      (frames.count / ours).toFixed(1),
      (frames.count / bare).toFixed(1),
      (ours / bare).toFixed(3),
      ((1000 * oursCpu) / frames.count).toFixed(2),
      ((1000 * bareCpu) / frames.count).toFixed(2),
      (oursCpu / bareCpu).toFixed(3),
    ];
    const cpuNow = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    for (const c of cases) {
      // Best of REPEATS, interleaved. CPU time is the primary measure (this machine may be
      // shared: wall time then includes other processes); ours = the whole process's CPU
      // time over the call (main thread, worker, crop/grey/resize, result array), bare =
      // the worker thread's CPU time inside the compute loop only.
      let ours = Infinity, oursCpu = Infinity, bare = Infinity, bareCpu = Infinity;
      await c.ours(); // warm up (loads a session)
      for (let r = 0; r < REPEATS; r++) {
        const c0 = cpuNow();
        const t0 = performance.now();
        await c.ours();
        ours = Math.min(ours, (performance.now() - t0) / 1000);
        oursCpu = Math.min(oursCpu, cpuNow() - c0);
        const b = await c.bare();
        bare = Math.min(bare, b.seconds);
        bareCpu = Math.min(bareCpu, b.cpuSeconds);
      }
      out[`${c.metric}_fps`] = frames.count / ours;
      out[`${c.metric}_bare_fps`] = frames.count / bare;
      out[`${c.metric}_ratio_wall`] = ours / bare;
      out[`${c.metric}_cpu_ms_per_frame`] = (1000 * oursCpu) / frames.count;
      out[`${c.metric}_bare_cpu_ms_per_frame`] = (1000 * bareCpu) / frames.count;
      out[`${c.metric}_ratio_cpu`] = oursCpu / bareCpu;
      oursAll += ours;
      oursAllCpu += oursCpu;
      bareAll += bare;
      bareAllCpu += bareCpu;
      rows.push(row(c.metric, ours, bare, oursCpu, bareCpu));
    }
    rows.push(row('3 crops', oursAll, bareAll, oursAllCpu, bareAllCpu));
    out.three_crop_cpu_ms_per_frame = (1000 * oursAllCpu) / frames.count;
    out.three_crop_bare_cpu_ms_per_frame = (1000 * bareAllCpu) / frames.count;
    out.three_crop_ratio = oursAllCpu / bareAllCpu;
    out.three_crop_ratio_wall = oursAll / bareAll;
    // Whole video: one decode, all three metrics every frame (100 frames, boxes for all).
    const boxes = (f: FrameCrop[]): Array<{ x0: number; y0: number; x1: number; y1: number }> =>
      Array.from({ length: 100 }, (_, t) => ({ ...f[t % f.length], frame: undefined }));
    const t0 = performance.now();
    const v = await scoreVideoQuality(clip, { mouthBoxes: boxes(mouth), faceBoxes: boxes(face) });
    const vs = (performance.now() - t0) / 1000;
    out.video_all3_fps = v.frames / vs;

    console.log(`quality bench: ${frames.count} frames ${frames.width}x${frames.height}, OpenCV threads 1, best of ${REPEATS}`);
    console.log('metric   ours f/s  bare f/s  wall ratio  ours cpu ms/f  bare cpu ms/f  cpu ratio');
    for (const r of rows) {
      console.log(`${r[0].padEnd(8)} ${r[1].padStart(8)}  ${r[2].padStart(8)}  ${r[3].padStart(10)}  ${r[4].padStart(13)}  ${r[5].padStart(13)}  ${r[6].padStart(9)}`);
    }
    console.log(`three crops per frame: ours / OpenCV CPU time = ${out.three_crop_ratio.toFixed(3)} (target <= 0.33)`);
    console.log(`video (decode + global + mouth + face): ${out.video_all3_fps.toFixed(1)} frames/s`);
    return out;
  } finally {
    native().setOpenCvThreads(prevThreads);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r));
}
