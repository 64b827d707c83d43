/** Reading real nodes' GET /api/mesh in node tests: one poll, polling until a predicate holds, and convergence. */
import type { Listening } from './helpers.js';
import { httpJson, pollUntil } from '../helpers/poll.js';

export interface Spiral {
  slot: number | null; neighbours: string[]; records: number; tombstones: number; counters: { pruned: number; slotsReturned: number; holesFilled: number }; meshed: boolean; meshedAfterMs: number | null;
  vdf: { counters: Record<string, number>; peers: Array<{ peerId: string; verdict: string; height: number; work: number } | null> };
}
export interface MeshApi { peerId: string; links: Array<{ peerId: string }>; spiral: Spiral }

export async function mesh(p: Listening, signal: AbortSignal): Promise<MeshApi> {
  signal.throwIfAborted();
  return httpJson<MeshApi>(p.httpPort, '/api/mesh');
}

/** Poll every node until `pred` holds for the whole set (null; else it says why not); bounded by `signal` and a count. */
export function until(nodes: Listening[], pred: (all: MeshApi[]) => string | null, signal: AbortSignal): Promise<MeshApi[]> {
  return pollUntil(() => Promise.all(nodes.map((n) => mesh(n, signal))), pred, { signal, what: 'the mesh', paceMs: 100, maxPolls: 5000 });
}

/** Unique slots 0..n−1 and every node's neighbours are exactly all the others (n ≤ 21: SPIRAL is complete). */
export function converged(all: MeshApi[]): string | null {
  const ids = new Set(all.map((m) => m.peerId));
  const slots = all.map((m) => m.spiral.slot);
  if (slots.some((s) => s === null)) return `slots ${JSON.stringify(slots)}`;
  const sorted = [...(slots as number[])].sort((a, b) => a - b);
  if (sorted.some((s, i) => s !== i)) return `slots not 0..${all.length - 1}: ${sorted.join(',')}`;
  for (const m of all) {
    const nb = new Set(m.spiral.neighbours);
    if (nb.size !== all.length - 1) return `${m.peerId} has ${nb.size} neighbours`;
    for (const p of nb) if (!ids.has(p)) return `${m.peerId} keeps ${p}`;
    for (const p of ids) if (p !== m.peerId && !nb.has(p)) return `${m.peerId} lacks ${p}`;
    if (m.spiral.records !== all.length) return `${m.peerId} holds ${m.spiral.records} records`;
  }
  return null;
}

