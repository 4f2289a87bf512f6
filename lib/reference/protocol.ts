/**
 * The worker's wire format (lib/reference/worker.py speaks the same): one message =
 * u32 LE header length, u32 LE payload length, UTF-8 JSON header, raw payload bytes.
 * Pixels go as packed uint8 RGB straight from the decoder's buffers (no per-frame files,
 * no base64); JSON carries only shapes, boxes and scores.
 */
export interface Message {
  header: Record<string, unknown>;
  payload: Buffer;
}

/** The chunks of one message, ready for stream.write (payload views are not copied). */
export function encodeMessage(header: object, payload: readonly Uint8Array[] = []): Buffer[] {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const bytes = payload.reduce((n, p) => n + p.byteLength, 0);
  if (bytes > 0xffffffff) throw new RangeError(`message payload of ${bytes} bytes exceeds 4 GiB`);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(h.length, 0);
  prefix.writeUInt32LE(bytes, 4);
  return [Buffer.concat([prefix, h]), ...payload.filter((p) => p.byteLength > 0).map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))];
}

/** Splits a byte stream into messages; push() returns the messages completed by a chunk. */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Message[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Message[] = [];
    for (;;) {
      if (this.buffered < 8) break;
      const head = this.peek(8);
      const hlen = head.readUInt32LE(0), plen = head.readUInt32LE(4);
      if (this.buffered < 8 + hlen + plen) break;
      const all = this.take(8 + hlen + plen);
      out.push({ header: JSON.parse(all.subarray(8, 8 + hlen).toString('utf8')) as Record<string, unknown>, payload: all.subarray(8 + hlen) });
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return all.subarray(0, n);
  }
}
