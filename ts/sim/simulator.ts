/**
 * Deterministic discrete-event simulator: drives many sans-IO machines over a
 * virtual clock and a simulated network (ARCHITECTURE §2). The simulator swaps
 * the I/O around a machine, never the machine (TigerBeetle's message_bus).
 *
 * Node contract (`SimNode<M>`), the same one a real driver uses:
 *   - `handle(from, msg, now)`: a message arrived;
 *   - `handleTimeout(now)`: the timer the node last reported is due;
 *   - `nextTimeout()`: the earliest armed timer (absolute virtual ms), or undefined;
 *   - `restart?(now)`: called when a crashed node comes back up. A node without
 *     it resumes with its memory intact (a pause); one with it decides what
 *     survives (a reboot with persisted state).
 * Each call returns actions: `{ send: { to, msg, bytes } }` or `{ emit: event }`.
 * After every call the simulator re-reads `nextTimeout()`, so timers stay data
 * inside the machine. `now` passed to a node never goes back.
 *
 * Determinism: all randomness comes from `Rng(seed)` forks; events at equal
 * times run in scheduling order; node iteration is in insertion order. A run is
 * a pure function of (seed, faults, nodes, commands). Every run is bounded by
 * `maxTimeMs` and `maxEvents`.
 */
import { LagoonError } from '../core/errors.js';
import { EventQueue, VirtualClock } from './clock.js';
import { Network, type FaultConfig } from './network.js';
import { Rng, fnv1a32 } from './rng.js';

export type Out<M> = { send: { to: string; msg: M; bytes: number } } | { emit: unknown };

export interface SimNode<M> {
  handle(from: string, msg: M, now: number): Out<M>[];
  handleTimeout(now: number): Out<M>[];
  nextTimeout(): number | undefined;
  restart?(now: number): Out<M>[];
}

export interface SimConfig {
  /** Non-negative integer < 2^53; the whole run follows from it. */
  seed: number;
  faults: FaultConfig;
  /** Emitted events kept in `emitted` (later ones are only counted). Default 1,000,000. */
  maxEmitted?: number;
  /** Trace lines kept in `trace` for debugging (the hash covers all). Default 0. */
  maxTraceLines?: number;
  /** Called on every emit, e.g. to maintain an O(1) `until` predicate. */
  onEmit?: (node: string, event: unknown, nowMs: number) => void;
}

export interface RunLimits {
  maxTimeMs: number;
  maxEvents: number;
  /** Checked before every event; keep it O(1). */
  until?: () => boolean;
}

export type StopReason = 'predicate' | 'time' | 'events' | 'idle';

export interface RunResult {
  reason: StopReason;
  nowMs: number;
  events: number;
}

export interface Emitted {
  atMs: number;
  node: string;
  event: unknown;
}

export interface SimCounters {
  events: number;
  deliveries: number;
  timeouts: number;
  commands: number;
  faults: number;
  emits: number;
}

type Ev<M> =
  | { k: 'deliver'; from: string; to: string; msg: M; bytes: number }
  | { k: 'timer'; node: string; gen: number }
  | { k: 'command'; node: string; fn: (node: SimNode<M>, nowMs: number) => Out<M>[] }
  | { k: 'partition'; index: number; on: boolean }
  | { k: 'crash'; node: string; up: boolean };

interface Slot<M> {
  node: SimNode<M>;
  armedAt: number | undefined;
  gen: number;
  /** The instant this node's timer last fired, and how many times in a row it fired then. */
  firedAt: number;
  firedAgain: number;
}

/**
 * A node whose timer fires this many times in a row at one instant never consumes what is due (its nextTimeout()
 * stays at `now` after handleTimeout): virtual time would stop while events run on. A real node's event loop
 * would spin on it instead. Legitimate re-arms at the same instant are a handful.
 */
export const MAX_TIMER_FIRINGS_AT_ONE_INSTANT = 1000;

