/**
 * Builds an ONNX ModelProto (onnx.proto, proto2) with the ProtoWriter. Only what the
 * converter emits: float/int64 initializers as raw_data, nodes with int, ints, float and
 * string attributes, and fully static input/output shapes.
 */
import { ProtoWriter } from './protobuf.js';

export const OnnxType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

export type AttrValue = number | number[] | string | { float: number };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array;
}

export interface OnnxValueInfo {
  name: string;
  shape: number[];
  elemType?: number;
}

export interface OnnxModel {
  graphName: string;
  producerName: string;
  producerVersion: string;
  opset: number;
  docString?: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata?: Record<string, string>;
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function attribute(name: string, v: AttrValue): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (use {float})`);
    a.int(3, v).int(20, ATTR_INT);
  } else if (typeof v === 'string') {
    a.string(4, v).int(20, ATTR_STRING);
  } else if (Array.isArray(v)) {
    for (const x of v) a.int(8, x);
    a.int(20, ATTR_INTS);
  } else {
    a.float(2, v.float).int(20, ATTR_FLOAT);
  }
  return a;
}

function tensor(init: OnnxInitializer): ProtoWriter {
  const t = new ProtoWriter();
  for (const d of init.dims) t.int(1, d);
  const elemType =
    init.data instanceof Float32Array ? OnnxType.FLOAT : init.data instanceof BigInt64Array ? OnnxType.INT64 : OnnxType.INT32;
  const count = init.dims.reduce((a, b) => a * b, 1);
  if (count !== init.data.length)
    throw new Error(`initializer ${init.name}: dims ${init.dims} hold ${count} values, data has ${init.data.length}`);
  t.int(2, elemType).string(8, init.name);
  // raw_data is little-endian; so is every platform Node runs on that this project supports.
  t.bytes(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
  return t;
}

function valueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, v.elemType ?? OnnxType.FLOAT).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

export function encodeOnnx(m: OnnxModel): Uint8Array {
  const g = new ProtoWriter();
  m.nodes.forEach((n, i) => {
    const w = new ProtoWriter();
    for (const x of n.inputs) w.string(1, x);
    for (const x of n.outputs) w.string(2, x);
    w.string(3, n.name ?? `${n.opType}_${i}`).string(4, n.opType);
    for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, attribute(k, v));
    g.message(1, w);
  });
  g.string(2, m.graphName);
  for (const init of m.initializers) g.message(5, tensor(init));
  for (const v of m.inputs) g.message(11, valueInfo(v));
  for (const v of m.outputs) g.message(12, valueInfo(v));

  const model = new ProtoWriter()
    .int(1, 7) // ir_version 7 (ONNX 1.8): understood by onnxruntime and OpenCV 4.6
    .string(2, m.producerName)
    .string(3, m.producerVersion);
  if (m.docString) model.string(6, m.docString);
  model.message(7, g).message(8, new ProtoWriter().string(1, '').int(2, m.opset));
  for (const [k, v] of Object.entries(m.metadata ?? {}))
    model.message(14, new ProtoWriter().string(1, k).string(2, v));
  return model.finish();
}
