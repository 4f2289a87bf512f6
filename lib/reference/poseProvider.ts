/**
 * `--pose-backend facexformer`: head pose per frame from FaceXFormer on RetinaFace's tight
 * box (the reference's head-motion pipeline) through the Python worker. The pose and that
 * box replace the face pass's own for the head-motion metric (lib/analyze.ts, pose hook).
 */
import { TheValError } from '../errors.js';
import { openVideo } from '../decode/video.js';
import type { PoseProvider } from '../providers.js';
import type { ReferenceBridge } from './bridge.js';
import { describeWeights } from './provenance.js';

export interface FacexformerPoseOptions {
  /** Frames per worker request (default 16; the models run one frame at a time either way). */
  frameBatch?: number;
}

/** Needs a started bridge with a FaceXFormer checkpoint. */
export function facexformerPoseProvider(bridge: ReferenceBridge, options: FacexformerPoseOptions = {}): PoseProvider {
  const prov = bridge.provenance;
  if (!prov?.pose) throw new TheValError('BAD_ARGUMENT', 'facexformerPoseProvider: start the bridge with a FaceXFormer checkpoint first (createReferenceProviders does)');
  const frameBatch = Math.max(1, options.frameBatch ?? 16);
  const p = prov.pose;
  return {
    backend: {
      name: 'facexformer (Python worker)',
      version: `${p.facexformer.weights.map((w) => `${w.file}@sha256:${w.sha256}`).join(' ') || 'no weight file'} retina-face ${p.retinaface.version} torch ${prov.torch} ${prov.device}`,
      details: {
        facexformer: describeWeights(p.facexformer.weights),
        retinaface: describeWeights(p.retinaface.weights),
        crop: p.crop,
        box: 'RetinaFace facial_area (tight, pixels); head motion uses its centre',
        device: prov.device,
        python: prov.python,
      },
    },
    async estimate(videoPath, ctx) {
      const reader = await openVideo(videoPath, { format: 'rgb24' });
      try {
        const { width: W, height: H } = reader.info;
        const buf = reader.allocate(frameBatch) as Uint8Array;
        const poses: Float32Array[] = [], boxes: Float32Array[] = [];
        let t = 0;
        for (;;) {
          if (ctx.signal?.aborted) throw new TheValError('INTERNAL', `${videoPath}: abandoned`, videoPath);
          const n = await reader.read(buf, frameBatch);
          if (n === 0) break;
          const r = await bridge.estimatePose({ data: buf, width: W, height: H, count: n });
          poses.push(r.pose);
          boxes.push(r.box);
          t += n;
        }
        for (const w of reader.stats().warnings) ctx.warn(`pose pass decode: ${w}`);
        const pose = new Float32Array(t * 3), box = new Float32Array(t * 4);
        let o = 0;
        poses.forEach((a, i) => {
          pose.set(a, o * 3);
          box.set(boxes[i], o * 4);
          o += a.length / 3;
        });
        return { pose, box };
      } finally {
        reader.close();
      }
    },
  };
}
