/**
 * Simulated network: packets between node ids under a seeded fault model
 * (cf. TigerBeetle's packet_simulator). Messages are opaque; only their byte
 * size is seen, for cost accounting.
 *
 * Per packet, in this order, drawing from the network's own RNG stream:
 *   1. sender/receiver across an active partition -> dropped ('partition');
 *   2. chance(lossProbability) -> dropped ('loss');
 *   3. delay = latencyMs + float() * jitterMs (jitter reorders packets);
 *   4. chance(duplicateProbability) -> a second copy with its own delay.
 * At delivery time the partition check is repeated (a cut severs packets in
 * flight) and a down receiver drops the packet ('down').
 *
 * Invariant (checked by tests): sent + duplicated
 *   = delivered + dropped(loss + partition + down) + inFlight.
 */
import { LagoonError } from '../core/errors.js';
import type { Rng } from './rng.js';

export interface LinkFaults {
  /** Fixed one-way delay in ms. */
  latencyMs: number;
  /** Extra delay drawn uniformly from [0, jitterMs) per packet; jitter wider than the send spacing reorders. */
  jitterMs: number;
  /** Probability a packet is lost, in [0, 1]. */
  lossProbability: number;
  /** Probability a (non-lost) packet is delivered twice, in [0, 1]. */
  duplicateProbability: number;
}

/** Between `atMs` (inclusive) and `healAtMs` (exclusive), nodes in different groups cannot reach each other. Nodes in no group are unaffected. */
export interface Partition {
  atMs: number;
  healAtMs: number;
  groups: string[][];
}

/** `node` is down from `downAtMs`; back up at `upAtMs` if given (the simulator then calls its `restart`). */
export interface Crash {
  node: string;
  downAtMs: number;
  upAtMs?: number;
}

export interface FaultConfig {
  /** Default faults for every directed link. */
  link: LinkFaults;
  /** Overrides per directed link, keyed `"<from>-><to>"`. */
  links?: Record<string, Partial<LinkFaults>>;
  partitions?: Partition[];
  crashes?: Crash[];
}

export const PERFECT_LINK: Readonly<LinkFaults> = Object.freeze({
  latencyMs: 1,
  jitterMs: 0,
  lossProbability: 0,
  duplicateProbability: 0,
});

export type DropReason = 'loss' | 'partition' | 'down';

export interface NodeCounters {
  sentMessages: number;
  sentBytes: number;
  receivedMessages: number;
  receivedBytes: number;
  droppedMessages: number;
}

export interface NetworkCounters {
  sentMessages: number;
  sentBytes: number;
  duplicatedMessages: number;
  deliveredMessages: number;
  deliveredBytes: number;
  droppedLoss: number;
  droppedPartition: number;
  droppedDown: number;
  inFlight: number;
}

export class Network {
  readonly config: Readonly<FaultConfig>;
  readonly totals: NetworkCounters = {
    sentMessages: 0, sentBytes: 0, duplicatedMessages: 0, deliveredMessages: 0, deliveredBytes: 0,
    droppedLoss: 0, droppedPartition: 0, droppedDown: 0, inFlight: 0,
  };
  readonly #rng: Rng;
  readonly #perNode = new Map<string, NodeCounters>();
  readonly #down = new Set<string>();
  /** Active partitions: node -> group index, one map per partition. */
  readonly #active = new Map<number, Map<string, number>>();
  readonly #linkCache = new Map<string, LinkFaults>();

  constructor(config: FaultConfig, rng: Rng) {
    validateFaults(config);
    this.config = config;
    this.#rng = rng;
  }

