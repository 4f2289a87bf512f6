/**
 * The eight THEval metrics by id, with what the rest of the package needs to know about
 * each: the reference's display name (aggregate-table column), group, which landmark
 * model feeds it, the reference's per-metric CSV layout, accepted column aliases, and
 * (for the metrics computed from tracks) the compute function. Quality metrics are scored
 * by a QualityScorer elsewhere; their entries only describe them (compute is undefined).
 */
import type { AudioTracks, FaceTracks } from '../tracks.js';
import { eyebrowDynamics } from './eyebrowDynamics.js';
import { headMotion } from './headMotion.js';
import { lipDynamics } from './lipDynamics.js';
import { lipSync } from './lipSync.js';
import { silentLipStability } from './silentLipStability.js';
import type { MetricGroup, MetricId, MetricResult } from './types.js';

export type { MetricGroup, MetricId, MetricResult } from './types.js';

export interface MetricInput {
  face: FaceTracks;
  audio: AudioTracks;
}

export interface ReferenceCsvFormat {
  /** Columns after `Video Path`; the last one is the metric value. */
  columns: readonly string[];
  /** Summary label, e.g. `Average STD Over Time:`. */
  summaryLabel: string;
  /** 'text': one cell `<label> <value>`; 'row': two cells `<label>,<value>` (silent lip stability). */
  summaryStyle: 'text' | 'row';
}

export interface MetricSpec {
  id: MetricId;
  /** 1..8, the paper's numbering (and the aggregate table's column order). */
  index: number;
  /** The reference's aggregate-table column name. */
  name: string;
  group: MetricGroup;
  /** Which landmark model feeds it ('refined' = 478-point attention model, points 0..467 used). */
  landmarks: 'refined' | 'plain' | 'none';
  needsAudio: boolean;
  /** Per-video value for a video without what it measures: 'nan' or the reference's 0.0. */
  emptyValue: 'nan' | 'zero';
  csv: ReferenceCsvFormat;
  /** Extra accepted column names (compared after normaliseName). */
  aliases: readonly string[];
  compute?: (input: MetricInput) => MetricResult;
}

export const METRICS: readonly MetricSpec[] = [
  {
    id: 'global_aesthetic', index: 1, name: 'Global aesthetic', group: 'quality', landmarks: 'none', needsAudio: false, emptyValue: 'nan',
    csv: { columns: ['Aesthetic_Score'], summaryLabel: 'Overall Average Aesthetics:', summaryStyle: 'text' },
    aliases: ['aesthetic', 'aesthetics', 'aesthetic_score', 'global_aesthetic_score', 'global_aesthetics'],
  },
  {
    id: 'mouth_quality', index: 2, name: 'Mouth quality', group: 'quality', landmarks: 'plain', needsAudio: false, emptyValue: 'nan',
    csv: { columns: ['Quality_Score'], summaryLabel: 'Overall Average Quality:', summaryStyle: 'text' },
    aliases: ['mouth_quality_score', 'mouth_iqa'],
  },
  {
    id: 'face_quality', index: 3, name: 'Face quality', group: 'quality', landmarks: 'none', needsAudio: false, emptyValue: 'nan',
    csv: { columns: ['Quality_Score'], summaryLabel: 'Overall Average Quality:', summaryStyle: 'text' },
    aliases: ['face_quality_score', 'face_iqa'],
  },
  {
    id: 'lip_dynamics', index: 4, name: 'Lip dynamics', group: 'naturalness', landmarks: 'refined', needsAudio: false, emptyValue: 'zero',
    csv: { columns: ['Std_Over_Time'], summaryLabel: 'Average STD Over Time:', summaryStyle: 'text' },
    aliases: ['std_over_time', 'mouth_movement_diversity'],
    compute: ({ face }) => lipDynamics(face),
  },
  {
    id: 'head_motion', index: 5, name: 'Head motion dynamics', group: 'naturalness', landmarks: 'none', needsAudio: false, emptyValue: 'nan',
    csv: {
      columns: ['Pitch Smoothness', 'Yaw Smoothness', 'Roll Smoothness', 'Head Motion Dynamics'],
      summaryLabel: 'Mean head motion dynamics:',
      summaryStyle: 'text',
    },
    aliases: ['head_motion', 'head_motion_dynamic'],
    compute: ({ face }) => headMotion(face),
  },
  {
    id: 'eyebrow_dynamics', index: 6, name: 'Eyebrow dynamics', group: 'naturalness', landmarks: 'refined', needsAudio: false, emptyValue: 'zero',
    csv: { columns: ['Micro-Expression Intensity'], summaryLabel: 'Average Micro-Expression Intensity:', summaryStyle: 'text' },
    aliases: ['micro_expression_intensity', 'eyebrow', 'eyebrow_dynamic'],
    compute: ({ face }) => eyebrowDynamics(face),
  },
  {
    id: 'silent_lip_stability', index: 7, name: 'Silent lip stability', group: 'synchronization', landmarks: 'refined', needsAudio: true, emptyValue: 'nan',
    csv: { columns: ['Silent MAD'], summaryLabel: 'Average Silent MAD:', summaryStyle: 'row' },
    aliases: ['silent_mad', 'silent_lip_mad'],
    compute: ({ face, audio }) => silentLipStability(face, audio),
  },
  {
    id: 'lip_sync', index: 8, name: 'Lip sync', group: 'synchronization', landmarks: 'plain', needsAudio: true, emptyValue: 'nan',
    csv: { columns: ['Mean_Difference'], summaryLabel: 'Average Mean Difference:', summaryStyle: 'text' },
    aliases: ['mean_difference', 'lipsync', 'lip_sync_difference'],
    compute: ({ face, audio }) => lipSync(face, audio),
  },
];

export const METRIC_IDS: readonly MetricId[] = METRICS.map((m) => m.id);

export const GROUPS: Readonly<Record<MetricGroup, readonly MetricId[]>> = {
  quality: ['global_aesthetic', 'mouth_quality', 'face_quality'],
  naturalness: ['lip_dynamics', 'head_motion', 'eyebrow_dynamics'],
  synchronization: ['silent_lip_stability', 'lip_sync'],
};

export function getMetric(id: MetricId): MetricSpec {
  const m = METRICS.find((x) => x.id === id);
  if (!m) throw new RangeError(`unknown metric id '${id}'`);
  return m;
}

/** Case and punctuation insensitive key: lower case, letters and digits only. */
export function normaliseName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Column names the reference uses for both mouth and face quality; a table or file
 * that only says this cannot say which metric it is.
 */
export const AMBIGUOUS_NAMES: readonly string[] = ['quality_score', 'quality', 'Quality_Score'];

/**
 * The metric a column name means: the id, the display name, the reference CSV value
 * column or an alias, compared case and punctuation insensitively. Returns undefined for
 * an unknown name; throws for `Quality_Score`, which means mouth or face quality.
 */
export function metricForName(name: string): MetricId | undefined {
  const key = normaliseName(name);
  if (AMBIGUOUS_NAMES.some((a) => normaliseName(a) === key)) {
    throw new RangeError(
      `column '${name}' is ambiguous: the reference writes Quality_Score for both mouth and face quality; ` +
        `name the column 'Mouth quality' or 'Face quality'`,
    );
  }
  for (const m of METRICS) {
    const names = [m.id, m.name, ...m.aliases];
    if (m.csv.columns.length === 1 || m.id === 'head_motion') names.push(m.csv.columns[m.csv.columns.length - 1]);
    if (names.some((n) => normaliseName(n) === key)) return m.id;
  }
  return undefined;
}
