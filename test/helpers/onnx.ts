/**
 * A tiny ONNX writer for tests: encodes ModelProto protobuf bytes directly (no onnx
 * package needed), enough for small graphs of standard ops with float initializers.
 */

type Bytes = number[];

function varint(n: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: Bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
const tag = (field: number, wire: number): Bytes => varint((field << 3) | wire);
const vField = (field: number, n: number | bigint): Bytes => [...tag(field, 0), ...varint(n)];
const lenField = (field: number, body: Bytes | Uint8Array): Bytes => [...tag(field, 2), ...varint(body.length), ...body];
const strField = (field: number, s: string): Bytes => lenField(field, [...Buffer.from(s, 'utf8')]);
const f32Field = (field: number, x: number): Bytes => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return [...tag(field, 5), ...b];
};

export type Dim = number | string; // number = dim_value, string = dim_param (dynamic)

export interface Attr {
  name: string;
  int?: number;
  ints?: number[];
  float?: number;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}

export interface Initializer {
  name: string;
  dims: number[];
  values: number[];
  /** ONNX data type: 1 float (default), 7 int64. */
  type?: number;
}

export interface ModelSpec {
  inputs: Array<{ name: string; dims: Dim[]; elemType?: number }>;
  outputs: Array<{ name: string; dims: Dim[] }>;
  nodes: NodeSpec[];
  initializers?: Initializer[];
  opset?: number;
}

function attribute(a: Attr): Bytes {
  const b: Bytes = [...strField(1, a.name)];
  if (a.int !== undefined) b.push(...vField(3, a.int), ...vField(20, 2)); // INT
  else if (a.float !== undefined) b.push(...f32Field(2, a.float), ...vField(20, 1)); // FLOAT
  else if (a.ints !== undefined) {
    for (const i of a.ints) b.push(...vField(8, i));
    b.push(...vField(20, 7)); // INTS
  }
  return b;
}

function valueInfo(name: string, dims: Dim[], elemType = 1): Bytes {
  const shape: Bytes = [];
  for (const d of dims) shape.push(...lenField(1, typeof d === 'number' ? vField(1, d) : strField(2, d)));
  const tensorType = [...vField(1, elemType), ...lenField(2, shape)];
  return [...strField(1, name), ...lenField(2, lenField(1, tensorType))];
}

function tensor(t: Initializer): Bytes {
  const b: Bytes = [];
  for (const d of t.dims) b.push(...vField(1, d));
  const type = t.type ?? 1;
  b.push(...vField(2, type), ...strField(8, t.name));
  if (type === 1) {
    const raw = Buffer.alloc(t.values.length * 4);
    t.values.forEach((v, i) => raw.writeFloatLE(v, i * 4));
    b.push(...lenField(9, raw));
  } else {
    const raw = Buffer.alloc(t.values.length * 8);
    t.values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
    b.push(...lenField(9, raw));
  }
  return b;
}

export function onnxModel(spec: ModelSpec): Uint8Array {
  const graph: Bytes = [];
  spec.nodes.forEach((n, i) => {
    const node: Bytes = [];
    for (const x of n.inputs) node.push(...strField(1, x));
    for (const x of n.outputs) node.push(...strField(2, x));
    node.push(...strField(3, `n${i}`), ...strField(4, n.op));
    for (const a of n.attrs ?? []) node.push(...lenField(5, attribute(a)));
    graph.push(...lenField(1, node));
  });
  graph.push(...strField(2, 'test_graph'));
  for (const t of spec.initializers ?? []) graph.push(...lenField(5, tensor(t)));
  for (const i of spec.inputs) graph.push(...lenField(11, valueInfo(i.name, i.dims, i.elemType)));
  for (const o of spec.outputs) graph.push(...lenField(12, valueInfo(o.name, o.dims)));
  const model: Bytes = [
    ...vField(1, 7), // ir_version
    ...strField(2, 'theval-test'),
    ...lenField(7, graph),
    ...lenField(8, [...strField(1, ''), ...vField(2, spec.opset ?? 13)]),
  ];
  return Uint8Array.from(model);
}

/**
 * score = scale * mean over pixels and channels of the [0, 1] input: GlobalAveragePool
 * (N x 3 x 1 x 1), ReduceMean over channels (N x 1 x 1), Mul by `scale`.
 */
export function meanIntensityModel(dims: Dim[], scale = 1): Uint8Array {
  return onnxModel({
    inputs: [{ name: 'image', dims }],
    outputs: [{ name: 'score', dims: [dims[0], 1, 1] }],
    initializers: [{ name: 'scale', dims: [], values: [scale] }],
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
      { op: 'ReduceMean', inputs: ['pooled'], outputs: ['mean'], attrs: [{ name: 'axes', ints: [1] }, { name: 'keepdims', int: 0 }] },
      { op: 'Mul', inputs: ['mean', 'scale'], outputs: ['score'] },
    ],
  });
}
