/**
 * A small protobuf wire-format writer and reader (varint, 32-bit, length-delimited):
 * enough to write ONNX ModelProto and to read MediaPipe's .binarypb files without a
 * schema compiler.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private size = 0;

  private flushScratch(): void {
    if (this.scratch.length) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.size += this.scratch.length;
      this.scratch = [];
    }
  }

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.scratch.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.scratch.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int32/int64/enum/bool field (negative values as 10-byte two's complement, as protobuf does). */
  int(field: number, v: number | bigint | boolean): this {
    this.tag(field, 0);
    this.varint(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.scratch.push(...b);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    this.flushScratch();
    if (data.length) {
      this.chunks.push(data);
      this.size += data.length;
    }
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export interface ProtoField {
  field: number;
  wire: number;
  /** varint value (wire 0) */
  varint?: bigint;
  /** raw little-endian bytes for wire 1 (8) and 5 (4), payload for wire 2 */
  bytes?: Uint8Array;
}

/** One base-128 varint at `p`: its value and the position after it. */
function readVarint(buf: Uint8Array, p: number, what: string): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (p >= buf.length) throw new Error(`protobuf: truncated ${what}`);
    const b = buf[p++];
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return { value: result, next: p };
    shift += 7n;
    if (shift > 63n) throw new Error(`protobuf: ${what} too long`);
  }
}

/** Splits one message into its fields, in order. Groups (wire 3/4) are rejected. */
export function readProtoFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let p = 0;
  const varint = (): bigint => {
    const r = readVarint(buf, p, 'varint');
    p = r.next;
    return r.value;
  };
  const take = (n: number): Uint8Array => {
    if (p + n > buf.length) throw new Error('protobuf: truncated field');
    const s = buf.subarray(p, p + n);
    p += n;
    return s;
  };
  while (p < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 0) throw new Error('protobuf: field number 0');
    if (wire === 0) out.push({ field, wire, varint: varint() });
    else if (wire === 1) out.push({ field, wire, bytes: take(8) });
    else if (wire === 2) out.push({ field, wire, bytes: take(Number(varint())) });
    else if (wire === 5) out.push({ field, wire, bytes: take(4) });
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

/** Reads a repeated float field that may be packed (wire 2) or not (wire 5). */
export function protoFloats(fields: ProtoField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field || !f.bytes) continue;
    const v = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    if (f.wire === 5) out.push(v.getFloat32(0, true));
    else if (f.wire === 2) for (let i = 0; i + 4 <= f.bytes.length; i += 4) out.push(v.getFloat32(i, true));
  }
  return out;
}

/** Reads a repeated varint field that may be packed or not. */
export function protoVarints(fields: ProtoField[], field: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0 && f.varint !== undefined) out.push(f.varint);
    else if (f.wire === 2 && f.bytes) {
      for (const sub of readPackedVarints(f.bytes)) out.push(sub);
    }
  }
  return out;
}

function readPackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let p = 0; p < buf.length; ) {
    const r = readVarint(buf, p, 'packed varint');
    out.push(r.value);
    p = r.next;
  }
  return out;
}
