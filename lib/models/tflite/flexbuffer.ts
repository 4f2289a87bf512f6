/**
 * A minimal FlexBuffers decoder (the schema-less format of TFLite custom-op options):
 * maps, vectors, typed vectors, ints, uints, floats, bools, keys and strings become
 * plain JS values.
 */
export type FlexValue = null | boolean | number | string | FlexValue[] | { [key: string]: FlexValue };

const T = {
  NULL: 0,
  INT: 1,
  UINT: 2,
  FLOAT: 3,
  KEY: 4,
  STRING: 5,
  INDIRECT_INT: 6,
  INDIRECT_UINT: 7,
  INDIRECT_FLOAT: 8,
  MAP: 9,
  VECTOR: 10,
  VECTOR_INT: 11,
  VECTOR_UINT: 12,
  VECTOR_FLOAT: 13,
  VECTOR_KEY: 14,
  BLOB: 25,
  BOOL: 26,
  VECTOR_BOOL: 36,
} as const;

export function decodeFlexBuffer(bytes: Uint8Array): FlexValue {
  if (bytes.length < 3) throw new Error('flexbuffer too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rootWidth = bytes[bytes.length - 1];
  const packed = bytes[bytes.length - 2];
  return readValue(view, bytes.length - 2 - rootWidth, rootWidth, packed);
}

function readUInt(v: DataView, p: number, w: number): number {
  check(v, p, w);
  switch (w) {
    case 1:
      return v.getUint8(p);
    case 2:
      return v.getUint16(p, true);
    case 4:
      return v.getUint32(p, true);
    case 8:
      return Number(v.getBigUint64(p, true));
  }
  throw new Error(`flexbuffer: bad width ${w}`);
}

function readInt(v: DataView, p: number, w: number): number {
  check(v, p, w);
  switch (w) {
    case 1:
      return v.getInt8(p);
    case 2:
      return v.getInt16(p, true);
    case 4:
      return v.getInt32(p, true);
    case 8:
      return Number(v.getBigInt64(p, true));
  }
  throw new Error(`flexbuffer: bad width ${w}`);
}

function readFloat(v: DataView, p: number, w: number): number {
  check(v, p, w);
  if (w === 4) return v.getFloat32(p, true);
  if (w === 8) return v.getFloat64(p, true);
  throw new Error(`flexbuffer: float of width ${w}`);
}

function readCString(v: DataView, p: number): string {
  let e = p;
  while (e < v.byteLength && v.getUint8(e) !== 0) e++;
  return new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + p, e - p));
}

function check(v: DataView, p: number, w: number): void {
  if (p < 0 || p + w > v.byteLength) throw new Error(`flexbuffer: offset ${p} outside ${v.byteLength} bytes`);
}

/** Reads the value stored at `p` with the parent's width, its own type/width in `packed`. */
function readValue(v: DataView, p: number, parentWidth: number, packed: number): FlexValue {
  const type = packed >> 2;
  const childWidth = 1 << (packed & 3);
  switch (type) {
    case T.NULL:
      return null;
    case T.INT:
      return readInt(v, p, parentWidth);
    case T.UINT:
      return readUInt(v, p, parentWidth);
    case T.FLOAT:
      return readFloat(v, p, parentWidth);
    case T.BOOL:
      return readUInt(v, p, parentWidth) !== 0;
  }
  const target = p - readUInt(v, p, parentWidth);
  switch (type) {
    case T.KEY:
      return readCString(v, target);
    case T.STRING: {
      const len = readUInt(v, target - childWidth, childWidth);
      return new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + target, len));
    }
    case T.INDIRECT_INT:
      return readInt(v, target, childWidth);
    case T.INDIRECT_UINT:
      return readUInt(v, target, childWidth);
    case T.INDIRECT_FLOAT:
      return readFloat(v, target, childWidth);
    case T.VECTOR:
    case T.MAP: {
      const size = readUInt(v, target - childWidth, childWidth);
      const values: FlexValue[] = [];
      for (let i = 0; i < size; i++) {
        const elemPacked = v.getUint8(target + size * childWidth + i);
        values.push(readValue(v, target + i * childWidth, childWidth, elemPacked));
      }
      if (type === T.VECTOR) return values;
      const keysAt = target - 3 * childWidth;
      const keysVec = keysAt - readUInt(v, keysAt, childWidth);
      const keyWidth = readUInt(v, target - 2 * childWidth, childWidth);
      const out: Record<string, FlexValue> = {};
      for (let i = 0; i < size; i++) {
        const kp = keysVec + i * keyWidth;
        out[readCString(v, kp - readUInt(v, kp, keyWidth))] = values[i];
      }
      return out;
    }
    case T.VECTOR_INT:
    case T.VECTOR_UINT:
    case T.VECTOR_FLOAT:
    case T.VECTOR_BOOL:
    case T.VECTOR_KEY: {
      const size = readUInt(v, target - childWidth, childWidth);
      const out: FlexValue[] = [];
      for (let i = 0; i < size; i++) {
        const q = target + i * childWidth;
        if (type === T.VECTOR_INT) out.push(readInt(v, q, childWidth));
        else if (type === T.VECTOR_UINT) out.push(readUInt(v, q, childWidth));
        else if (type === T.VECTOR_FLOAT) out.push(readFloat(v, q, childWidth));
        else if (type === T.VECTOR_BOOL) out.push(readUInt(v, q, childWidth) !== 0);
        else out.push(readCString(v, q - readUInt(v, q, childWidth)));
      }
      return out;
    }
    default:
      // Fixed-length typed vectors (VECTOR_INT2..VECTOR_FLOAT4) have no size prefix.
      if (type >= 16 && type <= 24) {
        const n = Math.floor((type - 16) / 3) + 2;
        const kind = (type - 16) % 3;
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          const q = target + i * childWidth;
          out.push(kind === 0 ? readInt(v, q, childWidth) : kind === 1 ? readUInt(v, q, childWidth) : readFloat(v, q, childWidth));
        }
        return out;
      }
      throw new Error(`flexbuffer: unsupported type ${type}`);
  }
}
