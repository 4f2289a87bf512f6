/**
 * Per-video tracks: what the native face and audio passes hand to the metric layer.
 * All arrays are frame-major (frame t first). "No face" is NaN in every float array.
 * These are the shapes every metric in lib/metrics/ reads; keep them stable.
 */
export interface FaceTracks {
  /** Average frame rate of the video stream. */
  fps: number;
  /** Displayed frame size in pixels (after rotation metadata is applied). */
  width: number;
  height: number;
  /** Number of decoded frames T. */
  frames: number;
  /** T x 468 x 3 (plain MediaPipe face_landmark model): x, y normalised to 0..1 of the frame, z as MediaPipe scales it. NaN where no face. */
  landmarks: Float32Array;
  /** T x 478 x 3 (refined, face_landmark_with_attention). NaN where no face. */
  refined: Float32Array;
  /** T x 4: x0, y0, x1, y1 of the face box in pixels of the displayed frame. NaN where no face. */
  box: Float32Array;
  /** T x 3: pitch, yaw, roll in degrees. NaN where no face. */
  pose: Float32Array;
  /**
   * Optional (the motion diagnostics, docs/diagnostics.md): T x 4 per frame pair (t-1, t),
   * stored at t: frame difference (8-bit units), face warping error (grey levels), background
   * motion and face motion (pixels per frame). NaN at t = 0 and where t-1 has no face.
   */
  motion?: Float32Array;
}

export interface AudioTracks {
  /**
   * False when the video has no audio stream, or one that decodes to no sample (sync metrics
   * are then NaN with reason 'no audio'; AudioAnalysis.reason tells which).
   */
  hasAudio: boolean;
  /** Speech segments in seconds, bounds rounded to 0.1 s (Silero VAD v5, reference defaults). */
  speech: Array<[number, number]>;
  /** Audio RMS loudness interpolated at each video frame time t/fps (length T). */
  rms: Float32Array;
}

export const PLAIN_POINTS = 468;
export const REFINED_POINTS = 478;
