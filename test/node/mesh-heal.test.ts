/**
 * Ten real node processes form a mesh from one address (APE), then three are
 * killed with SIGKILL (no goodbye): the survivors prune them for lack of VDF
 * proofs, tombstone them, refill their slots and end with a symmetric mesh of
 * the seven. Waits poll /api/mesh (real requests), bounded by a deadline.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, testEnv, type Listening, type Spawned } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lagoon-heal-'));

interface Spiral { slot: number | null; neighbours: string[]; records: number; tombstones: number; counters: { pruned: number }; meshed: boolean; meshedAfterMs: number | null }
interface MeshApi { peerId: string; links: Array<{ peerId: string }>; spiral: Spiral }

async function mesh(p: Listening, signal: AbortSignal): Promise<MeshApi> {
  signal.throwIfAborted();
  // A fresh signal per request: fetch leaves its listener on a long-lived one.
  return (await (await fetch(`http://127.0.0.1:${p.httpPort}/api/mesh`, { signal: AbortSignal.timeout(10_000) })).json()) as MeshApi;
}

/** Poll every node until `pred` holds for the whole set; bounded by `signal` and a count. */
async function until(nodes: Listening[], pred: (all: MeshApi[]) => string | null, signal: AbortSignal): Promise<MeshApi[]> {
  let why: string | null = 'not checked';
  for (let i = 0; i < 5000 && !signal.aborted; i++) {
    const all = await Promise.all(nodes.map((n) => mesh(n, signal)));
    why = pred(all);
    if (why === null) return all;
    await new Promise((r) => setTimeout(r, 100)); // pacing between polls of real state, not a synchronisation sleep
  }
  throw new Error(`mesh never converged: ${why}`);
}

/** Unique slots 0..n−1 and every node's neighbours are exactly all the others (n ≤ 21: SPIRAL is complete). */
function converged(all: MeshApi[]): string | null {
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

test('ten processes join through one address; three are killed; the seven heal into one symmetric mesh', async (t) => {
  t.timeout(170_000);
  const signal = AbortSignal.timeout(150_000);
  const spawned: Spawned[] = [];
  t.teardown(() => { for (const s of spawned) s.child.kill('SIGKILL'); });
  const env = (name: string, extra: Record<string, string> = {}) => testEnv(tmp(), { LAGOON_NODE_NAME: name, LAGOON_SERVER_NAME: `${name}.test`, LAGOON_BROADCAST: 'true', ...extra });
  const first = spawnCli(['start'], env('n0'), signal);
  spawned.push(first);
  const p0 = await first.listening;
  const rest = Array.from({ length: 9 }, (_, i) => spawnCli(['start'], env(`n${i + 1}`, { LAGOON_PEERS: `127.0.0.1:${p0.meshPort}` }), signal));
  spawned.push(...rest);
  const ports = [p0, ...(await Promise.all(rest.map((s) => s.listening)))];

  const t0 = Date.now();
  const all = await until(ports, converged, signal);
  t.log(`10 nodes converged ${Date.now() - t0} ms after the last started`);
  t.is(all.find((m) => m.peerId === p0.peer)!.spiral.slot, 0);
  // Join -> meshed on real nodes: from a node's mesh start to the first time it had a link to and a verified VDF
  // proof from every neighbour (the test profile's 1 s window, docs/mesh-node.md).
  const meshed = await until(ports, (ms) => ms.find((m) => !m.spiral.meshed)?.peerId ?? null, signal);
  const times = meshed.filter((m) => m.peerId !== p0.peer).map((m) => m.spiral.meshedAfterMs);
  t.true(times.every((x) => typeof x === 'number' && x > 0), JSON.stringify(times));
  const sorted = (times as number[]).sort((a, b) => a - b);
  t.log(`join -> meshed (real processes, 9 joiners): ${sorted.join(', ')} ms`);

  // Kill three that are not the bootstrap: no FIN, no goodbye; only missing VDF proofs tell.
  const victims = [3, 6, 8];
  for (const i of victims) spawned[i]!.child.kill('SIGKILL');
  const survivors = ports.filter((_, i) => !victims.includes(i));
  const t1 = Date.now();
  const healed = await until(survivors, converged, signal);
  t.log(`7 survivors healed ${Date.now() - t1} ms after the kill`);
  const dead = new Set(victims.map((i) => ports[i]!.peer));
  for (const m of healed) {
    t.false(m.spiral.neighbours.some((p) => dead.has(p)));
    t.false(m.links.some((l) => dead.has(l.peerId)));
  }
  t.true(healed.reduce((a, m) => a + m.spiral.counters.pruned, 0) >= victims.length);
  t.true(healed.some((m) => m.spiral.tombstones > 0));
});