export class Simulator<M> {
  readonly seed: number;
  readonly rng: Rng;
  readonly clock = new VirtualClock();
  readonly network: Network;
  readonly emitted: Emitted[] = [];
  readonly trace: string[] = [];
  readonly counters: SimCounters = { events: 0, deliveries: 0, timeouts: 0, commands: 0, faults: 0, emits: 0 };
  readonly #config: SimConfig;
  readonly #queue = new EventQueue<Ev<M>>();
  readonly #slots = new Map<string, Slot<M>>();
  #hash = 0x811c9dc5;

  constructor(config: SimConfig) {
    this.#config = config;
    this.seed = config.seed;
    this.rng = new Rng(config.seed);
    this.network = new Network(config.faults, this.rng.fork('network'));
    (config.faults.partitions ?? []).forEach((p, index) => {
      this.#queue.push(p.atMs, { k: 'partition', index, on: true });
      this.#queue.push(p.healAtMs, { k: 'partition', index, on: false });
    });
    for (const c of config.faults.crashes ?? []) {
      this.#queue.push(c.downAtMs, { k: 'crash', node: c.node, up: false });
      if (c.upAtMs !== undefined) this.#queue.push(c.upAtMs, { k: 'crash', node: c.node, up: true });
    }
  }

  get nowMs(): number {
    return this.clock.nowMs;
  }

  /** 32-bit FNV-1a over every processed event (time, kind, endpoints, size). */
  get traceHash(): string {
    return (this.#hash >>> 0).toString(16).padStart(8, '0');
  }

  get nodeCount(): number {
    return this.#slots.size;
  }

  node(id: string): SimNode<M> | undefined {
    return this.#slots.get(id)?.node;
  }

  addNode(id: string, node: SimNode<M>): void {
    if (this.#slots.has(id)) throw LagoonError.invalidArgument(`sim: node ${id} added twice`);
    const slot: Slot<M> = { node, armedAt: undefined, gen: 0, firedAt: -1, firedAgain: 0 };
    this.#slots.set(id, slot);
    this.#rearm(id, slot);
  }

  /** Schedules a command (e.g. "broadcast this value") on a node at `atMs`; skipped if the node is down then. */
  command(atMs: number, id: string, fn: (node: SimNode<M>, nowMs: number) => Out<M>[]): void {
    if (atMs < this.nowMs) throw LagoonError.invalidArgument(`sim: command at ${atMs} is in the past (now=${this.nowMs})`);
    this.#queue.push(atMs, { k: 'command', node: id, fn });
  }

  /** Seed and every fault parameter, as printed on failure. */
  describe(): string {
    return `seed=${this.seed}\nfaults=${JSON.stringify(this.#config.faults, null, 2)}`;
  }

  run(limits: RunLimits): RunResult {
    const { maxTimeMs, maxEvents, until } = limits;
    if (!(maxTimeMs >= 0 && Number.isFinite(maxTimeMs)) || !(maxEvents >= 0 && Number.isFinite(maxEvents))) {
      throw LagoonError.invalidArgument('sim.run needs finite maxTimeMs and maxEvents');
    }
    let events = 0;
    for (;;) {
      if (until !== undefined && until()) return this.#result('predicate', events);
      if (events >= maxEvents) return this.#result('events', events);
      const t = this.#queue.peekTime();
      if (t === undefined) return this.#result('idle', events);
      if (t > maxTimeMs) {
        if (maxTimeMs > this.nowMs) this.clock.advanceTo(maxTimeMs);
        return this.#result('time', events);
      }
      const e = this.#queue.pop() as { atMs: number; item: Ev<M> };
      this.clock.advanceTo(e.atMs);
      if (this.#dispatch(e.item)) {
        events++;
        this.counters.events++;
      }
    }
  }

  #result(reason: StopReason, events: number): RunResult {
    return { reason, nowMs: this.nowMs, events };
  }

  /** Returns false for events that turned out void (stale timers), which are not counted or hashed. */
  #dispatch(e: Ev<M>): boolean {
    const now = this.nowMs;
    switch (e.k) {
      case 'deliver': {
        const slot = this.#slots.get(e.to);
        const ok = this.network.deliver(e.from, e.to, e.bytes, slot !== undefined);
        this.#record(`${now}|d|${e.from}|${e.to}|${e.bytes}|${ok ? 1 : 0}`);
        if (!ok || slot === undefined) return true;
        this.counters.deliveries++;
        this.#apply(e.to, slot, slot.node.handle(e.from, e.msg, now));
        return true;
      }
      case 'timer': {
        const slot = this.#slots.get(e.node);
        if (slot === undefined || slot.gen !== e.gen || !this.network.isUp(e.node)) return false;
        slot.armedAt = undefined;
        slot.firedAgain = slot.firedAt === now ? slot.firedAgain + 1 : 0;
        slot.firedAt = now;
        if (slot.firedAgain >= MAX_TIMER_FIRINGS_AT_ONE_INSTANT) {
          throw new LagoonError('ERR_STATE_CORRUPT', `sim: ${e.node}'s timer fired ${slot.firedAgain} times at ${now} ms and is due again: its nextTimeout() stays due after handleTimeout (seed ${this.seed})`);
        }
        this.#record(`${now}|t|${e.node}`);
        this.counters.timeouts++;
        this.#apply(e.node, slot, slot.node.handleTimeout(now));
        return true;
      }
      case 'command': {
        const slot = this.#slots.get(e.node);
        this.#record(`${now}|c|${e.node}`);
        if (slot === undefined || !this.network.isUp(e.node)) return true;
        this.counters.commands++;
        this.#apply(e.node, slot, e.fn(slot.node, now));
        return true;
      }
      case 'partition':
        this.#record(`${now}|p|${e.index}|${e.on ? 1 : 0}`);
        this.counters.faults++;
        if (e.on) this.network.applyPartition(e.index);
        else this.network.healPartition(e.index);
        return true;
      case 'crash':
        return this.#crash(e.node, e.up, now);
    }
  }

