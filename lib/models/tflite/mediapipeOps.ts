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
 *
 * The subgraphs keep to what OpenCV 4.6's ONNX importer handles (checked op by op): no
 * multi-index Gather (picks are MatMuls with constant 0/1 matrices), no comparison ops
 * (the out-of-bounds test is ceil of a relu distance), MatMul only with a runtime first
 * operand, no broadcasting beyond scalars (outer sums are MatMuls with [t, 1]), and a
 * distinct initializer for every constant Concat input.
 */
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

/** A constant [rows, cols] selection matrix: column k takes `picks[k]` (index -> weight). */
function selection(rows: number, picks: Record<number, number>[]): { dims: number[]; values: number[] } {
  const cols = picks.length;
  const values = new Array<number>(rows * cols).fill(0);
  picks.forEach((pick, k) => {
    for (const [r, w] of Object.entries(pick)) values[Number(r) * cols + k] += w;
  });
  return { dims: [rows, cols], values };
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
  const [, n, dims] = shape;
  for (const i of [left, right, ...(subset as number[])])
    if (i < 0 || i >= n) throw new UnsupportedOpError(op.opName, `landmark index ${i} outside ${n}`);

  const x = new Ops(g, `l2tm${op.index}`);
  // Flat landmarks [1, n*dims]; every pick is a product with a constant selection matrix
  // (OpenCV 4.6 dnn has no multi-index Gather).
  const flat = x.reshape(g.asNative(op.inputs[0]), [1, n * dims]);
  const pickMat = (picks: Record<number, number>[]) => {
    const sel = selection(n * dims, picks);
    return x.op('MatMul', [flat, x.f(sel.values, sel.dims)]);
  };
  const d = pickMat([
    { [right * dims]: 1, [left * dims]: -1 },
    { [right * dims + 1]: 1, [left * dims + 1]: -1 },
  ]); // [1,2] = (dx, dy)
  const col = (t: string, k: number) => x.op('Slice', [t, x.i64([k]), x.i64([k + 1]), x.i64([1])]);
  const row = (t: string, k: number) => x.op('Slice', [t, x.i64([k]), x.i64([k + 1]), x.i64([0])]);
  const dx = col(d, 0); // [1,1]
  const dy = col(d, 1);
  const hyp = x.op('Sqrt', [x.add(x.mul(dx, dx), x.mul(dy, dy))]);
  const cosT = x.op('Div', [dx, hyp]);
  const sinT = x.op('Div', [dy, hyp]);
  // rotation = target - theta
  const c = x.add(x.scale(cosT, Math.cos(target)), x.scale(sinT, Math.sin(target)));
  const s = x.sub(x.scale(cosT, Math.sin(target)), x.scale(sinT, Math.cos(target)));
  const negS = x.scale(s, -1);
  const mat2 = (a: string, b: string, cc: string, dd: string) => x.reshape(x.op('Concat', [a, b, cc, dd], { axis: 1 }), [2, 2]);

  // Subset points as columns [2,K], rotated by `rotation`, then their box in that frame.
  const pts = x.reshape(
    pickMat((subset as number[]).map((i) => ({ [i * dims]: 1 }))),
    [1, subset.length],
  );
  const ptsY = x.reshape(pickMat((subset as number[]).map((i) => ({ [i * dims + 1]: 1 }))), [1, subset.length]);
  const P2 = x.op('Concat', [pts, ptsY], { axis: 0 }); // [2,K]
  const rotated = x.op('MatMul', [mat2(c, negS, s, c), P2]);
  const max = x.op('ReduceMax', [rotated], { axes: [1], keepdims: 1 }); // [2,1]
  const min = x.op('ReduceMin', [rotated], { axes: [1], keepdims: 1 });
  const size = x.sub(max, min);
  const mid = x.scale(x.add(min, max), 0.5);
  const center = x.op('MatMul', [mat2(c, s, negS, c), mid]); // rotated back by -rotation
  const cx = row(center, 0);
  const cy = row(center, 1);

  const scX = x.scale(row(size, 0), scaleX / outW);
  const scY = x.scale(row(size, 1), scaleY / outH);
  const a00 = x.mul(c, scX);
  const a01 = x.mul(s, scY);
  const a10 = x.mul(negS, scX);
  const a11 = x.mul(c, scY);
  const a03 = x.sub(x.sub(cx, x.scale(a00, outW / 2)), x.scale(a01, outH / 2));
  const a13 = x.sub(x.sub(cy, x.scale(a10, outW / 2)), x.scale(a11, outH / 2));
  // A fresh initializer per constant slot: OpenCV 4.6 turns each constant Concat input into
  // a layer named after it and rejects a name used twice.
  const zero = () => x.f([0], [1, 1]);
  const one = () => x.f([1], [1, 1]);
  const flatOut = x.op(
    'Concat',
    [a00, a01, zero(), a03, a10, a11, zero(), a13, zero(), zero(), one(), zero(), zero(), zero(), zero(), one()],
    { axis: 1 },
  );
  g.setValue(op.outputs[0], x.reshape(flatOut, [1, 4, 4]), 'native');
};

