/**
 * MediaPipe's three custom TFLite ops of face_landmark_with_attention.tflite, written as
 * standard ONNX subgraphs. Semantics follow mediapipe/util/tflite/operations/*.cc (the
 * "v2" kernels the model is registered with):
 *
 * - Landmarks2TransformMatrix (landmarks [1,N,3] -> [1,4,4]): rotation from two landmarks
 *   (angle = target - atan2(dy, dx)), bounding box of a landmark subset in the rotated
 *   frame, then T = Shift(center) * Rot(-angle) * Scale(scale * box / out) * Shift(-out/2).
 *   ONNX has no atan2: cos/sin of the angle come from dx, dy / hypot (same values up to
 *   rounding; undefined only when the two landmarks coincide).
 * - TransformTensorBilinear (features [1,H,W,C], matrix -> [1,oh,ow,C]): each output pixel
 *   (x, y) samples the input bilinearly at T * (x + 0.5, y + 0.5) - 0.5, and is 0 when that
 *   point lies outside [0, W-1] x [0, H-1]. Written as a matrix product with "tent" weights
 *   relu(1 - |t - i|), which are exactly the bilinear weights, so no GridSample is needed.
 * - TransformLandmarks (points [1,N,2], matrix -> [1,N,2]): (x, y) -> T * (x, y, 0, 1).
 */
import { OnnxType } from './onnx.js';
import { decodeFlexBuffer, type FlexValue } from './flexbuffer.js';
import { UnsupportedOpError, type CustomOpHandler, type GraphBuilder } from './convert.js';
import type { TfliteOperator } from './schema.js';

function options(op: TfliteOperator): Record<string, FlexValue> {
  if (!op.customOptions || op.customOptions.length === 0) return {};
  const v = decodeFlexBuffer(op.customOptions);
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new UnsupportedOpError(op.opName, 'custom options are not a flexbuffer map');
  return v;
}

function num(o: Record<string, FlexValue>, key: string, op: TfliteOperator): number {
  const v = o[key];
  if (typeof v !== 'number') throw new UnsupportedOpError(op.opName, `option ${key} missing`);
  return v;
}

/** Small helpers over GraphBuilder for scalar-ish arithmetic. */
class Ops {
  constructor(
    private readonly g: GraphBuilder,
    private readonly prefix: string,
  ) {}
  private out(tag: string): string {
    return this.g.freshName(`${this.prefix}_${tag}`);
  }
  op(type: string, inputs: string[], attrs?: Record<string, number | number[]>, tag = type.toLowerCase()): string {
    const o = this.out(tag);
    this.g.node(type, inputs, [o], attrs);
    return o;
  }
  f(values: number[], dims: number[] = [values.length]): string {
    return this.g.init(`${this.prefix}_c`, dims, Float32Array.from(values));
  }
  i64(values: number[]): string {
    return this.g.initInt64(`${this.prefix}_i`, values);
  }
  gather(x: string, idx: number[], axis: number): string {
    return this.op('Gather', [x, this.i64(idx)], { axis });
  }
  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.i64(shape)]);
  }
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  scale(a: string, k: number): string {
    return this.mul(a, this.f([k], []));
  }
}

const landmarksToTransformMatrix: CustomOpHandler = (g, op) => {
  const o = options(op);
  const left = num(o, 'left_rotation_idx', op);
  const right = num(o, 'right_rotation_idx', op);
  const target = num(o, 'target_rotation_radians', op);
  const outW = num(o, 'output_width', op);
  const outH = num(o, 'output_height', op);
  const scaleX = num(o, 'scale_x', op);
  const scaleY = num(o, 'scale_y', op);
  const subset = o.subset_idxs;
  if (!Array.isArray(subset) || subset.length === 0 || subset.some((x) => typeof x !== 'number'))
    throw new UnsupportedOpError(op.opName, 'subset_idxs missing');
  const shape = g.tensor(op.inputs[0]).shape;
  if (shape.length !== 3 || shape[0] !== 1 || shape[2] < 2) throw new UnsupportedOpError(op.opName, `input shape ${shape}`);
  const n = shape[1];
  for (const i of [left, right, ...(subset as number[])])
    if (i < 0 || i >= n) throw new UnsupportedOpError(op.opName, `landmark index ${i} outside ${n}`);

  const x = new Ops(g, `l2tm${op.index}`);
  const L = x.reshape(g.asNative(op.inputs[0]), [n, shape[2]]);
  const xy = x.gather(L, [0, 1], 1); // [n,2]
  const d = x.sub(x.gather(xy, [right], 0), x.gather(xy, [left], 0)); // [1,2]
  const dx = x.gather(d, [0], 1); // [1,1]
  const dy = x.gather(d, [1], 1);
  const hyp = x.op('Sqrt', [x.add(x.mul(dx, dx), x.mul(dy, dy))]);
  const cosT = x.op('Div', [dx, hyp]);
  const sinT = x.op('Div', [dy, hyp]);
  // rotation = target - theta
  const c = x.add(x.scale(cosT, Math.cos(target)), x.scale(sinT, Math.sin(target)));
  const s = x.sub(x.scale(cosT, Math.sin(target)), x.scale(sinT, Math.cos(target)));

  const S = x.gather(xy, subset as number[], 0); // [K,2]
  const sx = x.gather(S, [0], 1); // [K,1]
  const sy = x.gather(S, [1], 1);
  const rx = x.sub(x.mul(c, sx), x.mul(s, sy));
  const ry = x.add(x.mul(s, sx), x.mul(c, sy));
  const red = (t: string, kind: 'ReduceMax' | 'ReduceMin') => x.op(kind, [t], { axes: [0], keepdims: 1 });
  const maxX = red(rx, 'ReduceMax');
  const minX = red(rx, 'ReduceMin');
  const maxY = red(ry, 'ReduceMax');
  const minY = red(ry, 'ReduceMin');
  const w = x.sub(maxX, minX);
  const h = x.sub(maxY, minY);
  const mx = x.scale(x.add(minX, maxX), 0.5);
  const my = x.scale(x.add(minY, maxY), 0.5);
  // centre rotated back by -rotation
  const cx = x.add(x.mul(c, mx), x.mul(s, my));
  const cy = x.sub(x.mul(c, my), x.mul(s, mx));

  const scX = x.scale(w, scaleX / outW);
  const scY = x.scale(h, scaleY / outH);
  const a00 = x.mul(c, scX);
  const a01 = x.mul(s, scY);
  const a10 = x.op('Neg', [x.mul(s, scX)]);
  const a11 = x.mul(c, scY);
  const a03 = x.sub(x.sub(cx, x.scale(a00, outW / 2)), x.scale(a01, outH / 2));
  const a13 = x.sub(x.sub(cy, x.scale(a10, outW / 2)), x.scale(a11, outH / 2));
  const zero = x.f([0], [1, 1]);
  const one = x.f([1], [1, 1]);
  const flat = x.op('Concat', [a00, a01, zero, a03, a10, a11, zero, a13, zero, zero, one, zero, zero, zero, zero, one], {
    axis: 1,
  });
  const out = x.reshape(flat, [1, 4, 4]);
  g.setValue(op.outputs[0], out, 'native');
};