  #crash(id: string, up: boolean, now: number): boolean {
    this.#record(`${now}|x|${id}|${up ? 1 : 0}`);
    this.counters.faults++;
    this.network.setUp(id, up);
    const slot = this.#slots.get(id);
    if (slot === undefined) return true;
    if (!up) {
      slot.gen++; // a down node's timers are void
      slot.armedAt = undefined;
      return true;
    }
    const outs = slot.node.restart?.(now) ?? [];
    this.#apply(id, slot, outs);
    return true;
  }

  #apply(id: string, slot: Slot<M>, outs: Out<M>[]): void {
    const now = this.nowMs;
    for (const o of outs) {
      if ('send' in o) {
        const { to, msg, bytes } = o.send;
        for (const delay of this.network.send(id, to, bytes)) {
          this.#queue.push(now + delay, { k: 'deliver', from: id, to, msg, bytes });
        }
      } else {
        this.counters.emits++;
        if (this.emitted.length < (this.#config.maxEmitted ?? 1_000_000)) this.emitted.push({ atMs: now, node: id, event: o.emit });
        this.#config.onEmit?.(id, o.emit, now);
      }
    }
    this.#rearm(id, slot);
  }

  #rearm(id: string, slot: Slot<M>): void {
    const t = slot.node.nextTimeout();
    if (t === slot.armedAt) return;
    slot.gen++;
    slot.armedAt = t;
    if (t !== undefined) this.#queue.push(Math.max(t, this.nowMs), { k: 'timer', node: id, gen: slot.gen });
  }

  #record(line: string): void {
    this.#hash = fnv1a32(line, this.#hash);
    if (this.trace.length < (this.#config.maxTraceLines ?? 0)) this.trace.push(line);
  }
}
