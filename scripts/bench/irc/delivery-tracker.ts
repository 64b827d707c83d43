/**
 * Bookkeeping for one sender fanning out to N receivers, in O(1) per event.
 *
 * Messages carry sequence numbers 0, 1, 2, …. A message is complete once every
 * live receiver has either received it or provably lost it (a receiver saw a
 * later one: IRC delivery on one connection is in order) or died. The sender's
 * in-flight window is `sent − completed`; a ring of per-message counts keeps it
 * bounded. Pure: no clock, no I/O.
 */
export class DeliveryTracker {
  /** Next sequence number to send == messages sent. */
  sent = 0;
  /** Messages [0, completed) are complete. */
  completed = 0;
  /** Deliveries counted (lines received by receivers). */
  deliveries = 0;
  /** Messages a receiver never got although it got a later one. */
  lost = 0;
  /** Receivers still connected. */
  alive: number;
  private readonly lastSeq: Float64Array;
  private readonly dead: Uint8Array;
  private readonly counts: Uint32Array;
  private readonly mask: number;

  constructor(readonly receivers: number, readonly maxInFlight: number) {
    if (!Number.isInteger(receivers) || receivers < 1) throw new RangeError(`receivers must be ≥ 1, got ${receivers}`);
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be ≥ 1, got ${maxInFlight}`);
    this.alive = receivers;
    this.lastSeq = new Float64Array(receivers).fill(-1);
    this.dead = new Uint8Array(receivers);
    let size = 2;
    while (size < maxInFlight * 2) size *= 2;
    this.counts = new Uint32Array(size);
    this.mask = size - 1;
  }

  get inFlight(): number {
    return this.sent - this.completed;
  }

  canSend(): boolean {
    return this.inFlight < this.maxInFlight;
  }

  /** Allocate the next sequence number. Throws past the window (API misuse). */
  nextSeq(): number {
    if (!this.canSend()) throw new RangeError('window full');
    return this.sent++;
  }

  /**
   * Record that receiver `r` got message `seq`. Returns false for a duplicate,
   * out-of-order or unknown sequence (ignored and not counted).
   */
  deliver(r: number, seq: number): boolean {
    const last = this.lastSeq[r];
    if (last === undefined || this.dead[r] || seq <= last || seq >= this.sent) return false;
    for (let s = last + 1; s < seq; s++) {
      if (s >= this.completed) this.bump(s);
      this.lost++;
    }
    this.lastSeq[r] = seq;
    this.deliveries++;
    this.bump(seq);
    this.advance();
    return true;
  }

  /** Receiver `r` disconnected: it will get nothing more. */
  kill(r: number): void {
    const last = this.lastSeq[r];
    if (last === undefined || this.dead[r]) return;
    this.dead[r] = 1;
    this.alive--;
    for (let s = Math.max(last + 1, this.completed); s < this.sent; s++) this.bump(s);
    this.advance();
  }

  private bump(seq: number): void {
    const i = seq & this.mask;
    this.counts[i] = (this.counts[i] as number) + 1;
  }

  private advance(): void {
    for (let guard = 0; this.completed < this.sent && guard <= this.mask; guard++) {
      const i = this.completed & this.mask;
      if ((this.counts[i] as number) < this.alive) break;
      this.counts[i] = 0;
      this.completed++;
    }
  }
}
