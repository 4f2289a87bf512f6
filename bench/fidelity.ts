/**
 * How much theval's deliberate differences from the reference move the numbers
 * (docs/fidelity.md rows 3, 4 and the refinedOnly profile). On the synthetic sample set
 * (lib/samples/sampleSet.ts: gt/ static_mouth/ shifted_audio/ still_head/, 3 clips each),
 * every clip is analysed (analyzeVideo, audio default, quality BRISQUE on the mouth crop
 * only) under these configurations:
 *   default     the clean profile, face pass 'both' (theval's normal pass)
 *   refinedOnly every landmark metric from the refined model (plain track = its points 0..467)
 *   <quirk>     the clean profile plus one reference quirk (lib/profile.ts): cpu-warp,
 *               bgr-lipsync, squash256, static-mouth, loudness-44k
 *   reference   `--profile reference` (all of them)
 * (frame-cap-500 is not measured here: every sample clip is shorter than 500 frames.)
 * For each configuration and folder: dataset value M = mean of per-video values (METRICS.md),
 * |M_alt - M|, |M_alt - M| / |M| (how far a method's raw value moves), and the change of the
 * normalised score s = 1 - |M - GT| / |GT| of each method folder when both it and the gt folder
 * are measured with the same configuration. Plus landmark / mouth-box displacement against
 * the default pass. These are SYNTHETIC clips (a drawn face, espeak-ng speech): the numbers
 * say how large an effect can be, not what it is on real talking-head videos.
 *
 * `npm run bench -- fidelity` (or `npx tsx bench/fidelity.ts`). Env: FIDELITY_SAMPLES=<dir>
 * (default ./sample, made if missing), FIDELITY_NO_MOUTH_QUALITY=1 to skip BRISQUE.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeVideo } from '../lib/analyze.js';
import { LIPS } from '../lib/metrics/landmarkSets.js';
import type { MetricId } from '../lib/metrics/types.js';
import { mediapipeFaceProvider, nativeQualityProvider, sileroAudioProvider, type Providers } from '../lib/providers.js';
import { CLEAN, hasQuirk, resolveProfile, type Profile, type QuirkId } from '../lib/profile.js';
import { makeSampleSet, SAMPLE_METHODS } from '../lib/samples/sampleSet.js';
import type { FaceProfile } from '../lib/face/trackFaces.js';
import type { FaceTracks } from '../lib/tracks.js';

const LANDMARK_METRICS: MetricId[] = ['mouth_quality', 'lip_dynamics', 'head_motion', 'eyebrow_dynamics', 'silent_lip_stability', 'lip_sync'];

interface Config {
  name: string;
  profile: FaceProfile;
  quirks: Profile;
  /** The metrics this difference is about (the rest are computed and reported too). */
  focus: MetricId[];
  mouthQuality: boolean;
}

const quirk = (q: QuirkId): Profile => resolveProfile({ quirks: [q] });
const ALL_CONFIGS: Config[] = [
  { name: 'default', profile: 'both', quirks: CLEAN, focus: LANDMARK_METRICS, mouthQuality: true },
  { name: 'refinedOnly', profile: 'refinedOnly', quirks: CLEAN, focus: LANDMARK_METRICS, mouthQuality: true },
  { name: 'cpu-warp', profile: 'both', quirks: quirk('cpu-warp'), focus: LANDMARK_METRICS, mouthQuality: true },
  { name: 'bgr-lipsync', profile: 'both', quirks: quirk('bgr-lipsync'), focus: ['lip_sync'], mouthQuality: false },
  { name: 'squash256', profile: 'both', quirks: quirk('squash256'), focus: ['lip_dynamics', 'silent_lip_stability'], mouthQuality: false },
  { name: 'static-mouth', profile: 'both', quirks: quirk('static-mouth'), focus: ['mouth_quality'], mouthQuality: true },
  { name: 'loudness-44k', profile: 'both', quirks: quirk('loudness-44k'), focus: ['lip_sync'], mouthQuality: false },
  { name: 'reference', profile: 'both', quirks: resolveProfile({ profile: 'reference' }), focus: LANDMARK_METRICS, mouthQuality: true },
];
// FIDELITY_CONFIGS=a,b limits the run (default is always measured: it is the baseline).
const only = process.env.FIDELITY_CONFIGS?.split(',').map((s) => s.trim());
const CONFIGS = ALL_CONFIGS.filter((c) => c.name === 'default' || !only || only.includes(c.name));

