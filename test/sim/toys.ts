/** Toy sans-IO machines used by the simulator's own tests. */
import type { Out, SimNode } from '../../ts/sim/simulator.js';

export type FloodMsg = { t: 'v'; v: number } | { t: 'a' };
export const VALUE_BYTES = 40;
export const ACK_BYTES = 8;

/**
 * Floods one value: on first receipt forward to every neighbour but the
 * sender; ack every value message; retransmit unacked values every
 * `retransmitMs`, at most `maxRetries` times per neighbour.
 */
export class FloodNode implements SimNode<FloodMsg> {
  value: number | undefined;
  readonly #pending = new Map<string, { deadline: number; retries: number }>();
  #next: number | undefined;

  constructor(
    readonly neighbours: readonly string[],
    readonly retransmitMs = 200,
    readonly maxRetries = 30,
  ) {}

  broadcast(v: number, now: number): Out<FloodMsg>[] {
    this.value = v;
    return [{ emit: { got: v } }, ...this.#forward(undefined, now)];
  }

  handle(from: string, msg: FloodMsg, now: number): Out<FloodMsg>[] {
    if (msg.t === 'a') {
      if (this.#pending.delete(from)) this.#recompute();
      return [];
    }
    const out: Out<FloodMsg>[] = [{ send: { to: from, msg: { t: 'a' }, bytes: ACK_BYTES } }];
    if (this.value === undefined) {
      this.value = msg.v;
      out.push({ emit: { got: msg.v } }, ...this.#forward(from, now));
    }
    return out;
  }

  handleTimeout(now: number): Out<FloodMsg>[] {
    const out: Out<FloodMsg>[] = [];
    for (const [peer, p] of this.#pending) {
      if (p.deadline > now) continue;
      if (p.retries >= this.maxRetries) {
        this.#pending.delete(peer);
        continue;
      }
      p.retries++;
      p.deadline = now + this.retransmitMs;
      out.push({ send: { to: peer, msg: { t: 'v', v: this.value as number }, bytes: VALUE_BYTES } });
    }
    this.#recompute();
    return out;
  }

  nextTimeout(): number | undefined {
    return this.#next;
  }

  #forward(except: string | undefined, now: number): Out<FloodMsg>[] {
    const out: Out<FloodMsg>[] = [];
    for (const n of this.neighbours) {
      if (n === except) continue;
      this.#pending.set(n, { deadline: now + this.retransmitMs, retries: 0 });
      out.push({ send: { to: n, msg: { t: 'v', v: this.value as number }, bytes: VALUE_BYTES } });
    }
    this.#recompute();
    return out;
  }

  #recompute(): void {
    let m: number | undefined;
    for (const p of this.#pending.values()) if (m === undefined || p.deadline < m) m = p.deadline;
    this.#next = m;
  }
}

export type PingMsg = { seq: number };

/** Sends `{seq}` to `peer` every `intervalMs`; records every receipt and every call. */
export class PingNode implements SimNode<PingMsg> {
  readonly received: { from: string; seq: number; at: number }[] = [];
  readonly calls: number[] = [];
  restarts: number[] = [];
  #seq = 0;
  #next: number;

  constructor(readonly peer: string, readonly intervalMs = 100, start = 0, readonly withRestart = false) {
    this.#next = start;
    if (withRestart) {
      this.restart = (now: number): Out<PingMsg>[] => {
        this.restarts.push(now);
        this.#next = now;
        return [{ emit: { restarted: now } }];
      };
    }
  }

  restart?: (now: number) => Out<PingMsg>[];

  handle(from: string, msg: PingMsg, now: number): Out<PingMsg>[] {
    this.calls.push(now);
    this.received.push({ from, seq: msg.seq, at: now });
    return [];
  }

  handleTimeout(now: number): Out<PingMsg>[] {
    this.calls.push(now);
    this.#next = now + this.intervalMs;
    return [{ send: { to: this.peer, msg: { seq: this.#seq++ }, bytes: 16 } }];
  }

  nextTimeout(): number | undefined {
    return this.#next;
  }
}

/** Ring plus one random chord per node; undirected, no duplicate edges. */
export function ringWithChords(n: number, pick: (n: number) => number): { ids: string[]; adj: Set<string>[]; edges: number } {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const adj = ids.map(() => new Set<string>());
  let edges = 0;
  const link = (a: number, b: number): void => {
    const A = adj[a] as Set<string>, B = adj[b] as Set<string>;
    if (a === b || A.has(ids[b] as string)) return;
    A.add(ids[b] as string);
    B.add(ids[a] as string);
    edges++;
  };
  for (let i = 0; i < n; i++) link(i, (i + 1) % n);
  for (let i = 0; i < n; i++) link(i, pick(n));
  return { ids, adj, edges };
}
