/** Unsigned LEB128 varints for safe integers (≤ 2^53 − 1), length-checked on decode. */
/** The most bytes a safe integer takes (53 bits, 7 a byte). */
export const MAX_VARINT_BYTES = 8;

export function encodeVarint(n: number): Uint8Array {
  const out = new Uint8Array(MAX_VARINT_BYTES);
  return out.subarray(0, writeVarint(n, out, 0));
}

/** Write `n` into `out` at `at` (room for MAX_VARINT_BYTES); returns the offset after it. */
export function writeVarint(n: number, out: Uint8Array, at: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

/** Returns [value, nextOffset] or undefined when truncated or too long. */
export function decodeVarint(buf: Uint8Array, off: number): [number, number] | undefined {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (off >= buf.length) return undefined;
    const b = buf[off++]!;
    n += (b & 0x7f) * mul;
    if (b < 0x80) return Number.isSafeInteger(n) ? [n, off] : undefined;
    mul *= 0x80;
  }
  return undefined;
}
