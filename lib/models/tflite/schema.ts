/**
 * Reads the parts of a TFLite model (schema.fbs, file identifier "TFL3") that a
 * converter needs: tensors with their constant data, operators with their options,
 * and the main subgraph's inputs and outputs. Field slots follow tflite/schema.fbs.
 */
import { FbTable, fbRoot } from './flatbuffer.js';

export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
} as const;

/** BuiltinOperator codes for the ops this project's models use (schema.fbs). */
export const BuiltinOp = {
  ADD: 0,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  CUSTOM: 32,
  PAD: 34,
  SUB: 41,
  STRIDED_SLICE: 45,
  PRELU: 54,
} as const;

const builtinNames: Record<number, string> = Object.fromEntries(
  Object.entries(BuiltinOp).map(([k, v]) => [v, k]),
);

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** Constant contents (a view into the model bytes), undefined for activations. */
  data?: Uint8Array;
  quantized: boolean;
}

export interface TfliteOperator {
  index: number;
  /** Builtin name ("CONV_2D"), the custom code for custom ops, or "BUILTIN_<n>" for others. */
  opName: string;
  builtinCode: number;
  customCode?: string;
  inputs: number[];
  outputs: number[];
  /** The builtin options table, read by the op's converter with its own slots. */
  options?: FbTable;
  customOptions?: Uint8Array;
}

export interface TfliteModel {
  version: number;
  description?: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  subgraphCount: number;
}

export function readTflite(bytes: Uint8Array): TfliteModel {
  const model = fbRoot(bytes, 'TFL3');
  const opcodes = model.tableVector(1).map((oc) => {
    // builtin_code (slot 3, int32) replaced deprecated_builtin_code (slot 0, byte) when
    // codes passed 127; readers take the larger of the two.
    const code = Math.max(oc.int8(0), oc.int32(3));
    return { code, custom: oc.string(1) };
  });
  const buffers = model.tableVector(4).map((b) => b.bytes(0));
  const subgraphs = model.tableVector(2);
  if (subgraphs.length === 0) throw new Error('TFLite model has no subgraph');
  const sg = subgraphs[0];

  const tensors: TfliteTensor[] = sg.tableVector(0).map((t, index) => {
    const q = t.table(4);
    const data = buffers[t.uint32(2)];
    return {
      index,
      name: t.string(3) ?? `tensor_${index}`,
      shape: t.int32Vector(0),
      type: t.int8(1),
      data: data && data.length > 0 ? data : undefined,
      quantized: q !== undefined && q.float32Vector(2).length > 0,
    };
  });

  const operators: TfliteOperator[] = sg.tableVector(3).map((op, index) => {
    const oc = opcodes[op.uint32(0)];
    if (!oc) throw new Error(`operator ${index} refers to a missing operator code`);
    const opName =
      oc.code === BuiltinOp.CUSTOM ? (oc.custom ?? 'CUSTOM') : (builtinNames[oc.code] ?? `BUILTIN_${oc.code}`);
    return {
      index,
      opName,
      builtinCode: oc.code,
      customCode: oc.custom,
      inputs: op.int32Vector(1),
      outputs: op.int32Vector(2),
      options: op.table(4),
      customOptions: op.bytes(5),
    };
  });

  return {
    version: model.uint32(0),
    description: model.string(3),
    tensors,
    operators,
    inputs: sg.int32Vector(1),
    outputs: sg.int32Vector(2),
    subgraphCount: subgraphs.length,
  };
}

/** Decodes a constant tensor to float32 (FLOAT32 as is, FLOAT16 widened exactly). */
export function tensorFloats(t: TfliteTensor): Float32Array {
  if (!t.data) throw new Error(`tensor "${t.name}" has no constant data`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(n);
  if (t.type === TensorType.FLOAT32) {
    if (t.data.byteLength !== 4 * n) throw new Error(`tensor "${t.name}": ${t.data.byteLength} bytes for ${n} floats`);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (t.type === TensorType.FLOAT16) {
    if (t.data.byteLength !== 2 * n) throw new Error(`tensor "${t.name}": ${t.data.byteLength} bytes for ${n} halfs`);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    throw new Error(`tensor "${t.name}": type ${t.type} is not a float type`);
  }
  return out;
}

export function tensorInts(t: TfliteTensor): number[] {
  if (!t.data) throw new Error(`tensor "${t.name}" has no constant data`);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out: number[] = [];
  if (t.type === TensorType.INT32) for (let i = 0; i < t.data.byteLength / 4; i++) out.push(view.getInt32(4 * i, true));
  else if (t.type === TensorType.INT64)
    for (let i = 0; i < t.data.byteLength / 8; i++) out.push(Number(view.getBigInt64(8 * i, true)));
  else throw new Error(`tensor "${t.name}": type ${t.type} is not an integer type`);
  return out;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
