/**
 * Virtual time for the simulator: a monotonic clock in milliseconds and an
 * event queue ordered by (time, sequence). Two events at the same time fire in
 * the order they were scheduled, so ties never depend on heap layout and a run
 * replays exactly from its seed.
 */
import { LagoonError } from '../core/errors.js';

/** Monotonic virtual time in ms. Starts at 0; `advanceTo` refuses to go back. */
export class VirtualClock {
  #nowMs = 0;

  get nowMs(): number {
    return this.#nowMs;
  }

  advanceTo(tMs: number): void {
    if (!(tMs >= this.#nowMs)) {
      throw LagoonError.invalidArgument(`virtual time may not go back: now=${this.#nowMs} requested=${tMs}`);
    }
    this.#nowMs = tMs;
  }
}

interface Entry<T> {
  atMs: number;
  seq: number;
  item: T;
}

/**
 * Binary min-heap on (atMs, seq). `seq` is a per-queue counter assigned at
 * push time. Bounded: pushing past `maxSize` throws (a runaway protocol is a
 * test failure, not an out-of-memory).
 */
export class EventQueue<T> {
  readonly maxSize: number;
  #heap: Entry<T>[] = [];
  #seq = 0;

  constructor(maxSize = 50_000_000) {
    this.maxSize = maxSize;
  }

  get size(): number {
    return this.#heap.length;
  }

  push(atMs: number, item: T): void {
    if (!Number.isFinite(atMs)) throw LagoonError.invalidArgument(`event time must be finite, got ${atMs}`);
    if (this.#heap.length >= this.maxSize) {
      throw LagoonError.invalidArgument(`event queue full (maxSize=${this.maxSize})`);
    }
    const heap = this.#heap;
    const e: Entry<T> = { atMs, seq: this.#seq++, item };
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry<T>;
      if (!less(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  /** Time of the earliest event, or undefined when empty. */
  peekTime(): number | undefined {
    return this.#heap[0]?.atMs;
  }

  /** Removes and returns the earliest event. */
  pop(): { atMs: number; item: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Entry<T>;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && less(heap[r] as Entry<T>, heap[l] as Entry<T>)) c = r;
        const child = heap[c] as Entry<T>;
        if (!less(child, last)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function less<T>(x: Entry<T>, y: Entry<T>): boolean {
  return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
}