  counters(node: string): NodeCounters {
    let c = this.#perNode.get(node);
    if (c === undefined) {
      c = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0, droppedMessages: 0 };
      this.#perNode.set(node, c);
    }
    return c;
  }

  isUp(node: string): boolean {
    return !this.#down.has(node);
  }

  setUp(node: string, up: boolean): void {
    if (up) this.#down.delete(node);
    else this.#down.add(node);
  }

  applyPartition(index: number): void {
    const p = this.config.partitions?.[index];
    if (p === undefined) throw LagoonError.invalidArgument(`no partition ${index}`);
    const groupOf = new Map<string, number>();
    p.groups.forEach((g, gi) => { for (const n of g) groupOf.set(n, gi); });
    this.#active.set(index, groupOf);
  }

  healPartition(index: number): void {
    this.#active.delete(index);
  }

  canReach(from: string, to: string): boolean {
    for (const groupOf of this.#active.values()) {
      const a = groupOf.get(from);
      const b = groupOf.get(to);
      if (a !== undefined && b !== undefined && a !== b) return false;
    }
    return true;
  }

  link(from: string, to: string): LinkFaults {
    const overrides = this.config.links;
    if (overrides === undefined) return this.config.link;
    const key = `${from}->${to}`;
    let l = this.#linkCache.get(key);
    if (l === undefined) {
      l = { ...this.config.link, ...overrides[key] };
      this.#linkCache.set(key, l);
    }
    return l;
  }

  /** Accounts a send; returns the delivery delays in ms (0, 1 or 2 of them). */
  send(from: string, to: string, bytes: number): number[] {
    if (!(Number.isInteger(bytes) && bytes >= 0)) throw LagoonError.invalidArgument(`bytes must be a non-negative integer, got ${bytes}`);
    const c = this.counters(from);
    c.sentMessages++;
    c.sentBytes += bytes;
    const t = this.totals;
    t.sentMessages++;
    t.sentBytes += bytes;
    if (!this.canReach(from, to)) {
      t.droppedPartition++;
      this.counters(to).droppedMessages++;
      return [];
    }
    const l = this.link(from, to);
    if (this.#rng.chance(l.lossProbability)) {
      t.droppedLoss++;
      this.counters(to).droppedMessages++;
      return [];
    }
    const delays = [l.latencyMs + this.#rng.float() * l.jitterMs];
    if (this.#rng.chance(l.duplicateProbability)) {
      t.duplicatedMessages++;
      delays.push(l.latencyMs + this.#rng.float() * l.jitterMs);
    }
    t.inFlight += delays.length;
    return delays;
  }

  /** Called when a packet's delay has elapsed; true if the receiver gets it. A receiver that does not exist counts as down. */
  deliver(from: string, to: string, bytes: number, receiverExists = true): boolean {
    const t = this.totals;
    t.inFlight--;
    let reason: DropReason | undefined;
    if (!this.canReach(from, to)) reason = 'partition';
    else if (this.#down.has(to) || !receiverExists) reason = 'down';
    if (reason !== undefined) {
      if (reason === 'partition') t.droppedPartition++;
      else t.droppedDown++;
      this.counters(to).droppedMessages++;
      return false;
    }
    const c = this.counters(to);
    c.receivedMessages++;
    c.receivedBytes += bytes;
    t.deliveredMessages++;
    t.deliveredBytes += bytes;
    return true;
  }
}

function checkLink(where: string, l: Partial<LinkFaults>): void {
  for (const [k, v] of Object.entries(l)) {
    if (!['latencyMs', 'jitterMs', 'lossProbability', 'duplicateProbability'].includes(k)) {
      throw LagoonError.config(`${where}: unknown key ${k}`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw LagoonError.config(`${where}.${k} must be a finite number >= 0`);
    if (k.endsWith('Probability') && v > 1) throw LagoonError.config(`${where}.${k} must be <= 1`);
  }
}

/** Rejects bad combinations at creation (memberlist-style), so a run never starts on nonsense. */
export function validateFaults(f: FaultConfig): void {
  for (const k of Object.keys(f)) {
    if (!['link', 'links', 'partitions', 'crashes'].includes(k)) throw LagoonError.config(`faults: unknown key ${k}`);
  }
  checkLink('faults.link', f.link);
  for (const k of ['latencyMs', 'jitterMs', 'lossProbability', 'duplicateProbability'] as const) {
    if (f.link[k] === undefined) throw LagoonError.config(`faults.link.${k} is required`);
  }
  for (const [key, l] of Object.entries(f.links ?? {})) {
    if (!/^.+->.+$/.test(key)) throw LagoonError.config(`faults.links key must be "from->to", got ${key}`);
    checkLink(`faults.links[${key}]`, l);
  }
  (f.partitions ?? []).forEach((p, i) => {
    if (!(p.atMs >= 0 && p.healAtMs > p.atMs)) throw LagoonError.config(`faults.partitions[${i}]: need 0 <= atMs < healAtMs`);
    const seen = new Set<string>();
    for (const n of p.groups.flat()) {
      if (seen.has(n)) throw LagoonError.config(`faults.partitions[${i}]: node ${n} in two groups`);
      seen.add(n);
    }
  });
  (f.crashes ?? []).forEach((c, i) => {
    if (!(c.downAtMs >= 0) || (c.upAtMs !== undefined && !(c.upAtMs > c.downAtMs))) {
      throw LagoonError.config(`faults.crashes[${i}]: need 0 <= downAtMs < upAtMs`);
    }
  });
}
