/**
 * The diagnostics by id (docs/diagnostics.md): reported in results.jsonl, their own CSVs,
 * aggregate.csv and summary.json next to the eight THEval metrics, never part of the final
 * score. Adding one is adding a file and an entry here.
 */
import { avOffset } from './avOffset.js';
import { frameDifference } from './frameDifference.js';
import { backgroundMotion, backgroundMotionRelative, faceWarpingError } from './motion.js';
import type { DiagnosticId, DiagnosticSpec } from './types.js';

export type { DiagnosticId, DiagnosticInput, DiagnosticSpec } from './types.js';

export const DIAGNOSTICS: readonly DiagnosticSpec[] = [
  {
    id: 'face_warping_error', name: 'Face warping error', unit: 'grey levels (0-255)', better: 'lower', needsMotion: true, needsAudio: false,
    compute: ({ face }) => faceWarpingError(face),
  },
  {
    id: 'background_motion', name: 'Background motion', unit: 'pixels per frame', better: 'lower', needsMotion: true, needsAudio: false,
    compute: ({ face }) => backgroundMotion(face),
  },
  {
    id: 'background_motion_relative', name: 'Background motion relative', unit: 'ratio (background / face motion)', better: 'lower', needsMotion: true, needsAudio: false,
    compute: ({ face }) => backgroundMotionRelative(face),
  },
  {
    id: 'av_offset', name: 'Audio-video offset', unit: 'milliseconds (positive = audio late)', better: 'zero', needsMotion: false, needsAudio: true,
    compute: ({ face, audio, audioReason }) => (audio ? avOffset(face, audio) : { value: NaN, reason: audioReason ?? 'no audio' }),
  },
  {
    id: 'frame_difference', name: 'Frame difference', unit: '8-bit levels (0-255)', better: 'lower', needsMotion: true, needsAudio: false,
    compute: ({ face }) => frameDifference(face),
  },
];

export const DIAGNOSTIC_IDS: readonly DiagnosticId[] = DIAGNOSTICS.map((d) => d.id);

export function getDiagnostic(id: DiagnosticId): DiagnosticSpec {
  const d = DIAGNOSTICS.find((x) => x.id === id);
  if (!d) throw new RangeError(`unknown diagnostic id '${id}'`);
  return d;
}
