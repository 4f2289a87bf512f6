/**
 * Synthetic MediaPipe-style landmarks with exact head-pose truth (test/pose.test.ts,
 * bench/pose-accuracy.ts). Written independently of native/face/pose.cc: the rotation is
 * composed from its definition (docs/pose.md), the projection follows MediaPipe's
 * normalised landmark form.
 */
import { readFileSync } from 'node:fs';
import type { FaceGeometryJson } from '../../lib/models/faceGeometry.js';
import { mulberry32 } from '../../lib/util/random.js';

export type Mat3 = [number, number, number, number, number, number, number, number, number];
export type Vec3 = [number, number, number];

const D2R = Math.PI / 180;

export function loadGeometry(p: string): FaceGeometryJson {
  return JSON.parse(readFileSync(p, 'utf8')) as FaceGeometryJson;
}

export function mul(a: Mat3, b: Mat3): Mat3 {
  const o = new Array(9).fill(0) as Mat3;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) o[3 * r + c] += a[3 * r + k] * b[3 * k + c];
  return o;
}
export const rotX = (a: number): Mat3 => [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
export const rotY = (a: number): Mat3 => [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)];
export const rotZ = (a: number): Mat3 => [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];

/** The documented head rotation: R = Rz(-roll) Ry(yaw) Rx(-pitch), metric frame (x right, y up, z to the camera). */
export function headRotation(pitchDeg: number, yawDeg: number, rollDeg: number): Mat3 {
  return mul(rotZ(-rollDeg * D2R), mul(rotY(yawDeg * D2R), rotX(-pitchDeg * D2R)));
}

export function apply(R: Mat3, v: ArrayLike<number>, i = 0): Vec3 {
  const x = v[3 * i], y = v[3 * i + 1], z = v[3 * i + 2];
  return [R[0] * x + R[1] * y + R[2] * z, R[3] * x + R[4] * y + R[5] * z, R[6] * x + R[7] * y + R[8] * z];
}

/** Head-centred vertices in the image-aligned frame (x right, y down, z away from the camera), cm. */
function toCameraAxes(vertices: ArrayLike<number>, R: Mat3): Float64Array {
  const n = vertices.length / 3;
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p = apply(R, vertices, i);
    out[3 * i] = p[0];
    out[3 * i + 1] = -p[1];
    out[3 * i + 2] = -p[2];
  }
  return out;
}

/**
 * Weak perspective: pixel = s * (x, -y, -z) of the rotated mesh + (tx, ty, tz); MediaPipe
 * form x/W, y/H, z/W.
 */
export function projectWeak(
  vertices: ArrayLike<number>,
  R: Mat3,
  s: number,
  t: Vec3,
  W: number,
  H: number,
): Float32Array {
  const c = toCameraAxes(vertices, R);
  const n = c.length / 3;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = (s * c[3 * i] + t[0]) / W;
    out[3 * i + 1] = (s * c[3 * i + 1] + t[1]) / H;
    out[3 * i + 2] = (s * c[3 * i + 2] + t[2]) / W;
  }
  return out;
}

/**
 * A pinhole camera (vertical field of view `fovDeg`, principal point at the frame centre,
 * x right, y down, z forward). The head's canonical origin sits at T (cm, camera frame).
 * x, y: exact perspective projection. z (MediaPipe's relative depth, "origin at the centre
 * of the head, same scale as x"): (Z - T.z) * f / T.z pixels.
 */
export function projectPerspective(
  vertices: ArrayLike<number>,
  R: Mat3,
  T: Vec3,
  fovDeg: number,
  W: number,
  H: number,
): Float32Array {
  const f = (0.5 * H) / Math.tan(0.5 * fovDeg * D2R);
  const c = toCameraAxes(vertices, R);
  const n = c.length / 3;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const X = c[3 * i] + T[0], Y = c[3 * i + 1] + T[1], Z = c[3 * i + 2] + T[2];
    out[3 * i] = (f * (X / Z) + W / 2) / W;
    out[3 * i + 1] = (f * (Y / Z) + H / 2) / H;
    out[3 * i + 2] = (f * (Z - T[2])) / T[2] / W;
  }
  return out;
}

/** Seeded PRNG (mulberry32) and a standard normal. */
export const rng = mulberry32;
export function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * A crude jaw opening on the canonical mesh (cm): every vertex below the lip line
 * (y < -4.2) turns about a horizontal hinge axis at (y = 0, z = -2) by up to `deg`
 * (full angle from 0.5 cm below the lip line), chin moving down and back.
 */
export function openJaw(vertices: ArrayLike<number>, deg: number): Float64Array {
  const out = Float64Array.from(vertices);
  const n = out.length / 3;
  for (let i = 0; i < n; i++) {
    const y = out[3 * i + 1], z = out[3 * i + 2];
    const wgt = Math.min(1, Math.max(0, (-4.2 - y) / 0.5));
    if (wgt <= 0) continue;
    const a = -deg * D2R * wgt; // negative about +x: the chin moves down and back
    const dy = y - 0, dz = z + 2;
    out[3 * i + 1] = dy * Math.cos(a) - dz * Math.sin(a);
    out[3 * i + 2] = dy * Math.sin(a) + dz * Math.cos(a) - 2;
  }
  return out;
}
