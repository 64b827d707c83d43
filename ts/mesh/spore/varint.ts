/** Unsigned LEB128 varints for safe integers (≤ 2^53 − 1), length-checked on decode. */
export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
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
