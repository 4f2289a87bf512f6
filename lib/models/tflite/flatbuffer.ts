/**
 * A minimal read-only FlatBuffers table accessor: just enough of the wire format
 * (vtables, scalars, strings, vectors, sub-tables) to read a TFLite model without a
 * generated reader. Every offset is bounds-checked so a truncated or corrupted file
 * fails with a clear message instead of reading garbage.
 */
export class FlatBufferError extends Error {}

export class FbTable {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    readonly view: DataView,
    readonly pos: number,
  ) {
    checkRange(view, pos, 4);
    this.vtable = pos - view.getInt32(pos, true);
    checkRange(view, this.vtable, 4);
    this.vtableSize = view.getUint16(this.vtable, true);
    checkRange(view, this.vtable, this.vtableSize);
  }

  /** Absolute position of field `slot`, or 0 when the field is absent (default value). */
  fieldPos(slot: number): number {
    const entry = 4 + 2 * slot;
    if (entry + 2 > this.vtableSize) return 0;
    const rel = this.view.getUint16(this.vtable + entry, true);
    return rel === 0 ? 0 : this.pos + rel;
  }

  has(slot: number): boolean {
    return this.fieldPos(slot) !== 0;
  }

  int8(slot: number, dflt = 0): number {
    const p = this.fieldPos(slot);
    return p ? this.view.getInt8(p) : dflt;
  }
  uint8(slot: number, dflt = 0): number {
    const p = this.fieldPos(slot);
    return p ? this.view.getUint8(p) : dflt;
  }
  bool(slot: number, dflt = false): boolean {
    const p = this.fieldPos(slot);
    return p ? this.view.getUint8(p) !== 0 : dflt;
  }
  int32(slot: number, dflt = 0): number {
    const p = this.fieldPos(slot);
    return p ? this.view.getInt32(p, true) : dflt;
  }
  uint32(slot: number, dflt = 0): number {
    const p = this.fieldPos(slot);
    return p ? this.view.getUint32(p, true) : dflt;
  }
  float32(slot: number, dflt = 0): number {
    const p = this.fieldPos(slot);
    return p ? this.view.getFloat32(p, true) : dflt;
  }
  uint64(slot: number, dflt = 0n): bigint {
    const p = this.fieldPos(slot);
    return p ? this.view.getBigUint64(p, true) : dflt;
  }

  /** Follows the uoffset stored at a reference field; 0 when absent. */
  private deref(slot: number): number {
    const p = this.fieldPos(slot);
    if (!p) return 0;
    checkRange(this.view, p, 4);
    return p + this.view.getUint32(p, true);
  }

  table(slot: number): FbTable | undefined {
    const t = this.deref(slot);
    return t ? new FbTable(this.view, t) : undefined;
  }

  string(slot: number): string | undefined {
    const v = this.vectorRange(slot, 1);
    if (!v) return undefined;
    return new TextDecoder().decode(new Uint8Array(this.view.buffer, this.view.byteOffset + v.start, v.length));
  }

  /** Start (absolute) and element count of a vector field. */
  vectorRange(slot: number, elemSize: number): { start: number; length: number } | undefined {
    const v = this.deref(slot);
    if (!v) return undefined;
    checkRange(this.view, v, 4);
    const length = this.view.getUint32(v, true);
    checkRange(this.view, v + 4, length * elemSize);
    return { start: v + 4, length };
  }

  int32Vector(slot: number): number[] {
    const r = this.vectorRange(slot, 4);
    const out: number[] = [];
    if (r) for (let i = 0; i < r.length; i++) out.push(this.view.getInt32(r.start + 4 * i, true));
    return out;
  }

  float32Vector(slot: number): number[] {
    const r = this.vectorRange(slot, 4);
    const out: number[] = [];
    if (r) for (let i = 0; i < r.length; i++) out.push(this.view.getFloat32(r.start + 4 * i, true));
    return out;
  }

  /** A byte vector as a view into the underlying buffer (no copy). */
  bytes(slot: number): Uint8Array | undefined {
    const r = this.vectorRange(slot, 1);
    return r ? new Uint8Array(this.view.buffer, this.view.byteOffset + r.start, r.length) : undefined;
  }

  tableVector(slot: number): FbTable[] {
    const r = this.vectorRange(slot, 4);
    const out: FbTable[] = [];
    if (r)
      for (let i = 0; i < r.length; i++) {
        const p = r.start + 4 * i;
        out.push(new FbTable(this.view, p + this.view.getUint32(p, true)));
      }
    return out;
  }
}

/** The root table of a flatbuffer; checks the 4-byte file identifier when given. */
export function fbRoot(bytes: Uint8Array, fileIdentifier?: string): FbTable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8) throw new FlatBufferError(`flatbuffer too short (${bytes.byteLength} bytes)`);
  if (fileIdentifier !== undefined) {
    const id = new TextDecoder().decode(bytes.subarray(4, 8));
    if (id !== fileIdentifier)
      throw new FlatBufferError(`file identifier is "${id}", expected "${fileIdentifier}"`);
  }
  return new FbTable(view, view.getUint32(0, true));
}

function checkRange(view: DataView, pos: number, len: number): void {
  if (pos < 0 || len < 0 || pos + len > view.byteLength)
    throw new FlatBufferError(`flatbuffer offset ${pos}+${len} outside the ${view.byteLength}-byte buffer`);
}
