/**
 * The exact reference models, run in the user's Python: pyiqa's TOPIQ-IAA, MUSIQ-KonIQ and
 * TOPIQ-NR-face for the quality metrics, FaceXFormer on RetinaFace boxes for head pose.
 * One worker per device serves both. See docs/reference-models.md.
 */
import type { PoseProvider, QualityProvider } from '../providers.js';
import { ReferenceBridge } from './bridge.js';
import { facexformerPoseProvider } from './poseProvider.js';
import { PYIQA_NAMES } from './qualityFeeder.js';
import { pyiqaQualityProvider } from './qualityProvider.js';
import type { WorkerOptions } from './pythonWorker.js';

export { ReferenceBridge, cutCrop, type RgbImage, type FrameScores, type PoseResult } from './bridge.js';
export { QualityFeeder, PYIQA_NAMES, type FeederResult, type QualityFeederOptions } from './qualityFeeder.js';
export { PythonWorker, workerScriptPath, type WorkerOptions, type WorkerProvenance, type WeightFile } from './pythonWorker.js';
export { pyiqaQualityProvider } from './qualityProvider.js';
export { facexformerPoseProvider } from './poseProvider.js';

export interface ReferenceProviderOptions {
  /** Python with torch + pyiqa (+ retina-face, FaceXFormer); default 'python3'. */
  python?: string;
  /** torch device of the worker: 'cpu' (default), 'cuda', 'cuda:N'. */
  device?: string;
  /** Quality metrics from pyiqa (`--quality-backend pyiqa`). */
  quality?: boolean;
  /** FaceXFormer checkpoint: head pose from FaceXFormer (`--pose-backend facexformer`). */
  facexformerCheckpoint?: string;
  /** The reference's batching quirks (MUSIQ padding, TOPIQ-NR-face failing the video); the `--profile reference` switch. */
  reference?: boolean;
  /** Extra environment for the worker (PYTHONPATH, TORCH_HOME, ...). */
  env?: WorkerOptions['env'];
  /** Frames per quality request (default 64). */
  frameBatch?: number;
}

export interface ReferenceProviders {
  quality: QualityProvider | null;
  pose: PoseProvider | null;
  bridge: ReferenceBridge;
  /** Ends the worker (call when the run is over). */
  close(): Promise<void>;
}

/**
 * Starts the worker (loading every model once, so a missing python/torch/pyiqa/weight file
 * fails here, before any video) and returns the providers to put into `Providers`.
 */
export async function createReferenceProviders(options: ReferenceProviderOptions): Promise<ReferenceProviders> {
  const bridge = new ReferenceBridge({
    python: options.python,
    device: options.device,
    quality: options.quality ? Object.values(PYIQA_NAMES) : [],
    facexformerCheckpoint: options.facexformerCheckpoint,
    env: options.env,
  });
  await bridge.start();
  return {
    quality: options.quality ? pyiqaQualityProvider(bridge, { reference: options.reference, frameBatch: options.frameBatch }) : null,
    pose: options.facexformerCheckpoint ? facexformerPoseProvider(bridge) : null,
    bridge,
    close: () => bridge.close(),
  };
}
