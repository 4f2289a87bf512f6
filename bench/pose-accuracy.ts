/**
 * Head-pose accuracy on synthetic landmarks with exact truth (docs/pose.md, "Measured
 * accuracy"): MediaPipe's 33 weighted Procrustes points vs all 468 uniform, with and
 * without the depth-scale fit, under landmark noise, a jaw opening, a face shape unlike
 * the canonical one, and a mis-scaled z; plus the perspective cases and the time per frame.
 * `npm run bench -- pose` (needs `npm run models:prepare` and the addon).
 */
import path from 'node:path';
import { estimatePose, type PoseOptions } from '../lib/face/pose.js';
import { prepareFaceModels } from '../lib/models/faceModels.js';
import { modelCacheDir } from '../lib/models/vadModel.js';
import {
  headRotation,
  loadGeometry,
  normal,
  openJaw,
  projectPerspective,
  projectWeak,
  rng,
  type Mat3,
} from '../test/helpers/poseSynth.js';

const W = 512, H = 512;
const N = Number(process.env.THEVAL_BENCH_POSES ?? 400);

export async function run(): Promise<Record<string, unknown>> {
  const geometryPath = (await prepareFaceModels({ cacheDir: path.join(modelCacheDir(), 'face') })).geometry;
  const g = loadGeometry(geometryPath);
  const r = rng(1234);
  const poses: [number, number, number][] = [];
  for (let i = 0; i < N; i++) poses.push([60 * r() - 30, 60 * r() - 30, 60 * r() - 30]);

  const configs: Array<[string, Partial<PoseOptions>]> = [
    ['33 weighted', { weights: 'procrustes' }],
    ['468 uniform', { weights: 'uniform' }],
    ['309 upper face', { weights: 'upper' }],
    ['33 weighted + depth fit', { weights: 'procrustes', fitDepthScale: true }],
    ['468 uniform + depth fit', { weights: 'uniform', fitDepthScale: true }],
    ['309 upper face + depth fit', { weights: 'upper', fitDepthScale: true }],
  ];

  // Each scenario renders one frame per pose; every frame's error counts its 3 angles.
  type Scenario = [string, (R: Mat3, k: number) => Float32Array, number /* estimator fov */];
  const s = 12; // px per cm: a face about 185 px wide in the 512 frame
  const noisy = (sigma: number) => (R: Mat3, k: number) => {
    const lm = projectWeak(g.vertices, R, s, [256, 256, 0], W, H);
    const nr = rng(99 + k);
    for (let i = 0; i < lm.length; i++) lm[i] += (sigma * normal(nr)) / W;
    return lm;
  };
  const jaw = openJaw(g.vertices, 8);
  const shape = Float64Array.from(g.vertices, (v, i) => (i % 3 === 0 ? v * 1.08 : i % 3 === 2 ? v * 0.9 : v));
  const scenarios: Scenario[] = [
    ['exact, weak perspective', (R) => projectWeak(g.vertices, R, s, [256, 256, 0], W, H), 0],
    ['noise 0.5 px', noisy(0.5), 0],
    ['noise 1 px', noisy(1), 0],
    ['noise 2 px', noisy(2), 0],
    ['jaw open 8 deg', (R) => projectWeak(jaw, R, s, [256, 256, 0], W, H), 0],
    ['face 8% wider, 10% shallower', (R) => projectWeak(shape, R, s, [256, 256, 0], W, H), 0],
    ['landmark z x0.85', (R) => { const lm = projectWeak(g.vertices, R, s, [256, 256, 0], W, H); for (let i = 2; i < lm.length; i += 3) lm[i] *= 0.85; return lm; }, 0],
    ['perspective 63 deg, 50 cm, centred; est. 63 deg', (R) => projectPerspective(g.vertices, R, [0, 0, 50], 63, W, H), 63],
    ['perspective 63 deg, 50 cm, 6 cm off axis; est. 63 deg', (R) => projectPerspective(g.vertices, R, [6, 4, 50], 63, W, H), 63],
    ['perspective 40 deg, 50 cm, 6 cm off axis; est. 63 deg', (R) => projectPerspective(g.vertices, R, [6, 4, 50], 40, W, H), 63],
    ['perspective 63 deg, 50 cm, centred; est. weak', (R) => projectPerspective(g.vertices, R, [0, 0, 50], 63, W, H), 0],
    ['perspective 63 deg, 50 cm, 6 cm off axis; est. weak', (R) => projectPerspective(g.vertices, R, [6, 4, 50], 63, W, H), 0],
  ];

  const figures: Record<string, Record<string, { rms: number; max: number }>> = {};
  console.log(`| scenario (${N} poses, each angle in +-30) | ${configs.map(([n]) => n).join(' | ')} |`);
  console.log(`|---|${configs.map(() => '---').join('|')}|`);
  for (const [name, gen, fov] of scenarios) {
    const frames = poses.map(([p, y, rl], k) => gen(headRotation(p, y, rl), k));
    const all = new Float32Array(N * 468 * 3);
    frames.forEach((f, k) => all.set(f, k * 468 * 3));
    const row: string[] = [];
    figures[name] = {};
    for (const [cname, opt] of configs) {
      const out = estimatePose(all, W, H, { geometryPath, verticalFovDegrees: fov, ...opt });
      let se = 0, mx = 0;
      for (let k = 0; k < N; k++)
        for (let j = 0; j < 3; j++) {
          const e = out[3 * k + j] - poses[k][j];
          se += e * e;
          mx = Math.max(mx, Math.abs(e));
        }
      const rms = Math.sqrt(se / (3 * N));
      figures[name][cname] = { rms, max: mx };
      row.push(`${rms.toFixed(3)} / ${mx.toFixed(2)}`);
    }
    console.log(`| ${name} | ${row.join(' | ')} |`);
  }
  console.log('(each cell: RMS error / max abs error, degrees)');

  // Time per frame.
  const frames = new Float32Array(2000 * 468 * 3);
  for (let k = 0; k < 2000; k++) frames.set(projectWeak(g.vertices, headRotation(...poses[k % N]), s, [256, 256, 0], W, H), k * 468 * 3);
  const timing: Record<string, number> = {};
  for (const [cname, opt] of configs) {
    estimatePose(frames, W, H, { geometryPath, ...opt });
    const t0 = performance.now();
    for (let rep = 0; rep < 3; rep++) estimatePose(frames, W, H, { geometryPath, ...opt });
    timing[cname] = ((performance.now() - t0) / 3 / 2000) * 1000;
  }
  console.log('microseconds per frame (incl. one geometry load per call):', JSON.stringify(timing));
  return { figures, microsecondsPerFrame: timing };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const res = await run();
  console.log(JSON.stringify(res.microsecondsPerFrame));
}