const transformTensorBilinear: CustomOpHandler = (g, op) => {
  const o = options(op);
  const [fi, mi] = op.inputs;
  const [, H, W, C] = g.tensor(fi).shape;
  const outShape = g.tensor(op.outputs[0]).shape;
  const oh = o.output_height === undefined ? outShape[1] : num(o, 'output_height', op);
  const ow = o.output_width === undefined ? outShape[2] : num(o, 'output_width', op);
  if (outShape[1] !== oh || outShape[2] !== ow || outShape[3] !== C)
    throw new UnsupportedOpError(op.opName, `output shape ${outShape} vs options ${oh}x${ow}`);
  const P = oh * ow;
  const x = new Ops(g, `ttb${op.index}`);

  const m = x.reshape(g.asNative(mi), [16]);
  const A = x.reshape(x.gather(m, [0, 1, 3, 4, 5, 7], 0), [2, 3]);
  const grid: number[] = [];
  for (let r = 0; r < 3; r++)
    for (let p = 0; p < P; p++) grid.push(r === 0 ? (p % ow) + 0.5 : r === 1 ? Math.floor(p / ow) + 0.5 : 1);
  const tc = x.sub(x.op('MatMul', [A, x.f(grid, [3, P])]), x.f([0.5], []));
  const tcx = x.gather(tc, [0], 0); // [1,P]
  const tcy = x.gather(tc, [1], 0);

  const tent = (t: string, size: number): string => {
    const idx = x.f(Array.from({ length: size }, (_, i) => i), [size, 1]);
    return x.op('Relu', [x.sub(x.f([1], []), x.op('Abs', [x.sub(t, idx)]))]); // [size,P]
  };
  const wx = tent(tcx, W);
  const wy = tent(tcy, H);
  const inside = (t: string, max: number) =>
    x.op('And', [x.op('GreaterOrEqual', [t, x.f([0], [])]), x.op('LessOrEqual', [t, x.f([max], [])])]);
  const mask = x.op('Cast', [x.op('And', [inside(tcx, W - 1), inside(tcy, H - 1)])], { to: OnnxType.FLOAT }); // [1,P]
  const wxy = x.reshape(x.mul(x.reshape(wy, [H, 1, P]), x.reshape(wx, [1, W, P])), [H * W, P]);
  const weights = x.mul(wxy, mask);

  const feat = x.reshape(g.asNchw(fi), [C, H * W]);
  const out = x.reshape(x.op('MatMul', [feat, weights]), [1, C, oh, ow]);
  g.setValue(op.outputs[0], out, 'nchw');
};

const transformLandmarks: CustomOpHandler = (g, op) => {
  const [li, mi] = op.inputs;
  const shape = g.tensor(li).shape;
  if (shape.length !== 3 || shape[2] !== 2)
    throw new UnsupportedOpError(op.opName, `only [1,N,2] landmarks (got ${shape})`);
  const x = new Ops(g, `tl${op.index}`);
  const m = x.reshape(g.asNative(mi), [16]);
  const At = x.reshape(x.gather(m, [0, 4, 1, 5], 0), [2, 2]);
  const t = x.gather(m, [3, 7], 0);
  const out = x.add(x.op('MatMul', [g.asNative(li), At]), t);
  g.setValue(op.outputs[0], out, 'native');
};

export const MEDIAPIPE_CUSTOM_OPS: Record<string, CustomOpHandler> = {
  Landmarks2TransformMatrix: landmarksToTransformMatrix,
  TransformTensorBilinear: transformTensorBilinear,
  TransformLandmarks: transformLandmarks,
};
