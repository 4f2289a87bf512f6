/**
 * Head pose (pitch, yaw, roll in degrees) from MediaPipe face landmarks: a weighted
 * similarity fit of MediaPipe's canonical face geometry (native/face/pose.cc).
 * Conventions, method and measured accuracy: docs/pose.md.
 *
 *   yaw   > 0: the head turns to its own left (nose tip towards image right)
 *   pitch > 0: chin up (nose tip moves up in the image)
 *   roll  > 0: clockwise in the image (top of the head towards image right)
 *   R = Rz(-roll) * Ry(yaw) * Rx(-pitch) in MediaPipe's metric frame (x right, y up, z to the camera).
 */
import { fromNative, TheValError } from '../errors.js';
import { native, type NativePoseDetails, type NativePoseOptions } from '../native.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../tracks.js';

export interface PoseOptions extends NativePoseOptions {
  /** The prepared canonical geometry: `prepareFaceModels(...).geometry` (face_geometry.json). */
  geometryPath: string;
}

export type PoseDetails = NativePoseDetails;

/** MediaPipe's own virtual camera (geometry pipeline default environment). */
export const MEDIAPIPE_VERTICAL_FOV_DEGREES = 63;

function check(landmarks: Float32Array, width: number, height: number, options: PoseOptions): NativePoseOptions {
  if (!(landmarks instanceof Float32Array))
    throw new TheValError('BAD_ARGUMENT', 'estimatePose: landmarks must be a Float32Array (T x points x 3)');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new TheValError('BAD_ARGUMENT', `estimatePose: width and height must be positive integers (got ${width} x ${height})`);
  if (!options || typeof options.geometryPath !== 'string' || options.geometryPath === '')
    throw new TheValError('BAD_ARGUMENT', 'estimatePose: options.geometryPath (face_geometry.json from prepareFaceModels) is required');
  const points = options.points ?? PLAIN_POINTS;
  if (points !== PLAIN_POINTS && points !== REFINED_POINTS)
    throw new TheValError('BAD_ARGUMENT', `estimatePose: points must be ${PLAIN_POINTS} or ${REFINED_POINTS}`);
  if (landmarks.length % (points * 3) !== 0)
    throw new TheValError('BAD_ARGUMENT', `estimatePose: landmarks length ${landmarks.length} is not a multiple of ${points} x 3`);
  const weights = options.weights ?? 'upper';
  if (weights !== 'procrustes' && weights !== 'uniform' && weights !== 'upper')
    throw new TheValError('BAD_ARGUMENT', `estimatePose: weights must be 'procrustes', 'uniform' or 'upper'`);
  const fov = options.verticalFovDegrees ?? 0;
  if (!(Number.isFinite(fov) && fov >= 0 && fov < 180))
    throw new TheValError('BAD_ARGUMENT', 'estimatePose: verticalFovDegrees must be 0 (weak perspective) or in (0, 180)');
  const fitDepthScale = options.fitDepthScale ?? false;
  if (typeof fitDepthScale !== 'boolean') throw new TheValError('BAD_ARGUMENT', 'estimatePose: fitDepthScale must be a boolean');
  return { weights, verticalFovDegrees: fov, fitDepthScale, points };
}

/**
 * Pose per frame: `landmarks` is T x points x 3 in MediaPipe's normalised form (x, y in
 * 0..1 of the width x height frame, z in x's scale). Returns T x 3 (pitch, yaw, roll,
 * degrees); frames with any non-finite landmark give NaN. Synchronous: 2 to 40 microseconds
 * per frame depending on the options (docs/pose.md), so a 10,000-frame video takes well under a second.
 */
export function estimatePose(landmarks: Float32Array, width: number, height: number, options: PoseOptions): Float32Array {
  const o = check(landmarks, width, height, options);
  try {
    return native().estimatePose(landmarks, width, height, options.geometryPath, o);
  } catch (e) {
    throw fromNative(e);
  }
}

/** As estimatePose, with the rotation matrix, scale, translation and fit residual per frame. */
export function estimatePoseDetails(
  landmarks: Float32Array,
  width: number,
  height: number,
  options: PoseOptions,
): PoseDetails {
  const o = check(landmarks, width, height, options);
  try {
    return native().estimatePoseDetails(landmarks, width, height, options.geometryPath, o);
  } catch (e) {
    throw fromNative(e);
  }
}