const FAR = 1e4;

/** Feature map and output sizes of a TransformTensorBilinear op, checked against its options. */
function bilinearShape(g: GraphBuilder, op: TfliteOperator): { H: number; W: number; C: number; oh: number; ow: number } {
  const o = options(op);
  const [, H, W, C] = g.tensor(op.inputs[0]).shape;
  const outShape = g.tensor(op.outputs[0]).shape;
  const oh = o.output_height === undefined ? outShape[1] : num(o, 'output_height', op);
  const ow = o.output_width === undefined ? outShape[2] : num(o, 'output_width', op);
  if (outShape[1] !== oh || outShape[2] !== ow || outShape[3] !== C)
    throw new UnsupportedOpError(op.opName, `output shape ${outShape} vs options ${oh}x${ow}`);
  return { H, W, C, oh, ow };
}

const transformTensorBilinear: CustomOpHandler = (g, op) => {
  const [fi, mi] = op.inputs;
  const { H, W, C, oh, ow } = bilinearShape(g, op);
  const P = oh * ow;
  const HW = H * W;
  const x = new Ops(g, `ttb${op.index}`);

  // Sample points for all output pixels: [1,2P] = m[1,16] x G[16,2P]; the first P columns
  // give x = m0 (ox+.5) + m1 (oy+.5) + m3, the next P give y from m4, m5, m7.
  const m = x.reshape(g.asNative(mi), [1, 16]);
  const G = new Array<number>(16 * 2 * P).fill(0);
  for (let p = 0; p < P; p++) {
    const gx = (p % ow) + 0.5;
    const gy = Math.floor(p / ow) + 0.5;
    G[0 * 2 * P + p] = gx;
    G[1 * 2 * P + p] = gy;
    G[3 * 2 * P + p] = 1;
    G[4 * 2 * P + P + p] = gx;
    G[5 * 2 * P + P + p] = gy;
    G[7 * 2 * P + P + p] = 1;
  }
  const tc = x.add(x.op('MatMul', [m, x.f(G, [16, 2 * P])]), x.f([-0.5], []));
  const half = (k: number) => x.op('Slice', [tc, x.i64([k * P]), x.i64([(k + 1) * P]), x.i64([1])]);
  const tcx = half(0); // [1,P]
  const tcy = half(1);
  // Out of [0, W-1] x [0, H-1] -> the C++ kernel writes 0. `outside` counts how far out
  // (ceil of the distance, so any point outside counts >= 1) and such points are moved
  // far away, where every bilinear weight below is 0.
  const beyond = (t: string, max: number) =>
    x.op('Ceil', [x.add(x.op('Relu', [x.scale(t, -1)]), x.op('Relu', [x.add(t, x.f([-max], []))]))]);
  const outside = x.add(beyond(tcx, W - 1), beyond(tcy, H - 1));
  const push = x.scale(outside, -FAR);
  // Bilinear weights as tents relu(1 - |t - i|), laid out [P, H*W] for pixel q = (i, j):
  // [t, 1] x [[1...], [-j(q)...]] = t - j(q), one MatMul instead of a broadcast.
  const tentT = (t: string, coord: (q: number) => number) => {
    const tp = x.reshape(x.add(t, push), [P, 1]);
    const t1 = x.op('Concat', [tp, x.f(new Array<number>(P).fill(1), [P, 1])], { axis: 1 }); // [P,2]
    const K = new Array<number>(2 * HW);
    for (let q = 0; q < HW; q++) {
      K[q] = 1;
      K[HW + q] = -coord(q);
    }
    const diff = x.op('MatMul', [t1, x.f(K, [2, HW])]);
    return x.op('Relu', [x.add(x.scale(x.op('Abs', [diff]), -1), x.f([1], []))]);
  };
  const weights = x.mul(
    tentT(tcx, (q) => q % W),
    tentT(tcy, (q) => Math.floor(q / W)),
  ); // [P, HW]
  const feat = x.reshape(g.asNative(fi), [HW, C]);
  const out = x.reshape(x.op('MatMul', [weights, feat]), [1, oh, ow, C]);
  g.setValue(op.outputs[0], out, 'native');
};

