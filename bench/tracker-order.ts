/**
 * The reference keeps one Face Mesh tracker alive across the videos it processes
 * (METRICS.md, "Known quirks"), so a video's landmarks can depend on the video before it;
 * theval resets the tracker per video (docs/fidelity.md row 2). This bench measures what
 * that does, with MediaPipe itself (the JS solution in headless Chromium, the parity
 * harness: test/helpers/mediapipeReference.ts), on the synthetic sample set
 * (lib/samples/sampleSet.ts: gt/ static_mouth/ shifted_audio/ still_head/, 3 clips each):
 *
 *   alone     each clip in a fresh tracker (theval's behaviour);
 *   chained   the folder's clips in one tracker, clip1 -> clip2 -> clip3 (the reference's,
 *             for a folder processed in that order);
 *   reversed  the same tracker, clip3 -> clip2 -> clip1 (another processing order).
 *
 * Per clip: the landmarks' mean distance from "alone" (px, over the clip's frames, both
 * models) and the four landmark metrics by the reference formulas (theval's metric code) on
 * MediaPipe's landmarks. Per folder: the dataset value (mean over its clips) under each order,
 * and the normalised score s = 1 - |M - GT| / |GT| when GT and method run in the same order.
 * The first clip of a chain starts in a fresh tracker, so it equals "alone" exactly: the
 * check that the harness resets between runs. SYNTHETIC clips (a drawn face, espeak-ng
 * speech): how large the effect can be, not its size on real videos.
 *
 * `npm run bench -- tracker-order` (or `npx tsx bench/tracker-order.ts`). Env:
 * ORDER_SAMPLES=<dir> (default ./sample, made if missing). Needs Chromium (scripts/setup.sh).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeAudio } from '../lib/audio/analyzeAudio.js';
import { openVideo } from '../lib/decode/video.js';
import { getMetric } from '../lib/metrics/registry.js';
import type { MetricId } from '../lib/metrics/types.js';
import { makeSampleSet, SAMPLE_METHODS } from '../lib/samples/sampleSet.js';
import { PLAIN_POINTS, REFINED_POINTS, type AudioTracks, type FaceTracks } from '../lib/tracks.js';
import { closeMediaPipe, mediaPipeUnavailableReason, runMediaPipe, toTrack, videoFrames, type ReferenceLandmarks, type RgbFrame } from '../test/helpers/mediapipeReference.js';

const METRICS: readonly MetricId[] = ['lip_dynamics', 'eyebrow_dynamics', 'silent_lip_stability', 'lip_sync'];
const ORDERS = ['alone', 'chained', 'reversed'] as const;
type Order = (typeof ORDERS)[number];

interface Clip {
  folder: string;
  name: string;
  frames: RgbFrame[];
  fps: number;
  audio: AudioTracks;
}

async function loadClip(folder: string, file: string): Promise<Clip> {
  const frames: RgbFrame[] = [];
  for await (const f of videoFrames(file)) frames.push(f);
  const reader = await openVideo(file);
  const fps = reader.info.fps;
  reader.close();
  return { folder, name: path.basename(file, '.mp4'), frames, fps, audio: (await analyzeAudio(file, fps, frames.length)).tracks };
}

/** Per clip of `clips`, its landmarks when the clips run in one tracker in this order. */
async function inOneTracker(clips: readonly Clip[], refineLandmarks: boolean): Promise<ReferenceLandmarks[]> {
  const all = await runMediaPipe(clips.flatMap((c) => c.frames), { refineLandmarks, mode: 'video' });
  const out: ReferenceLandmarks[] = [];
  let at = 0;
  for (const c of clips) {
    out.push(all.slice(at, at + c.frames.length));
    at += c.frames.length;
  }
  return out;
}

function meanPx(a: ReferenceLandmarks, b: ReferenceLandmarks, W: number, H: number): { meanPx: number; maxFramePx: number; faceMismatch: number } {
  let sum = 0, n = 0, maxFrame = 0, mismatch = 0;
  for (let t = 0; t < a.length; t++) {
    const p = a[t], q = b[t];
    if (!p || !q) {
      if (!p !== !q) mismatch++;
      continue;
    }
    let s = 0;
    for (let i = 0; i < p.length; i += 3) s += Math.hypot((p[i] - q[i]) * W, (p[i + 1] - q[i + 1]) * H);
    const m = s / (p.length / 3);
    sum += m;
    n++;
    maxFrame = Math.max(maxFrame, m);
  }
  return { meanPx: n ? sum / n : NaN, maxFramePx: maxFrame, faceMismatch: mismatch };
}

