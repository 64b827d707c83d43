/**
 * The fan-out load: one sender and N receivers in one channel.
 *
 * - `saturate`: the sender keeps at most `window` messages in flight (sent but
 *   not yet received by every live receiver) and otherwise sends as fast as
 *   the socket drains; we count deliveries across all receivers per second.
 * - `paced`: the sender sends at a fixed rate far below saturation; every
 *   delivery's latency is receive time minus the send time in the payload.
 *
 * Sequence numbers are global across runs on a rig, so a straggler from a
 * previous run can never be counted in the next one.
 */
import { RawClient, openMany } from './raw-client.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { formatPayload, parsePayload, type PayloadOut } from './lines.js';
import { nowNs } from './clock.js';
import { SampleBuffer, percentiles } from '../lib/stats.js';
import { sleep } from '../lib/proc.js';

export const CHANNEL = '#bench';
/** Padding so each PRIVMSG text is ~64 bytes, like a short chat line. */
const PADDING = 'lagoon-bench-fanout-'.padEnd(36, 'x');
const MAX_LATENCY_SAMPLES = 1_000_000;

interface ActiveRun {
  base: number;
  tracker: DeliveryTracker;
  samples: SampleBuffer | null;
  recordFromNs: number;
  wake: (() => void) | null;
}

