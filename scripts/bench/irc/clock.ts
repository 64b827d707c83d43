/** The generator's one clock: nanoseconds since process start, as a double. */
const EPOCH = process.hrtime.bigint();

export function nowNs(): number {
  return Number(process.hrtime.bigint() - EPOCH);
}
