/**
 * Diagnostics: numbers reported next to THEval's eight metrics but not part of its final
 * score (docs/diagnostics.md). Each says what it measures, its unit and which way is better.
 */
import type { MetricResult } from '../metrics/types.js';
import type { AudioTracks, FaceTracks } from '../tracks.js';

export type DiagnosticId =
  | 'face_warping_error'
  | 'background_motion'
  | 'background_motion_relative'
  | 'av_offset'
  | 'frame_difference';

export interface DiagnosticInput {
  face: FaceTracks;
  /** null when the video has no usable audio (the audio diagnostics are then NaN with `audioReason`). */
  audio: AudioTracks | null;
  audioReason?: string;
}

export interface DiagnosticSpec {
  id: DiagnosticId;
  /** Column name in aggregate.csv and the per-diagnostic CSV. */
  name: string;
  unit: string;
  /** 'lower' = lower is better; 'zero' = closer to 0 is better (a signed offset). */
  better: 'lower' | 'zero';
  /** Needs the motion track of the face pass (native optical flow / frame difference). */
  needsMotion: boolean;
  needsAudio: boolean;
  compute(input: DiagnosticInput): MetricResult;
}
