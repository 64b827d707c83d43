/** Reading real nodes' GET /api/mesh in node tests: one poll, polling until a predicate holds, and convergence. */
import { isFetchFailure, type Listening } from './helpers.js';

export interface Spiral {
  slot: number | null; neighbours: string[]; records: number; tombstones: number; counters: { pruned: number; slotsReturned: number; holesFilled: number }; meshed: boolean; meshedAfterMs: number | null;
  vdf: { counters: Record<string, number>; peers: Array<{ peerId: string; verdict: string; height: number; work: number } | null> };
}
export interface MeshApi { peerId: string; links: Array<{ peerId: string }>; spiral: Spiral }

export async function mesh(p: Listening, signal: AbortSignal): Promise<MeshApi> {
  signal.throwIfAborted();
  // A fresh signal per request: fetch leaves its listener on a long-lived one.
  return (await (await fetch(`http://127.0.0.1:${p.httpPort}/api/mesh`, { signal: AbortSignal.timeout(10_000) })).json()) as MeshApi;
}

/** Poll every node until `pred` holds for the whole set; bounded by `signal` and a count. */
export async function until(nodes: Listening[], pred: (all: MeshApi[]) => string | null, signal: AbortSignal): Promise<MeshApi[]> {
  let why: string | null = 'not checked';
  for (let i = 0; i < 5000 && !signal.aborted; i++) {
    let all: MeshApi[];
    try {
      all = await Promise.all(nodes.map((n) => mesh(n, signal)));
    } catch (err) {
      // A keep-alive connection closed under fetch as it reused it is not the node's answer: poll again.
      if (!isFetchFailure(err)) throw err;
      why = `request failed: ${String((err as Error).cause ?? err)}`;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    why = pred(all);
    if (why === null) return all;
    await new Promise((r) => setTimeout(r, 100)); // pacing between polls of real state, not a synchronisation sleep
  }
  throw new Error(`mesh never converged: ${why}`);
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