function metricValues(c: Clip, plain: ReferenceLandmarks, refined: ReferenceLandmarks): Record<string, number> {
  const { width: W, height: H } = c.frames[0];
  const T = c.frames.length;
  const nan = (k: number) => new Float32Array(T * k).fill(NaN);
  const face: FaceTracks = { fps: c.fps, width: W, height: H, frames: T, landmarks: toTrack(plain, PLAIN_POINTS), refined: toTrack(refined, REFINED_POINTS), box: nan(4), pose: nan(3) };
  const out: Record<string, number> = {};
  for (const id of METRICS) out[id] = getMetric(id).compute!({ face, audio: c.audio }).value;
  return out;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export async function run(): Promise<Record<string, unknown>> {
  const why = mediaPipeUnavailableReason();
  if (why) throw new Error(`tracker-order needs the MediaPipe harness: ${why}`);
  const root = path.resolve(process.env.ORDER_SAMPLES ?? 'sample');
  await makeSampleSet(root);
  const folders = Object.keys(SAMPLE_METHODS);
  // values[folder][order][metric] = per-clip values; clipRows for the per-clip table.
  const values: Record<string, Record<Order, Record<string, number[]>>> = {};
  const clipRows: Array<Record<string, unknown>> = [];
  try {
    for (const folder of folders) {
      const clips = await Promise.all([1, 2, 3].map((i) => loadClip(folder, path.join(root, folder, `clip${i}.mp4`))));
      const lm: Record<Order, { plain: ReferenceLandmarks[]; refined: ReferenceLandmarks[] }> = {
        alone: { plain: [], refined: [] },
        chained: { plain: [], refined: [] },
        reversed: { plain: [], refined: [] },
      };
      for (const refined of [false, true]) {
        const key = refined ? 'refined' : 'plain';
        for (const c of clips) lm.alone[key].push((await inOneTracker([c], refined))[0]);
        lm.chained[key] = await inOneTracker(clips, refined);
        lm.reversed[key] = (await inOneTracker([...clips].reverse(), refined)).reverse();
      }
      values[folder] = { alone: {}, chained: {}, reversed: {} } as Record<Order, Record<string, number[]>>;
      clips.forEach((c, k) => {
        const { width: W, height: H } = c.frames[0];
        const row: Record<string, unknown> = { folder, clip: c.name, frames: c.frames.length };
        for (const order of ORDERS) {
          const v = metricValues(c, lm[order].plain[k], lm[order].refined[k]);
          for (const id of METRICS) (values[folder][order][id] ??= []).push(v[id]);
          row[order] = v;
          if (order !== 'alone') {
            row[`${order}Px`] = {
              plain: meanPx(lm[order].plain[k], lm.alone.plain[k], W, H),
              refined: meanPx(lm[order].refined[k], lm.alone.refined[k], W, H),
            };
          }
        }
        clipRows.push(row);
      });
    }
  } finally {
    await closeMediaPipe();
  }

  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  console.log('landmarks vs each clip alone (px, mean over frames / worst frame; plain, refined); first clip of a chain = fresh tracker');
  console.log('| folder | clip | chained plain | chained refined | reversed plain | reversed refined |');
  console.log('|---|---|---|---|---|---|');
  for (const r of clipRows) {
    const px = (o: string, m: string) => {
      const d = (r[`${o}Px`] as Record<string, { meanPx: number; maxFramePx: number; faceMismatch: number }>)[m];
      return `${f3(d.meanPx)} / ${f3(d.maxFramePx)}${d.faceMismatch ? ` (${d.faceMismatch} frames face/no face)` : ''}`;
    };
    console.log(`| ${r.folder} | ${r.clip} | ${px('chained', 'plain')} | ${px('chained', 'refined')} | ${px('reversed', 'plain')} | ${px('reversed', 'refined')} |`);
  }
  console.log('\nper clip, metric on MediaPipe landmarks: |chained / alone - 1|, |reversed / alone - 1|');
  console.log(`| folder | clip | ${METRICS.join(' | ')} |`);
  console.log(`|---|---|${METRICS.map(() => '---').join('|')}|`);
  for (const r of clipRows) {
    const a = r.alone as Record<string, number>, c = r.chained as Record<string, number>, v = r.reversed as Record<string, number>;
    console.log(`| ${r.folder} | ${r.clip} | ${METRICS.map((id) => `${(100 * rel(c[id], a[id])).toFixed(2)}%, ${(100 * rel(v[id], a[id])).toFixed(2)}%`).join(' | ')} |`);
  }
  const dataset: Record<string, Record<string, Record<Order, number>>> = {};
  console.log('\nper folder: dataset value M (mean over clips) alone / chained / reversed; normalised score s = 1 - |M - GT| / |GT| with GT in the same order');
  console.log('| folder | metric | M alone | M chained | M reversed | max rel | s alone | s chained | s reversed | max |ds| |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  let maxRel = 0, maxDs = 0;
  for (const folder of folders) {
    dataset[folder] = {};
    for (const id of METRICS) {
      const M = Object.fromEntries(ORDERS.map((o) => [o, mean(values[folder][o][id])])) as Record<Order, number>;
      dataset[folder][id] = M;
      const r = Math.max(rel(M.chained, M.alone), rel(M.reversed, M.alone));
      maxRel = Math.max(maxRel, r);
      let sCells = '| | | |';
      if (folder !== 'gt') {
        const s = Object.fromEntries(ORDERS.map((o) => [o, 1 - Math.abs(M[o] - mean(values.gt[o][id])) / Math.abs(mean(values.gt[o][id]))])) as Record<Order, number>;
        const ds = Math.max(Math.abs(s.chained - s.alone), Math.abs(s.reversed - s.alone));
        maxDs = Math.max(maxDs, ds);
        sCells = `| ${s.alone.toFixed(4)} | ${s.chained.toFixed(4)} | ${s.reversed.toFixed(4)} | ${ds.toFixed(4)} |`;
      }
      console.log(`| ${folder} | ${id} | ${M.alone.toPrecision(5)} | ${M.chained.toPrecision(5)} | ${M.reversed.toPrecision(5)} | ${(100 * r).toFixed(2)}% ${sCells}`);
    }
  }
  return { date: new Date().toISOString().slice(0, 10), samples: root, clips: clipRows, dataset, maxDatasetRel: maxRel, maxScoreChange: maxDs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run()));
}
