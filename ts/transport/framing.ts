/**
 * Length-prefixed framing for byte streams: `u32 BE length || payload`.
 * A length of 0 is a keepalive. A length above the configured maximum is a
 * protocol error: the decoder stops and the carrier closes with `oversized`.
 *
 * The decoder is streaming and copes with any chunking. It never holds more
 * than one pending frame (≤ max + 4 bytes), and only allocates a frame's
 * buffer once its header has been read and checked.
 */
import { FRAME_HEADER_BYTES } from './constants.js';

export type DecodedItem =
  | { readonly type: 'frame'; readonly frame: Buffer }
  | { readonly type: 'keepalive' }
  | { readonly type: 'oversized'; readonly length: number };

export function encodeHeader(length: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  h.writeUInt32BE(length, 0);
  return h;
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFill = 0;
  private body: Buffer | null = null;
  private bodyFill = 0;
  private failed = false;

  constructor(maxFrameBytes: number) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > 0xffff_ffff) {
      throw new RangeError(`maxFrameBytes must be an integer in 1..2^32-1, got ${maxFrameBytes}`);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for the frame being assembled (header included). */
  get pendingBytes(): number {
    return this.headerFill + (this.body === null ? 0 : this.body.length);
  }

  /**
   * Feed a chunk; returns the complete items it finished, in order. After an
   * `oversized` item the decoder is dead and ignores further input.
   */
  push(chunk: Uint8Array): DecodedItem[] {
    const out: DecodedItem[] = [];
    let off = 0;
    while (off < chunk.length && !this.failed) {
      if (this.body === null) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, chunk.length - off);
        this.header.set(chunk.subarray(off, off + take), this.headerFill);
        this.headerFill += take;
        off += take;
        if (this.headerFill < FRAME_HEADER_BYTES) break;
        this.headerFill = 0;
        const length = this.header.readUInt32BE(0);
        if (length === 0) {
          out.push({ type: 'keepalive' });
          continue;
        }
        if (length > this.maxFrameBytes) {
          this.failed = true;
          out.push({ type: 'oversized', length });
          break;
        }
        // Whole frame inside this chunk: hand out a view, no copy needed.
        if (chunk.length - off >= length) {
          out.push({ type: 'frame', frame: Buffer.from(chunk.buffer, chunk.byteOffset + off, length) });
          off += length;
          continue;
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = 0;
      }
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - off);
      this.body.set(chunk.subarray(off, off + take), this.bodyFill);
      this.bodyFill += take;
      off += take;
      if (this.bodyFill === this.body.length) {
        out.push({ type: 'frame', frame: this.body });
        this.body = null;
      }
    }
    return out;
  }
}
