/**
 * Plain-loop ports of MediaPipe's CPU kernels (mediapipe/util/tflite/operations/
 * landmarks_to_transform_matrix.cc, transform_tensor_bilinear.cc, transform_landmarks.cc,
 * the v2 versions), kept line-by-line close to the C++ so they can judge the ONNX
 * subgraphs the converter writes (which use a different, vectorised formulation).
 */
export interface L2TMOptions {
  left_rotation_idx: number;
  right_rotation_idx: number;
  target_rotation_radians: number;
  output_height: number;
  output_width: number;
  scale_x: number;
  scale_y: number;
  subset_idxs: number[];
}

type Mat4 = number[]; // row-major 4x4, like the C++ Mat4

function mul4(a: Mat4, b: Mat4): Mat4 {
  const r = new Array<number>(16).fill(0);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s = Math.fround(s + Math.fround(a[i * 4 + k] * b[k * 4 + j]));
      r[i * 4 + j] = s;
    }
  return r;
}

/** landmarks: [N*3] (x,y,z per landmark) -> 16 floats. */
export function landmarksToTransformMatrixV2(o: L2TMOptions, lm: ArrayLike<number>): Float32Array {
  const rd = (i: number) => [lm[i * 3], lm[i * 3 + 1]];
  const [lx, ly] = rd(o.left_rotation_idx);
  const [rx, ry] = rd(o.right_rotation_idx);
  const rotation = o.target_rotation_radians - Math.atan2(ry - ly, rx - lx);
  // EstimateCenterAndSize
  const pairs: number[][] = [];
  for (let i = 0; i + 1 < o.subset_idxs.length; i += 2) pairs.push([o.subset_idxs[i], o.subset_idxs[i + 1]]);
  if (o.subset_idxs.length % 2) pairs.push([o.subset_idxs.at(-1)!, o.subset_idxs.at(-1)!]);
  const pts = pairs.flatMap(([a, b]) => [rd(a), rd(b)]);
  const cr = Math.cos(rotation);
  const sr = Math.sin(rotation);
  const rot = pts.map(([x, y]) => [cr * x - sr * y, sr * x + cr * y]);
  let maxX = rot[0][0];
  let maxY = rot[0][1];
  let minX = rot[0][0];
  let minY = rot[0][1];
  for (const [x, y] of rot) {
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
  }
  const cropW = maxX - minX;
  const cropH = maxY - minY;
  const mx = (minX + maxX) / 2;
  const my = (minY + maxY) / 2;
  const ci = Math.cos(-rotation);
  const si = Math.sin(-rotation);
  const cropX = ci * mx - si * my;
  const cropY = si * mx + ci * my;
  // LandmarksToTransformMatrixV2
  let t: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  t = mul4(t, [1, 0, 0, cropX, 0, 1, 0, cropY, 0, 0, 1, 0, 0, 0, 0, 1]);
  const r = -rotation;
  t = mul4(t, [Math.cos(r), -Math.sin(r), 0, 0, Math.sin(r), Math.cos(r), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const scaleX = (o.scale_x * cropW) / o.output_width;
  const scaleY = (o.scale_y * cropH) / o.output_height;
  t = mul4(t, [scaleX, 0, 0, 0, 0, scaleY, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  t = mul4(t, [1, 0, 0, -o.output_width / 2, 0, 1, 0, -o.output_height / 2, 0, 0, 1, 0, 0, 0, 0, 1]);
  return Float32Array.from(t);
}

/** input NHWC [1,H,W,C], matrix 16 floats -> NHWC [1,oh,ow,C]. */
export function transformTensorBilinearV2(
  input: ArrayLike<number>,
  [H, W, C]: [number, number, number],
  m: ArrayLike<number>,
  oh: number,
  ow: number,
): Float32Array {
  const out = new Float32Array(oh * ow * C);
  const xt = [m[0], m[1], m[2], m[3]];
  const yt = [m[4], m[5], m[6], m[7]];
  // Align-corners correction T -> S * (T * A), as in the C++.
  xt[3] += xt[0] * 0.5 + xt[1] * 0.5 - 0.5;
  yt[3] += yt[0] * 0.5 + yt[1] * 0.5 - 0.5;
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const tx = xt[0] * ox + xt[1] * oy + xt[3];
      const ty = yt[0] * ox + yt[1] * oy + yt[3];
      const outOfBound = tx < 0 || tx > W - 1 || ty < 0 || ty > H - 1;
      for (let c = 0; c < C; c++) {
        let result = 0;
        if (!outOfBound) {
          const read = (h: number, w: number) => (h < 0 || w < 0 || h >= H || w >= W ? 0 : input[(h * W + w) * C + c]);
          const fx = Math.floor(tx);
          const fy = Math.floor(ty);
          const q11 = read(fy, fx);
          const q21 = read(fy, fx + 1);
          const q12 = read(fy + 1, fx);
          const q22 = read(fy + 1, fx + 1);
          const right = tx - fx;
          const lower = ty - fy;
          const upper = (1 - right) * q11 + right * q21;
          const low = (1 - right) * q12 + right * q22;
          result = lower * low + (1 - lower) * upper;
        }
        out[(oy * ow + ox) * C + c] = result;
      }
    }
  return out;
}

/** points [N*2], matrix 16 floats -> [N*2]. */
export function transformLandmarksV2(pts: ArrayLike<number>, m: ArrayLike<number>): Float32Array {
  const out = new Float32Array(pts.length);
  for (let i = 0; i < pts.length / 2; i++) {
    const x = pts[2 * i];
    const y = pts[2 * i + 1];
    out[2 * i] = m[0] * x + m[1] * y + m[3];
    out[2 * i + 1] = m[4] * x + m[5] * y + m[7];
  }
  return out;
}
