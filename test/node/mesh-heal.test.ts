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
import { spawnCli, testEnv, type Spawned } from './helpers.js';
import { converged, until } from './mesh-api.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lagoon-heal-'));

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
    // Unlinked when they stopped being neighbours (kept watched after their links went): out of the VDF handshake too.
    t.deepEqual(m.spiral.vdf.peers.filter((p) => p === null || dead.has(p.peerId)), [], `${m.peerId} still checks a dead node`);
  }
  t.true(healed.reduce((a, m) => a + m.spiral.counters.pruned, 0) >= victims.length);
  t.true(healed.some((m) => m.spiral.tombstones > 0));
});
