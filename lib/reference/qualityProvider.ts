/**
 * `--quality-backend pyiqa`: the three quality metrics from pyiqa's own models through the
 * Python worker (TOPIQ-IAA on whole frames, MUSIQ-KonIQ on the mouth crops, TOPIQ-NR-face
 * on whole frames), as a QualityProvider. Its scoreVideo decodes the video once (rgb24) and
 * feeds a QualityFeeder; the single native pass can feed the same feeder instead.
 */
import { TheValError } from '../errors.js';
import { openVideo } from '../decode/video.js';
import { frameMean, mouthBox, type CropBox, type QualityImage, type QualityScorer } from '../metrics/quality.js';
import { UNAVAILABLE, type BackendInfo, type ProviderContext, type QualityMetricId, type QualityProvider } from '../providers.js';
import type { FaceTracks } from '../tracks.js';
import type { ReferenceBridge } from './bridge.js';
import { describeWeights } from './provenance.js';
import { PYIQA_NAMES, QualityFeeder, type FeederResult } from './qualityFeeder.js';

export interface PyiqaQualityOptions {
  /** The reference's batching: MUSIQ crops of each group of 64 padded with black to the largest; a frame TOPIQ-NR-face refuses fails the metric. */
  reference?: boolean;
  /** Frames per worker request (default 64: the reference's TOPIQ-IAA batch). */
  frameBatch?: number;
}

type Out = Partial<Record<QualityMetricId, { value: number; reason?: string; details?: Record<string, unknown> }>>;

/** Packed 8-bit RGB of a [0,1] float image, as the decoder would give (round, clamp). */
function toRgb24(im: QualityImage): Uint8Array {
  const u8 = new Uint8Array(im.width * im.height * 3);
  for (let k = 0; k < u8.length; k++) u8[k] = Math.min(255, Math.max(0, Math.round(im.data[k] * 255) || 0));
  return u8;
}

