/**
 * The published GT row and leaderboard of THEval (arXiv 2511.04520, METRICS.md).
 * These numbers were produced by the reference's models and code on the THEval evaluation
 * set. They are only comparable with numbers from that same pipeline: a GT row from other
 * models (another IQA network, another landmark or pose model, another VAD) normalises
 * differently. Callers must compute their own GT row from real videos and, when they show
 * these, say where they come from (see mixingWarning).
 */
import type { MetricValues } from '../score.js';
import type { MetricId } from '../metrics/types.js';

export const REFERENCE_PIPELINE = 'reference (TOPIQ-IAA, MUSIQ, TOPIQ-NR-face, FaceXFormer, MediaPipe)';

export interface PublishedGt {
  /** Which pipeline produced the values: only that pipeline's numbers may be normalised by them. */
  models: string;
  /** The models per metric, for reports. */
  modelsByMetric: Readonly<Record<keyof MetricValues, string>>;
  dataset: string;
  source: string;
  values: Readonly<MetricValues>;
}

export const PUBLISHED_GT: PublishedGt = Object.freeze({
  models: REFERENCE_PIPELINE,
  modelsByMetric: Object.freeze({
    global_aesthetic: 'TOPIQ-IAA (pyiqa)',
    mouth_quality: 'MUSIQ-KonIQ (pyiqa) on MediaPipe plain-landmark mouth crops, batch-padded',
    face_quality: 'TOPIQ-NR-face (pyiqa)',
    lip_dynamics: 'MediaPipe Face Mesh, refined (478-point) landmarks',
    head_motion: 'FaceXFormer pose on RetinaFace crops',
    eyebrow_dynamics: 'MediaPipe Face Mesh, refined (478-point) landmarks',
    silent_lip_stability: 'MediaPipe Face Mesh refined landmarks + Silero VAD v5',
    lip_sync: 'MediaPipe Face Mesh plain (468-point) landmarks + Silero VAD v5 + RMS loudness',
  }),
  dataset: 'THEval evaluation set',
  source: 'THEval paper (arXiv 2511.04520, CVPR 2026 Findings), published GT row',
  values: Object.freeze({
    global_aesthetic: 4.6842,
    mouth_quality: 23.835,
    face_quality: 0.4425,
    lip_dynamics: 1.716603,
    head_motion: 18.46757,
    eyebrow_dynamics: 0.006777,
    silent_lip_stability: 0.0263,
    lip_sync: 0.2528,
  }),
});

export interface PublishedLeaderboard {
  models: string;
  dataset: string;
  source: string;
  /** Final normalised scores, as published (4 decimals), best first. */
  finals: ReadonlyArray<{ model: string; final: number }>;
  /** Spearman correlation of the final score with the user study (17 models). */
  userStudySpearman: number;
}

export const PUBLISHED_LEADERBOARD: PublishedLeaderboard = Object.freeze({
  models: REFERENCE_PIPELINE,
  dataset: 'THEval evaluation set',
  source: 'THEval paper (arXiv 2511.04520, CVPR 2026 Findings), leaderboard',
  finals: Object.freeze([
    { model: 'LivePortrait', final: 0.9345 },
    { model: 'X-Portrait', final: 0.8999 },
    { model: 'LIA-X', final: 0.8806 },
    { model: 'Hallo2', final: 0.8477 },
    { model: 'Echomimic', final: 0.8207 },
    { model: 'EmoPortrait', final: 0.8174 },
    { model: 'OmniAvatar', final: 0.8064 },
    { model: 'FLOAT', final: 0.7938 },
    { model: 'ControlTalk', final: 0.7885 },
    { model: 'Dimitra', final: 0.7467 },
    { model: 'SadTalker', final: 0.7319 },
    { model: 'MCNet', final: 0.7311 },
    { model: 'DaGAN', final: 0.714 },
    { model: 'FOM', final: 0.681 },
    { model: 'LIA', final: 0.6794 },
    { model: 'Real3DPortrait', final: 0.668 },
    { model: 'Wav2Lip', final: 0.6502 },
  ]),
  userStudySpearman: 0.87,
});

/**
 * A warning to show when numbers from `pipeline` (a description of the models/backends
 * that produced them) are put next to, or normalised by, the published ones; undefined
 * when the pipeline is the reference's.
 */
export function mixingWarning(pipeline: string): string | undefined {
  if (pipeline === REFERENCE_PIPELINE) return undefined;
  return (
    `the published THEval GT row and leaderboard come from ${REFERENCE_PIPELINE}; ` +
    `these numbers come from ${pipeline}, so normalising them by the published GT or ranking them ` +
    `against the published leaderboard is not a like-for-like comparison. Compute a GT row from real ` +
    `videos with the same pipeline.`
  );
}

/** The parts of a run's configuration (AnalysisConfig) that say which models produced a metric. */
export interface ProducedBy {
  quality?: { backend: { details?: Record<string, string> }; scorers: Partial<Record<string, string>> } | null;
  pose?: { name: string } | null;
}

/**
 * The metrics of a run whose numbers come from the reference's own models, so the published
 * GT value applies to them: pyiqa's topiq_iaa (global aesthetic), pyiqa 0.1.13's
 * topiq_nr-face (face quality; later pyiqa versions load other default weights), pyiqa's
 * musiq with the reference's padding (mouth quality; per-crop scores differ), FaceXFormer
 * (head motion). Everything else needs a GT row computed in the same run.
 */
export function publishedComparableMetrics(config: ProducedBy): MetricId[] {
  const out: MetricId[] = [];
  const s = config.quality?.scorers ?? {};
  const d = config.quality?.backend.details ?? {};
  if (s.global_aesthetic?.startsWith('pyiqa topiq_iaa ')) out.push('global_aesthetic');
  if (s.mouth_quality?.startsWith('pyiqa musiq ') && d.profile === 'reference') out.push('mouth_quality');
  if (s.face_quality?.startsWith('pyiqa topiq_nr-face ') && /^0\.1\.13\b/.test(d.pyiqa ?? '')) out.push('face_quality');
  if (config.pose?.name.startsWith('facexformer')) out.push('head_motion');
  return out;
}
