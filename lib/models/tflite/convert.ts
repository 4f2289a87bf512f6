/**
 * TFLite -> ONNX for MediaPipe's face models.
 *
 * The ONNX model keeps the TFLite interface: float NHWC input ([1,H,W,3]) and outputs
 * with the TFLite names and shapes. Inside, 4-D activations live in NCHW (what ONNX Conv
 * and pooling need); each TFLite tensor is transposed lazily, only where an op needs the
 * other layout (RESHAPE, CONCATENATION over flattened tensors, graph outputs).
 * Constants (fp16 weights behind DEQUANTIZE) are folded to float32 initializers.
 *
 * Emitted ops: Transpose, Conv, MaxPool, PRelu, Add, Mul, Relu, Clip, Pad, Reshape,
 * Concat, Identity (plus what a custom-op handler adds). Every Conv and MaxPool carries an
 * explicit kernel_shape and explicit pads, no control flow: OpenCV 4.6 dnn loads them.
 * Any op outside the supported list fails with UnsupportedOpError naming it.
 */
import { encodeOnnx, type AttrValue, type OnnxInitializer, type OnnxNode, type OnnxValueInfo } from './onnx.js';
import { readTflite, tensorFloats, tensorInts, TensorType, type TfliteModel, type TfliteOperator, type TfliteTensor } from './schema.js';

/** Bump when the emitted graph changes: cached conversions carry it and are rebuilt. */
export const CONVERTER_VERSION = '2';
export const ONNX_OPSET = 13;