const transformLandmarks: CustomOpHandler = (g, op) => {
  const [li, mi] = op.inputs;
  const shape = g.tensor(li).shape;
  if (shape.length !== 3 || shape[0] !== 1 || shape[2] !== 2)
    throw new UnsupportedOpError(op.opName, `only [1,N,2] landmarks (got ${shape})`);
  const N = shape[1];
  const x = new Ops(g, `tl${op.index}`);
  const m = x.reshape(g.asNative(mi), [1, 16]);
  // B [3,2] = [[m0, m4], [m1, m5], [m3, m7]]:  [x, y, 1] x B = (x', y')
  const sel = selection(16, [{ 0: 1 }, { 4: 1 }, { 1: 1 }, { 5: 1 }, { 3: 1 }, { 7: 1 }]);
  const B = x.reshape(x.op('MatMul', [m, x.f(sel.values, sel.dims)]), [3, 2]);
  const pts = x.reshape(g.asNative(li), [N, 2]);
  const pts1 = x.op('Concat', [pts, x.f(new Array<number>(N).fill(1), [N, 1])], { axis: 1 });
  const out = x.reshape(x.op('MatMul', [pts1, B]), [1, N, 2]);
  g.setValue(op.outputs[0], out, 'native');
};

export const MEDIAPIPE_CUSTOM_OPS: Record<string, CustomOpHandler> = {
  Landmarks2TransformMatrix: landmarksToTransformMatrix,
  TransformTensorBilinear: transformTensorBilinear,
  TransformLandmarks: transformLandmarks,
};

/**
 * TransformTensorBilinear as one node of that type (features [1,H,W,C] native layout,
 * matrix [1,4,4]; attributes output_height, output_width), for theval's OpenCV layer
 * (native/infer/cpu/transform_tensor_bilinear_layer.cc). Not standard ONNX: only theval's
 * native backend runs a graph with it. The dense MatMul form above is 3 products of
 * [P, H*W] weights that took ~60% of OpenCV's time on the attention model.
 */
const transformTensorBilinearNode: CustomOpHandler = (g, op) => {
  const [fi, mi] = op.inputs;
  const { oh, ow } = bilinearShape(g, op);
  const out = g.freshName(`ttb${op.index}_out`);
  g.node('TransformTensorBilinear', [g.asNative(fi), g.asNative(mi)], [out], { output_height: oh, output_width: ow });
  g.setValue(op.outputs[0], out, 'native');
};

/** The ops for the graph theval's native (OpenCV) backend runs: the sampler as one node. */
export const MEDIAPIPE_CUSTOM_OPS_NATIVE: Record<string, CustomOpHandler> = {
  ...MEDIAPIPE_CUSTOM_OPS,
  TransformTensorBilinear: transformTensorBilinearNode,
};
