/**
 * In-memory carrier pair and a tiny address registry, for tests and the
 * simulator. Frames are copied (nothing shared with the sender) and delivered
 * on a later turn of the event loop, in order; queued bytes count towards the
 * high-water mark until delivered, so back-pressure behaves like a socket.
 */
import { CarrierBase, eof, type CarrierOptions } from './carrier-base.js';
import type { CloseInfo, LinkKind } from './types.js';
import { LagoonError } from '../core/errors.js';

export class MemoryCarrier extends CarrierBase {
  readonly kind: LinkKind = 'memory';
  readonly remoteAddress: string;
  peer: MemoryCarrier | null = null;
  private readonly outbox: Buffer[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private paused = false;
  private readonly inbox: Buffer[] = [];
  private peerGone = false;

  constructor(remoteAddress: string, opts: CarrierOptions) {
    super(opts);
    this.remoteAddress = remoteAddress;
  }

  pause(): void { this.paused = true; }
  resume(): void {
    this.paused = false;
    while (this.inbox.length > 0 && !this.paused && !this.closed) this.deliver(this.inbox.shift() as Buffer);
    if (this.peerGone && this.inbox.length === 0) this.lost(eof());
  }

  protected write(frame: Uint8Array): boolean {
    const copy = Buffer.from(frame);
    this.outbox.push(copy);
    this.queuedBytes += copy.length;
    this.schedule();
    return this.queuedBytes < this.highWaterMarkBytes;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const peer = this.peer;
    while (this.outbox.length > 0) {
      const frame = this.outbox.shift() as Buffer;
      this.queuedBytes -= frame.length;
      peer?.receive(frame);
    }
    this.drained();
    if (this.closed) peer?.remoteClosed();
  }

  private receive(frame: Buffer): void {
    if (this.closed) return;
    if (this.paused) this.inbox.push(frame);
    else this.deliver(frame);
  }

  private remoteClosed(): void {
    this.peerGone = true;
    if (!this.paused || this.inbox.length === 0) this.lost(eof());
  }

  protected shutdown(info: CloseInfo): void {
    // Orderly or not, what was queued still goes out first (like a FIN after data).
    void info;
    this.schedule();
  }
}

/** Two connected carriers: [dialler side, listener side]. */
export function memoryPair(a: CarrierOptions, b: CarrierOptions = a, names: readonly [string, string] = ['memory:a', 'memory:b']): [MemoryCarrier, MemoryCarrier] {
  const x = new MemoryCarrier(names[1], a);
  const y = new MemoryCarrier(names[0], b);
  x.peer = y;
  y.peer = x;
  return [x, y];
}

/** Registry of in-memory listeners, one per process or per simulated network. */
export class MemoryNetwork {
  private readonly listeners = new Map<string, { opts: CarrierOptions; accept: (carrier: MemoryCarrier) => void }>();
  private next = 0;

  listen(name: string, opts: CarrierOptions, accept: (carrier: MemoryCarrier) => void): () => void {
    if (this.listeners.has(name)) throw new LagoonError('ERR_LISTEN', `memory address ${name} is in use`);
    this.listeners.set(name, { opts, accept });
    return () => { this.listeners.delete(name); };
  }

  connect(name: string, local: CarrierOptions): MemoryCarrier {
    const entry = this.listeners.get(name);
    if (entry === undefined) throw new LagoonError('ERR_CLOSED', `connect failed (ECONNREFUSED): no memory listener at ${name}`);
    const [dialler, accepted] = memoryPair(local, entry.opts, [`memory:${name}#${++this.next}`, `memory:${name}`]);
    entry.accept(accepted);
    return dialler;
  }
}