export class FanoutRig {
  readonly receivers: RawClient[] = [];
  /** Receivers the server disconnected, with the reason they were given. */
  readonly dropped: string[] = [];
  private run: ActiveRun | null = null;
  private nextSeq = 0;
  private readonly scratch: PayloadOut = { seq: 0, sentNs: 0 };

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly sender: RawClient,
    private readonly timeoutMs: number,
    private readonly concurrency: number,
  ) {}

  /** Connect the sender (it creates the channel) to a running server. */
  static async create(name: string, port: number, timeoutMs: number, concurrency: number): Promise<FanoutRig> {
    const sender = await RawClient.open(port, 'sender', -1, timeoutMs);
    await sender.join(CHANNEL, timeoutMs);
    const rig = new FanoutRig(name, port, sender, timeoutMs, concurrency);
    sender.onClose = () => rig.dropped.push(`sender: ${sender.lastError || 'closed'}`);
    return rig;
  }

  /** Add receivers until there are `n`, then wait until the join traffic has drained. */
  async growTo(n: number): Promise<void> {
    const have = this.receivers.length;
    if (n <= have) return;
    const added = await openMany(this.port, 'r', have, n - have, { concurrency: this.concurrency, timeoutMs: this.timeoutMs, join: CHANNEL });
    for (const c of added) {
      c.handler = this.onLine;
      c.onClose = (cl) => this.onReceiverClosed(cl);
      this.receivers.push(c);
    }
    await this.settle();
  }

  private readonly onLine = (c: RawClient, buf: Buffer, start: number, end: number, now: number): void => {
    const run = this.run;
    if (run === null || !parsePayload(buf, start, end, this.scratch)) return;
    const seq = this.scratch.seq - run.base;
    if (seq < 0 || !run.tracker.deliver(c.index, seq)) return;
    if (run.samples !== null && this.scratch.sentNs >= run.recordFromNs) run.samples.add((now - this.scratch.sentNs) / 1e6);
    if (run.wake !== null && run.tracker.inFlight * 4 <= run.tracker.maxInFlight * 3) {
      const w = run.wake;
      run.wake = null;
      setImmediate(w);
    }
  };

  private onReceiverClosed(c: RawClient): void {
    this.dropped.push(`${c.nick}: ${c.lastError || 'closed'}`);
    this.run?.tracker.kill(c.index);
  }

  private begin(window: number, samples: SampleBuffer | null, recordFromNs: number): ActiveRun {
    const run: ActiveRun = { base: this.nextSeq, tracker: new DeliveryTracker(this.receivers.length, window), samples, recordFromNs, wake: null };
    for (const c of this.receivers) if (c.closed) run.tracker.kill(c.index);
    this.run = run;
    return run;
  }

  private end(run: ActiveRun): void {
    this.nextSeq = run.base + run.tracker.sent;
    this.run = null;
  }

  /** Send up to `max` messages in one write, within the window. Returns the socket's write() result. */
  private sendBatch(run: ActiveRun, max: number): boolean {
    const now = nowNs();
    let text = '';
    for (let k = 0; k < max && run.tracker.canSend(); k++) {
      text += `PRIVMSG ${CHANNEL} :${formatPayload(run.tracker.nextSeq() + run.base, now, PADDING)}\r\n`;
    }
    return text === '' ? true : this.sender.write(text);
  }

  /** Wait until every message of `run` is complete; false on timeout. */
  private async drain(run: ActiveRun, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      if (run.tracker.inFlight === 0) return true;
      this.assertSender();
      await sleep(5);
    }
    return run.tracker.inFlight === 0;
  }

  private assertSender(): void {
    if (this.sender.closed) throw new Error(`${this.name}: sender disconnected: ${this.sender.lastError || 'closed'}`);
  }

  /** One message to everyone, so all earlier traffic (JOIN storms) has been read. */
  async settle(): Promise<void> {
    const run = this.begin(1, null, 0);
    try {
      this.sendBatch(run, 1);
      if (!(await this.drain(run, this.timeoutMs))) throw new Error(`${this.name}: receivers did not settle within ${this.timeoutMs} ms`);
    } finally {
      this.end(run);
    }
  }

  /** Deliveries per second with at most `window` messages in flight, over `durationMs` after `warmupMs`. */
  async saturate(window: number, warmupMs: number, durationMs: number): Promise<SaturationResult> {
    const run = this.begin(window, null, 0);
    const t0 = nowNs();
    const measureFrom = t0 + warmupMs * 1e6;
    const measureTo = measureFrom + durationMs * 1e6;
    let d0 = -1;
    let c0 = process.cpuUsage();
    try {
      for (let i = 0; i < 10_000_000; i++) {
        this.assertSender();
        const now = nowNs();
        if (d0 < 0 && now >= measureFrom) {
          d0 = run.tracker.deliveries;
          c0 = process.cpuUsage();
        }
        if (now >= measureTo) break;
        const ok = this.sendBatch(run, 64);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 50);
          function done(): void {
            clearTimeout(timer);
            resolve();
          }
          if (!ok) this.sender.socket.once('drain', done);
          else if (!run.tracker.canSend()) run.wake = done;
          else setImmediate(done);
        });
        run.wake = null;
      }
      const t1 = nowNs();
      const cpu = process.cpuUsage(c0);
      const deliveries = run.tracker.deliveries - Math.max(0, d0);
      const elapsedS = (t1 - Math.max(measureFrom, t0)) / 1e9;
      const drained = await this.drain(run, this.timeoutMs);
      return {
        deliveriesPerS: deliveries / elapsedS,
        generatorCpu: (cpu.user + cpu.system) / 1e6 / elapsedS,
        lost: run.tracker.lost,
        drained,
      };
    } finally {
      this.end(run);
    }
  }

  /** Latency at `msgsPerS` for `durationMs`; samples sent in the first `warmupMs` are not recorded. */
  async paced(msgsPerS: number, warmupMs: number, durationMs: number): Promise<LatencyResult> {
    const samples = new SampleBuffer(MAX_LATENCY_SAMPLES);
    const t0 = nowNs();
    const run = this.begin(Math.max(64, Math.ceil(msgsPerS * 10)), samples, t0 + warmupMs * 1e6);
    const total = Math.max(1, Math.round((msgsPerS * (warmupMs + durationMs)) / 1000));
    const tickMs = Math.max(1, Math.min(20, Math.floor(1000 / msgsPerS)));
    let skipped = 0;
    try {
      for (let i = 0; i < 1_000_000 && run.tracker.sent + skipped < total; i++) {
        this.assertSender();
        const due = Math.min(total, Math.floor(((nowNs() - t0) / 1e9) * msgsPerS) + 1);
        while (run.tracker.sent + skipped < due) {
          if (run.tracker.canSend()) this.sendBatch(run, 1);
          else skipped++;
        }
        await sleep(tickMs);
      }
      const drained = await this.drain(run, this.timeoutMs);
      const [p50, p99] = percentiles(samples.values(), [50, 99]);
      return { p50Ms: p50 as number, p99Ms: p99 as number, samples: samples.count, lost: run.tracker.lost, skipped, drained };
    } finally {
      this.end(run);
    }
  }

  close(): void {
    for (const c of this.receivers) {
      c.onClose = null;
      c.close();
    }
    this.sender.onClose = null;
    this.sender.close();
  }
}

export interface SaturationResult {
  deliveriesPerS: number;
  /** Generator CPU seconds per wall second in the window (1.0 = one core busy). */
  generatorCpu: number;
  lost: number;
  drained: boolean;
}

export interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  samples: number;
  lost: number;
  /** Sends skipped because the window was full (the server fell far behind). */
  skipped: number;
  drained: boolean;
}
