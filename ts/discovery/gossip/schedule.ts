/**
 * The fault schedule of a dissemination experiment, computed before the run
 * so the simulator's crash list and the link-down/up commands agree, and so
 * the gossip run and its baselines face the same churn.
 *
 * Churn c per broadcast period: at the start, c/2 of the nodes are already
 * down (crashed and detected). In every measured period, c/2·N live nodes
 * crash at uniformly random times within the period (their neighbours learn
 * of it `detectMs` later, as a transport notices a dead link) and c/2·N down
 * nodes come back with empty state at random times within it. So c·N nodes
 * change state per broadcast period, and some of them do so while the
 * broadcast is spreading. The delivery target of a broadcast is every node up
 * for its whole period (a node that crashes later in the period is left out
 * even if it got the message, which slightly raises copies per target).
 */
import type { Crash } from '../../sim/network.js';
import type { Rng } from '../../sim/rng.js';

export interface LinkChange { readonly atMs: number; readonly node: number; readonly up: boolean }

export interface Window {
  readonly atMs: number;
  readonly origin: number;
  /** 1 = must receive the broadcast (up for the whole window). */
  readonly target: Uint8Array;
  readonly targets: number;
  readonly measured: boolean;
}

export interface Schedule {
  readonly crashes: Crash[];
  /** Node state changes; neighbours get link events at `atMs` (+ detectMs for downs). */
  readonly changes: LinkChange[];
  readonly windows: Window[];
}

export interface ScheduleOptions {
  readonly nodes: number;
  readonly churn: number;
  readonly warmupBroadcasts: number;
  readonly broadcasts: number;
  readonly firstBroadcastMs: number;
  readonly spacingMs: number;
  readonly churnWindowMs: number;
  readonly detectMs: number;
  /** Nodes that may originate (broadcasting ones). */
  readonly canOriginate: (node: number) => boolean;
}

export function buildSchedule(o: ScheduleOptions, rng: Rng): Schedule {
  const n = o.nodes;
  const up = new Uint8Array(n).fill(1);
  const open = new Map<number, Crash>();
  const crashes: Crash[] = [];
  const changes: LinkChange[] = [];
  const half = Math.round((o.churn * n) / 2);
  const pickWhere = (k: number, pred: (i: number) => boolean): number[] => {
    const pool: number[] = [];
    for (let i = 0; i < n; i++) if (pred(i)) pool.push(i);
    return rng.shuffle(pool).slice(0, k);
  };
  const crash = (node: number, atMs: number): void => {
    const c: Crash = { node: nodeId(node), downAtMs: atMs };
    crashes.push(c);
    open.set(node, c);
    up[node] = 0;
    changes.push({ atMs, node, up: false });
  };
  for (const i of pickWhere(half, () => true)) crash(i, 1);
  const windows: Window[] = [];
  const total = o.warmupBroadcasts + o.broadcasts;
  for (let b = 0; b < total; b++) {
    const atMs = o.firstBroadcastMs + b * o.spacingMs;
    const measured = b >= o.warmupBroadcasts;
    const origin = pickWhere(1, (i) => up[i] === 1 && o.canOriginate(i))[0];
    if (origin === undefined) throw new RangeError('schedule: no live broadcasting node to originate');
    const target = Uint8Array.from(up);
    if (measured) {
      for (const i of pickWhere(half, (j) => up[j] === 1 && j !== origin)) {
        target[i] = 0;
        crash(i, atMs + rng.int(o.churnWindowMs));
      }
      for (const i of pickWhere(half, (j) => up[j] === 0 && open.get(j)!.downAtMs + o.detectMs < atMs && target[j] === 0)) {
        const t = atMs + rng.int(o.churnWindowMs);
        (open.get(i) as { upAtMs?: number }).upAtMs = t;
        open.delete(i);
        changes.push({ atMs: t, node: i, up: true });
      }
    }
    let targets = 0;
    for (let i = 0; i < n; i++) targets += target[i] as number;
    windows.push({ atMs, origin, target, targets, measured });
    // Nodes that came back in this window are up for the next one.
    for (const c of changes) if (c.up && c.atMs >= atMs) up[c.node] = 1;
  }
  return { crashes, changes, windows };
}

export function nodeId(i: number): string {
  return `n${i}`;
}
