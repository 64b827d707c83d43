/**
 * Byte stream → IRC lines, for the driver. Pure, so malformed input is unit
 * tested without sockets.
 *
 * - CR and LF both end a line (CRLF, bare LF, bare CR); empty lines vanish.
 * - A message may be 512 bytes including CRLF, plus up to 8191 bytes of
 *   IRCv3 tags (with '@' and the space after). A longer line is dropped and
 *   reported once as `tooLong`; the rest of it up to the next newline is
 *   skipped without buffering, so a client can't grow our memory.
 * - NUL bytes are removed (they can't appear in IRC and truncate C clients).
 * - Invalid UTF-8 is decoded as Latin-1 instead of being rejected: legacy
 *   clients still send it, and Latin-1 maps every byte, so nothing throws.
 */
export const MAX_BODY_BYTES = 510;
export const MAX_TAG_BYTES = 8191;
const MAX_PENDING = MAX_BODY_BYTES + MAX_TAG_BYTES;

export type FrameEvent = { kind: 'line'; line: string } | { kind: 'tooLong' };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const CR = 13;
const LF = 10;

export function decodeLine(buf: Buffer): string {
  let b = buf;
  if (b.includes(0)) b = Buffer.from(b.filter((x) => x !== 0));
  try {
    return utf8.decode(b);
  } catch {
    return b.toString('latin1');
  }
}

export function fitsLimits(buf: Buffer): boolean {
  if (buf[0] !== 0x40 /* @ */) return buf.length <= MAX_BODY_BYTES;
  const space = buf.indexOf(0x20);
  if (space < 0) return buf.length <= MAX_TAG_BYTES;
  const tagBytes = space + 1;
  return tagBytes <= MAX_TAG_BYTES && buf.length - tagBytes <= MAX_BODY_BYTES;
}

export class LineFramer {
  private pending: Buffer[] = [];
  private size = 0;
  private discarding = false;

  push(chunk: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b !== CR && b !== LF) continue;
      this.append(chunk.subarray(start, i), out);
      this.endLine(out);
      start = i + 1;
    }
    this.append(chunk.subarray(start), out);
    return out;
  }

  private append(part: Buffer, out: FrameEvent[]): void {
    if (part.length === 0 || this.discarding) return;
    this.pending.push(part);
    this.size += part.length;
    if (this.size > MAX_PENDING) {
      this.pending = [];
      this.size = 0;
      this.discarding = true;
      out.push({ kind: 'tooLong' });
    }
  }

  private endLine(out: FrameEvent[]): void {
    if (this.discarding) { this.discarding = false; return; }
    if (this.size === 0) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.size);
    this.pending = [];
    this.size = 0;
    if (!fitsLimits(buf)) { out.push({ kind: 'tooLong' }); return; }
    const line = decodeLine(buf);
    if (line.trim() !== '') out.push({ kind: 'line', line });
  }
}