/** Needs a started bridge (its provenance names the weights). */
export function pyiqaQualityProvider(bridge: ReferenceBridge, options: PyiqaQualityOptions = {}): QualityProvider {
  const prov = bridge.provenance;
  if (!prov?.pyiqa) throw new TheValError('BAD_ARGUMENT', 'pyiqaQualityProvider: start the bridge with pyiqa metrics first (createReferenceProviders does)');
  const reference = options.reference ?? false;
  const frameBatch = Math.max(1, options.frameBatch ?? 64);
  const profile = reference ? 'reference' : 'clean';
  const details: Record<string, string> = {
    pyiqa: prov.pyiqa,
    torch: prov.torch,
    python: prov.python,
    device: prov.device,
    profile,
    musiq: reference ? 'groups of 64 mouth crops, one batch padded with black to the largest crop (reference)' : 'each mouth crop alone',
    topiqNrFace: reference ? 'a frame it refuses fails the metric (reference)' : 'frames it refuses are skipped',
    input: 'RGB, float32 [0,1], N x 3 x H x W',
  };
  const scorers: Partial<Record<QualityMetricId, QualityScorer>> = {};
  for (const [id, name] of Object.entries(PYIQA_NAMES) as Array<[QualityMetricId, string]>) {
    const m = prov.metrics[name];
    if (!m) continue;
    details[`weights.${name}`] = describeWeights(m.weights);
    scorers[id] = {
      name: `pyiqa ${name}`,
      version: `pyiqa ${prov.pyiqa} ${m.weights.map((w) => `${w.file}@sha256:${w.sha256}`).join(' ') || 'no weight file'} ${prov.device} ${profile}`,
      // The generic path (QualityImage lists): each image alone.
      async scoreBatch(images: QualityImage[]): Promise<Float32Array> {
        const out = new Float32Array(images.length);
        for (let i = 0; i < images.length; i++) {
          const im = images[i];
          const rgb = toRgb24(im);
          if (id === 'mouth_quality') out[i] = (await bridge.scoreCrops(name, [{ data: rgb, width: im.width, height: im.height }], false))[0];
          else out[i] = (await bridge.scoreFrames({ data: rgb, width: im.width, height: im.height, count: 1 }, { single: [name] })).scores[name][0];
        }
        return out;
      },
    };
  }
  /** Per-video values from the feeder's per-frame scores (the reference's NaN rules). */
  const valuesOf = (r: FeederResult, want: ReadonlySet<QualityMetricId>, ctx: ProviderContext): Out => {
    const out: Out = {};
    const put = (id: QualityMetricId, s: Float64Array | undefined, empty: string, extra: Record<string, unknown> = {}) => {
      if (!want.has(id)) return;
      if (!s) {
        out[id] = { value: NaN, reason: scorers[id] ? UNAVAILABLE.face : UNAVAILABLE.quality };
        return;
      }
      const m = frameMean(s, empty);
      out[id] = { value: m.value, ...(m.reason ? { reason: m.reason } : {}), details: { ...m.details, ...extra, scorer: `${scorers[id]!.name} ${scorers[id]!.version}` } };
    };
    put('global_aesthetic', r.global, 'no scored frame');
    put('mouth_quality', r.mouth, 'no frame with a face');
    put('face_quality', r.face, 'no scored frame', r.faceErrors.length ? { refusedFrames: r.faceErrors.length } : {});
    if (r.faceErrors.length && out.face_quality) {
      const e = r.faceErrors[0];
      const what = `topiq_nr-face refused ${r.faceErrors.length} of ${r.frames} frames (first: frame ${e.frame}: ${e.message})`;
      if (reference) out.face_quality = { value: NaN, reason: `${what}; the reference fails the video`, details: out.face_quality.details };
      else ctx.warn(`${what}; those frames are left out of face quality`);
    }
    return out;
  };
  const feederFor = (want: ReadonlySet<QualityMetricId>, crops: boolean): QualityFeeder =>
    new QualityFeeder(bridge, {
      global: want.has('global_aesthetic') && !!scorers.global_aesthetic,
      face: want.has('face_quality') && !!scorers.face_quality,
      mouth: crops && want.has('mouth_quality') && !!scorers.mouth_quality,
      padCrops: reference,
    });
  const backend: BackendInfo = { name: 'pyiqa (Python worker)', version: `pyiqa ${prov.pyiqa} torch ${prov.torch} ${prov.device} ${profile}`, details };
  return {
    backend,
    scorers,
    batchSize: frameBatch,
    // The one pass (lib/analyze.ts) hands its decoded frames and mouth boxes here: one decode
    // for the landmarks, the built-in passes and the reference models.
    frameSink(wanted, ctx) {
      const want = new Set(wanted);
      const feeder = feederFor(want, true);
      let error: unknown;
      let frames = 0;
      return {
        sink: {
          batch: frameBatch,
          async onBatch(b) {
            if (error !== undefined) return;
            try {
              const boxes: Array<CropBox | null> = [];
              for (let i = 0; i < b.count; i++) {
                const [x0, y0, x1, y1] = b.boxes.subarray(i * 8, i * 8 + 4);
                boxes.push(x0 >= 0 ? { x0, y0, x1, y1 } : null);
              }
              await feeder.push({ data: b.data, width: b.width, height: b.height, count: b.count }, boxes);
              frames += b.count;
            } catch (e) {
              error = e;
            }
          },
        },
        get error() {
          return error;
        },
        async values(t) {
          if (t !== frames) ctx.warn(`pyiqa worker got ${frames} frames, the pass decoded ${t}`);
          return valuesOf(await feeder.finish(), want, ctx);
        },
      };
    },
    async scoreVideo(videoPath, face, wanted, ctx) {
      const want = new Set(wanted);
      const reader = await openVideo(videoPath, { format: 'rgb24' });
      const out: Out = {};
      try {
        const { width: W, height: H } = reader.info;
        const crops = want.has('mouth_quality') && face !== null;
        if (crops && (face!.width !== W || face!.height !== H)) throw new TheValError('INTERNAL', `${videoPath}: face tracks are ${face!.width}x${face!.height}, frames ${W}x${H}`);
        const feeder = feederFor(want, crops);
        const buf = reader.allocate(frameBatch) as Uint8Array;
        let t = 0;
        for (;;) {
          if (ctx.signal?.aborted) throw new TheValError('INTERNAL', `${videoPath}: abandoned`, videoPath);
          const n = await reader.read(buf, frameBatch);
          if (n === 0) break;
          const boxes: Array<CropBox | null> = [];
          for (let i = 0; i < n; i++) boxes.push(crops && t + i < face!.frames ? mouthBox(face as FaceTracks, t + i) : null);
          await feeder.push({ data: buf, width: W, height: H, count: n }, boxes);
          t += n;
        }
        for (const w of reader.stats().warnings) ctx.warn(`quality pass decode: ${w}`);
        if (face && t !== face.frames) ctx.warn(`quality pass decoded ${t} frames, the face pass ${face.frames}`);
        Object.assign(out, valuesOf(await feeder.finish(), want, ctx));
      } finally {
        reader.close();
      }
      return out;
    },
  };
}
