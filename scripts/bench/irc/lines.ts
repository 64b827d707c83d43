/**
 * IRC line framing and the bench payload, written for the load generator's
 * hot path: no string allocation per received line, byte scanning only.
 * Pure (no I/O); unit-tested in test/bench.
 */

const LF = 0x0a;
const CR = 0x0d;
const BAR = 0x7c; // '|'

/** Splits a byte stream into lines; `onLine` gets [start, end) without CR/LF. */
export class LineSplitter {
  private rest: Buffer | null = null;
  /** Longest partial line kept before it is dropped (IRC lines are ≤ 8 KiB with tags). */
  static readonly MAX_PARTIAL_BYTES = 16384;

  feed(chunk: Buffer, onLine: (buf: Buffer, start: number, end: number) => void): void {
    let buf = chunk;
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let start = 0;
    for (let i = 0; i < 100_000_000; i++) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) break;
      let end = nl;
      if (end > start && buf[end - 1] === CR) end--;
      if (end > start) onLine(buf, start, end);
      start = nl + 1;
    }
    if (start < buf.length && buf.length - start <= LineSplitter.MAX_PARTIAL_BYTES) {
      this.rest = Buffer.from(buf.subarray(start));
    }
  }
}

/**
 * The text the sender puts in each PRIVMSG: padding, then `|seq|sentNs`.
 * `sentNs` is nanoseconds since the generator's epoch (see clock.ts), so it
 * fits a double exactly for ~104 days.
 */
export function formatPayload(seq: number, sentNs: number, padding: string): string {
  return `${padding}|${seq}|${sentNs}`;
}

/** Scratch output of `parsePayload`, reused to avoid allocation. */
export interface PayloadOut {
  seq: number;
  sentNs: number;
}

/**
 * Read `|seq|sentNs` from the end of the line [start, end). Returns false for
 * any line that does not end that way (JOINs, numerics, other traffic).
 */
export function parsePayload(buf: Buffer, start: number, end: number, out: PayloadOut): boolean {
  let i = end - 1;
  let ts = 0;
  let scale = 1;
  let digits = 0;
  for (; i >= start && digits < 17; i--, digits++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) break;
    ts += (c - 0x30) * scale;
    scale *= 10;
  }
  if (digits === 0 || i < start || buf[i] !== BAR) return false;
  i--;
  let seq = 0;
  scale = 1;
  digits = 0;
  for (; i >= start && digits < 15; i--, digits++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) break;
    seq += (c - 0x30) * scale;
    scale *= 10;
  }
  if (digits === 0 || i < start || buf[i] !== BAR) return false;
  out.seq = seq;
  out.sentNs = ts;
  return true;
}

/** True when the line is a server PING ("PING …"), which must be answered. */
export function isPing(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 4 && buf[start] === 0x50 && buf[start + 1] === 0x49 && buf[start + 2] === 0x4e && buf[start + 3] === 0x47;
}

/** The PONG reply for a PING line. */
export function pongFor(buf: Buffer, start: number, end: number): string {
  return `PO${buf.toString('latin1', start + 2, end)}\r\n`;
}

/** Parsed form of a line for the slow (registration) path. */
export interface IrcLine {
  prefix: string;
  command: string;
  params: string[];
}

/** Minimal RFC 1459 line parser for the registration path (not the hot path). */
export function parseLine(line: string): IrcLine {
  let rest = line;
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    rest = sp < 0 ? '' : rest.slice(sp + 1);
  }
  let prefix = '';
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ');
    prefix = sp < 0 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1);
  }
  const params: string[] = [];
  let command = '';
  for (let i = 0; i < 64 && rest.length > 0; i++) {
    if (rest.startsWith(':') && command !== '') {
      params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(' ');
    const word = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1).replace(/^ +/, '');
    if (command === '') command = word.toUpperCase();
    else params.push(word);
  }
  return { prefix, command, params };
}