interface ClipResult {
  folder: string;
  clip: string;
  values: Partial<Record<MetricId, number>>;
  /** vs the default pass: mean |dx,dy| in px over frames where both found a face. */
  plainPx?: number;
  refinedLipsPx?: number;
  mouthBoxPx?: number;
  faceFrames: number;
  frames: number;
  /** The face stage's time (ms): main pass plus the profile's extra passes. */
  faceMs: number;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const fmt = (x: number | undefined, d = 4): string => (x === undefined || Number.isNaN(x) ? 'NaN' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(d));

/** Mean point displacement (px) between two tracks over frames where both have a face. */
function pointDisplacement(a: Float32Array, b: Float32Array, points: number, idx: readonly number[] | null, W: number, H: number, frames: number): number {
  let sum = 0;
  let n = 0;
  for (let t = 0; t < frames; t++) {
    const o = t * points * 3;
    if (Number.isNaN(a[o]) || Number.isNaN(b[o])) continue;
    const list = idx ?? Array.from({ length: points }, (_, i) => i);
    for (const i of list) {
      sum += Math.hypot((a[o + 3 * i] - b[o + 3 * i]) * W, (a[o + 3 * i + 1] - b[o + 3 * i + 1]) * H);
      n++;
    }
  }
  return n ? sum / n : NaN;
}

/** The METRICS.md 2 mouth box (40 LIPS points, int(x*W), +-10 px, clipped) of frame t. */
function mouthBox(f: FaceTracks, t: number): number[] | null {
  const o = t * 468 * 3;
  if (Number.isNaN(f.landmarks[o])) return null;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const i of LIPS) {
    const x = Math.trunc(f.landmarks[o + 3 * i] * f.width);
    const y = Math.trunc(f.landmarks[o + 3 * i + 1] * f.height);
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return [Math.max(0, x0 - 10), Math.max(0, y0 - 10), Math.min(f.width, x1 + 10), Math.min(f.height, y1 + 10)];
}

function mouthBoxDisplacement(a: FaceTracks, b: FaceTracks): number {
  const d: number[] = [];
  for (let t = 0; t < Math.min(a.frames, b.frames); t++) {
    const ba = mouthBox(a, t), bb = mouthBox(b, t);
    if (ba && bb) d.push(mean(ba.map((v, i) => Math.abs(v - bb[i]))));
  }
  return mean(d);
}

function providersFor(c: Config): Providers {
  return {
    face: mediapipeFaceProvider(c.profile, {}, c.quirks),
    audio: sileroAudioProvider({ loudnessSampleRate: hasQuirk(c.quirks, 'loudness-44k') ? 44100 : 0 }),
    quality: c.mouthQuality && !process.env.FIDELITY_NO_MOUTH_QUALITY ? nativeQualityProvider() : null,
    ...(c.quirks.quirks.length ? { profile: c.quirks } : {}),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const root = path.resolve(process.env.FIDELITY_SAMPLES ?? 'sample');
  if (!existsSync(path.join(root, 'still_head', 'clip3.mp4'))) {
    console.log(`making the sample set in ${root} ...`);
    await makeSampleSet(root, (l) => console.log(l));
  }
  const folders = Object.keys(SAMPLE_METHODS);
  const clips = folders.flatMap((folder) => [1, 2, 3].map((i) => ({ folder, clip: `clip${i}.mp4`, file: path.join(root, folder, `clip${i}.mp4`) })));

  const t0 = performance.now();
  const results: Record<string, ClipResult[]> = {};
  const defaultTracks = new Map<string, FaceTracks>();
  for (const c of CONFIGS) {
    const providers = providersFor(c);
    const metrics = c.mouthQuality && providers.quality ? LANDMARK_METRICS : LANDMARK_METRICS.filter((m) => m !== 'mouth_quality');
    const out: ClipResult[] = new Array(clips.length);
    // Two videos side by side (2 cores; each face pass is single-threaded).
    let next = 0;
    const worker = async () => {
      while (next < clips.length) {
        const k = next++;
        const { folder, clip, file } = clips[k];
        let tracks: FaceTracks | null = null;
        const rec = await analyzeVideo(file, { providers, metrics, onTracks: (x) => { tracks = x.face; } });
        if (rec.status !== 'ok') throw new Error(`${file} (${c.name}): ${rec.error?.code} ${rec.error?.message}`);
        const values: Partial<Record<MetricId, number>> = {};
        for (const m of metrics) values[m] = rec.metrics[m].value;
        const f = tracks as FaceTracks | null;
        if (!f) throw new Error(`${file}: no face tracks`);
        let faceFrames = 0;
        for (let t = 0; t < f.frames; t++) if (!Number.isNaN(f.refined[t * 478 * 3])) faceFrames++;
        const r: ClipResult = { folder, clip, values, faceFrames, frames: f.frames, faceMs: rec.timings.face ?? NaN };
        if (c.name === 'default') defaultTracks.set(file, f);
        else {
          const d = defaultTracks.get(file)!;
          r.plainPx = pointDisplacement(d.landmarks, f.landmarks, 468, null, f.width, f.height, f.frames);
          r.refinedLipsPx = pointDisplacement(d.refined, f.refined, 478, LIPS, f.width, f.height, f.frames);
          r.mouthBoxPx = mouthBoxDisplacement(d, f);
        }
        out[k] = r;
      }
    };
    const tc = performance.now();
    await Promise.all([worker(), worker()]);
    results[c.name] = out;
    console.log(`${c.name}: ${clips.length} clips in ${((performance.now() - tc) / 1000).toFixed(1)} s`);
  }

  // Per-clip table.
  console.log('\nper clip (value under each configuration; landmark displacement vs default in px)');
  for (let k = 0; k < clips.length; k++) {
    const { folder, clip } = clips[k];
    const d = results.default[k];
    console.log(`${folder}/${clip}  frames ${d.frames}, face in ${d.faceFrames}`);
    for (const m of LANDMARK_METRICS) {
      const cells = CONFIGS.map((c) => `${c.name}=${fmt(results[c.name][k].values[m])}`).join('  ');
      console.log(`  ${m.padEnd(22)} ${cells}`);
    }
    for (const c of CONFIGS.slice(1)) {
      const r = results[c.name][k];
      console.log(`  ${c.name.padEnd(12)} plain pts ${fmt(r.plainPx, 3)} px, refined LIPS ${fmt(r.refinedLipsPx, 3)} px, mouth box ${fmt(r.mouthBoxPx, 3)} px, face frames ${r.faceFrames}/${r.frames}`);
    }
  }

  // Dataset values and effects.
  type Row = { config: string; folder: string; metric: MetricId; M: number; Malt: number; abs: number; rel: number; s?: number; sAlt?: number; dScore?: number };
  const rows: Row[] = [];
  const dataset = (cfg: string, folder: string, m: MetricId): number => mean(results[cfg].filter((r) => r.folder === folder).map((r) => r.values[m] ?? NaN).filter((v) => !Number.isNaN(v)));
  const score = (M: number, GT: number) => 1 - Math.abs(M - GT) / Math.abs(GT);
  console.log('\ndataset values (mean of per-video values; NaN videos left out) and effects');
  console.log('config       folder         metric                 M(default)   M(alt)       |dM|         |dM|/|M|   s(default) s(alt)   |ds|');
  for (const c of CONFIGS.slice(1)) {
    for (const m of c.focus) {
      if (results[c.name][0].values[m] === undefined) continue;
      for (const folder of folders) {
        const M = dataset('default', folder, m);
        const Malt = dataset(c.name, folder, m);
        const row: Row = { config: c.name, folder, metric: m, M, Malt, abs: Math.abs(Malt - M), rel: Math.abs(Malt - M) / Math.abs(M) };
        if (folder !== 'gt') {
          row.s = score(M, dataset('default', 'gt', m));
          row.sAlt = score(Malt, dataset(c.name, 'gt', m));
          row.dScore = Math.abs(row.sAlt - row.s);
        }
        rows.push(row);
        console.log(
          `${c.name.padEnd(12)} ${folder.padEnd(14)} ${m.padEnd(22)} ${fmt(M, 6).padEnd(12)} ${fmt(Malt, 6).padEnd(12)} ${fmt(row.abs, 6).padEnd(12)} ${fmt(row.rel, 4).padEnd(10)} ` +
            `${row.s === undefined ? '-'.padEnd(10) : fmt(row.s, 4).padEnd(10)} ${row.sAlt === undefined ? '-'.padEnd(8) : fmt(row.sAlt, 4).padEnd(8)} ${row.dScore === undefined ? '-' : fmt(row.dScore, 4)}`,
        );
      }
    }
  }
  const displacement: Record<string, { plainPx: number; refinedLipsPx: number; mouthBoxPx: number }> = {};
  for (const c of CONFIGS.slice(1)) {
    const r = results[c.name];
    displacement[c.name] = { plainPx: mean(r.map((x) => x.plainPx!)), refinedLipsPx: mean(r.map((x) => x.refinedLipsPx!)), mouthBoxPx: mean(r.map((x) => x.mouthBoxPx!)) };
    console.log(`${c.name}: mean displacement vs default: plain 468 pts ${fmt(displacement[c.name].plainPx, 3)} px, refined LIPS ${fmt(displacement[c.name].refinedLipsPx, 3)} px, mouth box corners ${fmt(displacement[c.name].mouthBoxPx, 3)} px`);
  }
  // Cost: the face stage's time relative to the default pass, same run (noisy on a shared machine).
  const faceCost: Record<string, number> = {};
  const base = mean(results.default.map((r) => r.faceMs));
  for (const c of CONFIGS) {
    faceCost[c.name] = mean(results[c.name].map((r) => r.faceMs)) / base;
    console.log(`${c.name}: face stage ${fmt(faceCost[c.name], 2)}x the default's`);
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s; synthetic clips (${root}), not real videos`);
  return {
    samples: root,
    synthetic: true,
    clips: clips.length,
    frameSize: defaultTracks.size ? `${[...defaultTracks.values()][0].width}x${[...defaultTracks.values()][0].height}` : null,
    rows,
    displacement,
    faceCost,
    perClip: Object.fromEntries(CONFIGS.map((c) => [c.name, results[c.name].map((r) => ({ clip: `${r.folder}/${r.clip}`, ...r.values }))])),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run()));
}