export class UnsupportedOpError extends Error {
  constructor(
    readonly opName: string,
    detail?: string,
  ) {
    super(`TFLite op ${opName} is not supported by the ONNX converter${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedOpError';
  }
}

export interface ConvertOptions {
  graphName?: string;
  /** Handlers for TFLite custom ops (by custom code), e.g. MediaPipe's attention ops. */
  customOps?: Record<string, CustomOpHandler>;
  /** Also expose these intermediate TFLite tensors (by name, in TFLite layout) as graph outputs. */
  extraOutputs?: string[];
}

export type CustomOpHandler = (g: GraphBuilder, op: TfliteOperator) => void;

export interface ConvertResult {
  onnx: Uint8Array;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** TFLite op name -> count, as converted. */
  opCounts: Record<string, number>;
}

export const SUPPORTED_OPS = [
  'ADD',
  'CONCATENATION',
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'DEQUANTIZE',
  'MAX_POOL_2D',
  'MUL',
  'PAD',
  'PRELU',
  'RELU',
  'RESHAPE',
  'STRIDED_SLICE',
] as const;

type Layout = 'nchw' | 'native';

interface Value {
  name: string;
  layout: Layout;
}

/** NHWC axis -> NCHW axis. */
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

/** The graph under construction plus the TFLite model it comes from; custom-op handlers use it too. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  /** Current ONNX value of each TFLite activation tensor, with its layout. */
  private readonly values = new Map<number, Value>();
  /** Other-layout copies already emitted (tensor index -> name). */
  private readonly nchwCache = new Map<number, string>();
  private readonly nativeCache = new Map<number, string>();
  /** Folded constants (float) by TFLite tensor index. */
  private readonly constFloats = new Map<number, Float32Array>();
  private uid = 0;

  constructor(readonly model: TfliteModel) {}

  tensor(i: number): TfliteTensor {
    const t = this.model.tensors[i];
    if (!t) throw new Error(`tensor index ${i} out of range`);
    return t;
  }

  freshName(base: string): string {
    return `${base}__${this.uid++}`;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrValue>): void {
    this.nodes.push({ opType, inputs, outputs, attrs, name: `${opType}_${this.nodes.length}` });
  }

  init(base: string, dims: number[], data: Float32Array | BigInt64Array | Int32Array): string {
    const name = this.freshName(base);
    this.initializers.push({ name, dims, data });
    return name;
  }

  initInt64(base: string, values: number[]): string {
    return this.init(base, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  isConst(i: number): boolean {
    return this.constFloats.has(i) || this.tensor(i).data !== undefined;
  }

  /** A constant tensor's values as float32 (fp16 widened, DEQUANTIZE folded). */
  constF32(i: number): Float32Array {
    const c = this.constFloats.get(i);
    if (c) return c;
    const t = this.tensor(i);
    if (!t.data) throw new Error(`tensor "${t.name}" is expected to be constant`);
    if (t.quantized && t.type !== TensorType.FLOAT16 && t.type !== TensorType.FLOAT32)
      throw new UnsupportedOpError('DEQUANTIZE', `integer-quantized tensor "${t.name}"`);
    const f = tensorFloats(t);
    this.constFloats.set(i, f);
    return f;
  }

  setConst(i: number, data: Float32Array): void {
    this.constFloats.set(i, data);
  }

  setValue(i: number, name: string, layout: Layout): void {
    if (layout === 'nchw' && this.tensor(i).shape.length !== 4) throw new Error('nchw layout needs a 4-D tensor');
    this.values.set(i, { name, layout });
    this.nchwCache.delete(i);
    this.nativeCache.delete(i);
  }

  private value(i: number): Value {
    const v = this.values.get(i);
    if (!v) throw new Error(`tensor "${this.tensor(i).name}" is used before it is produced`);
    return v;
  }

  rank(i: number): number {
    return this.tensor(i).shape.length;
  }

  /** Name of tensor i in NCHW (4-D activations only). */
  asNchw(i: number): string {
    const v = this.value(i);
    if (v.layout === 'nchw') return v.name;
    if (this.rank(i) !== 4) throw new Error(`tensor "${this.tensor(i).name}" is not 4-D`);
    let n = this.nchwCache.get(i);
    if (!n) {
      n = this.freshName(`t${i}_nchw`);
      this.node('Transpose', [v.name], [n], { perm: [0, 3, 1, 2] });
      this.nchwCache.set(i, n);
    }
    return n;
  }

  /** Name of tensor i in its TFLite (NHWC / native) layout. */
  asNative(i: number, outName?: string): string {
    const v = this.value(i);
    if (v.layout === 'native' && outName === undefined) return v.name;
    let n = outName === undefined ? this.nativeCache.get(i) : undefined;
    if (!n) {
      n = outName ?? this.freshName(`t${i}_nhwc`);
      if (v.layout === 'nchw') this.node('Transpose', [v.name], [n], { perm: [0, 2, 3, 1] });
      else this.node('Identity', [v.name], [n]);
      if (outName === undefined) this.nativeCache.set(i, n);
    }
    return n;
  }

  /** Constant tensor i broadcast against a 4-D NHWC activation, laid out for NCHW. */
  constForNchw(i: number, base: string): { name: string; dims: number[]; data: Float32Array } {
    const t = this.tensor(i);
    const data = this.constF32(i);
    const shape = [...t.shape];
    while (shape.length < 4) shape.unshift(1);
    if (shape.length !== 4) throw new Error(`constant "${t.name}" has rank ${t.shape.length} > 4`);
    const [n, h, w, c] = shape;
    const out = new Float32Array(data.length);
    for (let a = 0; a < n; a++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < c; k++) out[((a * c + k) * h + y) * w + x] = data[((a * h + y) * w + x) * c + k];
    // Per-channel constants become [C,1,1]: the form OpenCV's PReLU and eltwise layers take.
    const dims = n === 1 && h === 1 && w === 1 ? [c, 1, 1] : [n, c, h, w];
    return { name: this.init(base, dims, out), dims, data: out };
  }

  /** Applies a TFLite fused activation to `name`, returning the activated value name. */
  activation(code: number, name: string, opName: string): string {
    if (code === 0) return name;
    const out = this.freshName(`${name}_act`);
    if (code === 1) this.node('Relu', [name], [out]);
    else if (code === 3)
      this.node('Clip', [name, this.init('zero', [], new Float32Array([0])), this.init('six', [], new Float32Array([6]))], [out]);
    else if (code === 4) this.node('Tanh', [name], [out]);
    else throw new UnsupportedOpError(opName, `fused activation ${code}`);
    return out;
  }
}

/** TFLite SAME/VALID padding for one spatial axis: [before, after]. */
export function tflitePads(padding: number, inSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  if (padding === 1) return [0, 0]; // VALID
  const outSize = Math.ceil(inSize / stride);
  const effK = (kernel - 1) * dilation + 1;
  const total = Math.max((outSize - 1) * stride + effK - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function convertConv(g: GraphBuilder, op: TfliteOperator, depthwise: boolean): void {
  const o = op.options;
  if (!o) throw new Error(`${op.opName} ${op.index} has no options`);
  const [xi, wi, bi] = op.inputs;
  const x = g.tensor(xi);
  const wT = g.tensor(wi);
  const padding = o.int8(0);
  const strideW = o.int32(1);
  const strideH = o.int32(2);
  const act = depthwise ? o.int8(4) : o.int8(3);
  const dilW = depthwise ? o.int32(5, 1) : o.int32(4, 1);
  const dilH = depthwise ? o.int32(6, 1) : o.int32(5, 1);
  const [, kh, kw] = wT.shape;
  const wData = g.constF32(wi);
  let wName: string;
  let group = 1;
  if (!depthwise) {
    // OHWI -> OIHW
    const [oc, , , ic] = wT.shape;
    const out = new Float32Array(wData.length);
    for (let a = 0; a < oc; a++)
      for (let y = 0; y < kh; y++)
        for (let xx = 0; xx < kw; xx++)
          for (let c = 0; c < ic; c++) out[((a * ic + c) * kh + y) * kw + xx] = wData[((a * kh + y) * kw + xx) * ic + c];
    wName = g.init(`${wT.name}_oihw`, [oc, ic, kh, kw], out);
  } else {
    // [1,H,W,C*M] -> [C*M,1,H,W], one group per input channel
    const ocm = wT.shape[3];
    const inC = x.shape[3];
    const mult = o.int32(3, 1);
    if (ocm !== inC * mult) throw new UnsupportedOpError(op.opName, `channels ${ocm} != ${inC} x ${mult}`);
    const out = new Float32Array(wData.length);
    for (let y = 0; y < kh; y++)
      for (let xx = 0; xx < kw; xx++) for (let c = 0; c < ocm; c++) out[(c * kh + y) * kw + xx] = wData[(y * kw + xx) * ocm + c];
    wName = g.init(`${wT.name}_dw`, [ocm, 1, kh, kw], out);
    group = inC;
  }
  const [pt, pb] = tflitePads(padding, x.shape[1], kh, strideH, dilH);
  const [pl, pr] = tflitePads(padding, x.shape[2], kw, strideW, dilW);
  const inputs = [g.asNchw(xi), wName];
  if (bi !== undefined && bi >= 0) inputs.push(g.init(`${g.tensor(bi).name}_b`, [g.tensor(bi).shape[0]], g.constF32(bi)));
  const conv = g.freshName(`t${op.outputs[0]}_conv`);
  g.node('Conv', inputs, [conv], {
    kernel_shape: [kh, kw],
    strides: [strideH, strideW],
    dilations: [dilH, dilW],
    pads: [pt, pl, pb, pr],
    group,
  });
  g.setValue(op.outputs[0], g.activation(act, conv, op.opName), 'nchw');
}

function convertMaxPool(g: GraphBuilder, op: TfliteOperator): void {
  const o = op.options;
  if (!o) throw new Error(`MAX_POOL_2D ${op.index} has no options`);
  const xi = op.inputs[0];
  const x = g.tensor(xi);
  const padding = o.int8(0);
  const sw = o.int32(1);
  const sh = o.int32(2);
  const fw = o.int32(3);
  const fh = o.int32(4);
  const [pt, pb] = tflitePads(padding, x.shape[1], fh, sh, 1);
  const [pl, pr] = tflitePads(padding, x.shape[2], fw, sw, 1);
  const out = g.freshName(`t${op.outputs[0]}_pool`);
  g.node('MaxPool', [g.asNchw(xi)], [out], { kernel_shape: [fh, fw], strides: [sh, sw], pads: [pt, pl, pb, pr] });
  g.setValue(op.outputs[0], g.activation(o.int8(5), out, op.opName), 'nchw');
}

function convertBinary(g: GraphBuilder, op: TfliteOperator, onnxOp: 'Add' | 'Mul'): void {
  const [a, b] = op.inputs;
  const out = op.outputs[0];
  const act = op.options ? op.options.int8(0) : 0;
  const res = g.freshName(`t${out}_${onnxOp.toLowerCase()}`);
  const allRank4 = g.rank(out) === 4;
  const operand = (i: number): string => {
    if (g.isConst(i)) {
      if (allRank4) return g.constForNchw(i, `${g.tensor(i).name}_c`).name;
      const t = g.tensor(i);
      return g.init(`${t.name}_c`, t.shape.length ? t.shape : [1], g.constF32(i));
    }
    return allRank4 ? g.asNchw(i) : g.asNative(i);
  };
  g.node(onnxOp, [operand(a), operand(b)], [res]);
  g.setValue(out, g.activation(act, res, op.opName), allRank4 ? 'nchw' : 'native');
}

function convertPrelu(g: GraphBuilder, op: TfliteOperator): void {
  const [xi, ai] = op.inputs;
  if (g.rank(xi) !== 4) throw new UnsupportedOpError('PRELU', 'only 4-D inputs');
  const alpha = g.constForNchw(ai, `${g.tensor(ai).name}_alpha`);
  const out = g.freshName(`t${op.outputs[0]}_prelu`);
  g.node('PRelu', [g.asNchw(xi), alpha.name], [out]);
  g.setValue(op.outputs[0], out, 'nchw');
}

function convertPad(g: GraphBuilder, op: TfliteOperator): void {
  const [xi, pi] = op.inputs;
  const p = tensorInts(g.tensor(pi)); // [rank, 2] rows of (before, after), NHWC order
  const rank = g.rank(xi);
  if (p.length !== 2 * rank) throw new UnsupportedOpError('PAD', `paddings ${p} for rank ${rank}`);
  let begins = Array.from({ length: rank }, (_, d) => p[2 * d]);
  let ends = Array.from({ length: rank }, (_, d) => p[2 * d + 1]);
  let input: string;
  let layout: Layout;
  if (rank === 4) {
    const perm = [0, 3, 1, 2];
    begins = perm.map((d) => begins[d]);
    ends = perm.map((d) => ends[d]);
    input = g.asNchw(xi);
    layout = 'nchw';
  } else {
    input = g.asNative(xi);
    layout = 'native';
  }
  const out = g.freshName(`t${op.outputs[0]}_pad`);
  g.node('Pad', [input, g.initInt64('pads', [...begins, ...ends])], [out], { mode: 'constant' });
  g.setValue(op.outputs[0], out, layout);
}

function convertReshape(g: GraphBuilder, op: TfliteOperator): void {
  const out = op.outputs[0];
  const shape = g.tensor(out).shape;
  if (shape.some((d) => d < 0)) throw new UnsupportedOpError('RESHAPE', 'dynamic output shape');
  const res = g.freshName(`t${out}_reshape`);
  g.node('Reshape', [g.asNative(op.inputs[0]), g.initInt64('shape', shape)], [res]);
  g.setValue(out, res, 'native');
}

function convertStridedSlice(g: GraphBuilder, op: TfliteOperator): void {
  const o = op.options;
  const [xi, bi, ei, si] = op.inputs;
  const beginMask = o ? o.int32(0) : 0;
  const endMask = o ? o.int32(1) : 0;
  if (o && (o.int32(2) || o.int32(3) || o.int32(4) || o.bool(5)))
    throw new UnsupportedOpError('STRIDED_SLICE', 'ellipsis, new-axis, shrink-axis masks and offset are not supported');
  const shape = g.tensor(xi).shape;
  const begin = tensorInts(g.tensor(bi));
  const end = tensorInts(g.tensor(ei));
  const strides = tensorInts(g.tensor(si));
  if (strides.some((s) => s <= 0)) throw new UnsupportedOpError('STRIDED_SLICE', 'only positive strides');
  const starts = begin.map((b, d) => (beginMask & (1 << d) ? 0 : b));
  const ends = end.map((e, d) => (endMask & (1 << d) ? shape[d] : e));
  const axes = shape.map((_, d) => d);
  const res = g.freshName(`t${op.outputs[0]}_slice`);
  g.node('Slice', [g.asNative(xi), g.initInt64('starts', starts), g.initInt64('ends', ends), g.initInt64('axes', axes), g.initInt64('steps', strides)], [res]);
  g.setValue(op.outputs[0], res, 'native');
}

function convertConcat(g: GraphBuilder, op: TfliteOperator): void {
  const o = op.options;
  const out = op.outputs[0];
  const rank = g.rank(out);
  let axis = o ? o.int32(0) : 0;
  if (axis < 0) axis += rank;
  const res = g.freshName(`t${out}_concat`);
  if (rank === 4) {
    g.node('Concat', op.inputs.map((i) => g.asNchw(i)), [res], { axis: NHWC_TO_NCHW_AXIS[axis] });
    g.setValue(out, g.activation(o ? o.int8(1) : 0, res, op.opName), 'nchw');
  } else {
    g.node('Concat', op.inputs.map((i) => g.asNative(i)), [res], { axis });
    g.setValue(out, g.activation(o ? o.int8(1) : 0, res, op.opName), 'native');
  }
}

function convertOp(g: GraphBuilder, op: TfliteOperator, opts: ConvertOptions): void {
  const custom = op.customCode !== undefined ? opts.customOps?.[op.customCode] : undefined;
  if (custom) return custom(g, op);
  switch (op.opName) {
    case 'DEQUANTIZE': {
      const src = g.tensor(op.inputs[0]);
      if (!g.isConst(op.inputs[0]) || src.type !== TensorType.FLOAT16)
        throw new UnsupportedOpError('DEQUANTIZE', `only fp16 constants (tensor "${src.name}")`);
      g.setConst(op.outputs[0], g.constF32(op.inputs[0]));
      return;
    }
    case 'CONV_2D':
      return convertConv(g, op, false);
    case 'DEPTHWISE_CONV_2D':
      return convertConv(g, op, true);
    case 'MAX_POOL_2D':
      return convertMaxPool(g, op);
    case 'ADD':
      return convertBinary(g, op, 'Add');
    case 'MUL':
      return convertBinary(g, op, 'Mul');
    case 'PRELU':
      return convertPrelu(g, op);
    case 'RELU': {
      const xi = op.inputs[0];
      const nchw = g.rank(xi) === 4;
      const out = g.freshName(`t${op.outputs[0]}_relu`);
      g.node('Relu', [nchw ? g.asNchw(xi) : g.asNative(xi)], [out]);
      g.setValue(op.outputs[0], out, nchw ? 'nchw' : 'native');
      return;
    }
    case 'PAD':
      return convertPad(g, op);
    case 'RESHAPE':
      return convertReshape(g, op);
    case 'CONCATENATION':
      return convertConcat(g, op);
    case 'STRIDED_SLICE':
      return convertStridedSlice(g, op);
    default:
      throw new UnsupportedOpError(op.opName, `supported: ${SUPPORTED_OPS.join(', ')}${Object.keys(opts.customOps ?? {}).map((k) => `, ${k}`).join('')}`);
  }
}

export function convertTfliteModel(model: TfliteModel, opts: ConvertOptions = {}): ConvertResult {
  const g = new GraphBuilder(model);
  const inputs: OnnxValueInfo[] = [];
  for (const i of model.inputs) {
    const t = g.tensor(i);
    if (t.type !== TensorType.FLOAT32) throw new Error(`model input "${t.name}" is not float32`);
    inputs.push({ name: t.name, shape: t.shape });
    g.setValue(i, t.name, 'native');
  }
  const opCounts: Record<string, number> = {};
  for (const op of model.operators) {
    convertOp(g, op, opts);
    opCounts[op.opName] = (opCounts[op.opName] ?? 0) + 1;
  }
  const outputs: OnnxValueInfo[] = [];
  const extra = (opts.extraOutputs ?? []).map((name) => {
    const i = model.tensors.findIndex((t) => t.name === name);
    if (i < 0) throw new Error(`extraOutputs: no tensor named "${name}"`);
    return i;
  });
  for (const i of [...model.outputs, ...extra]) {
    const t = g.tensor(i);
    g.asNative(i, t.name);
    outputs.push({ name: t.name, shape: t.shape });
  }
  const onnx = encodeOnnx({
    graphName: opts.graphName ?? 'tflite',
    producerName: 'theval-tflite2onnx',
    producerVersion: CONVERTER_VERSION,
    opset: ONNX_OPSET,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs,
    outputs,
  });
  return { onnx, inputs, outputs, opCounts };
}

export function convertTflite(bytes: Uint8Array, opts: ConvertOptions = {}): ConvertResult {
  return convertTfliteModel(readTflite(bytes), opts);
}
