/**
 * A server restarts (an upgrade, a crash and a supervisor): killed with
 * SIGKILL and started again at once from the same data directory, so with the
 * same identity, but a new process whose VDF chain starts again at window 0
 * and a new mesh port. Its neighbours kept checking it while its links were
 * down; they must take its new chain (docs/vdf.md: a header that does not
 * chain to the last one accepted is checked afresh against the verifier's
 * nonce) rather than count it as a replay and prune it. Its concierge still
 * holds its record, so it gets its own slot back: nobody moves.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, testEnv, type Spawned } from './helpers.js';
import { converged, mesh, until } from './mesh-api.js';

test('a node killed and started again with the same identity is proved and meshed again; nobody prunes it', async (t) => {
  t.timeout(120_000);
  const signal = AbortSignal.timeout(100_000);
  const spawned: Spawned[] = [];
  t.teardown(() => { for (const s of spawned) s.child.kill('SIGKILL'); });
  const dirs = Array.from({ length: 4 }, () => mkdtempSync(join(tmpdir(), 'lagoon-restart-')));
  const env = (i: number, extra: Record<string, string> = {}) =>
    // 3 s VDF windows: its neighbours prune a node silent for 3 windows, and the restart (a new process: node's
    // start, the native addon, the data directory) must come in under that even on a loaded machine. With the
    // test profile's 1 s windows it did not always (ava runs the 10-process heal test beside it): pruned, the
    // node came back as a joiner at a new slot. Early windows still prove a new link within a round trip.
    testEnv(dirs[i]!, { LAGOON_NODE_NAME: `r${i}`, LAGOON_SERVER_NAME: `r${i}.test`, LAGOON_BROADCAST: 'true', LAGOON_VDF_WINDOW_MS: '3000', ...extra });
  const first = spawnCli(['start'], env(0), signal);
  spawned.push(first);
  const p0 = await first.listening;
  const peers = { LAGOON_PEERS: `127.0.0.1:${p0.meshPort}` };
  const rest = [1, 2, 3].map((i) => spawnCli(['start'], env(i, peers), signal));
  spawned.push(...rest);
  const ports = [p0, ...(await Promise.all(rest.map((s) => s.listening)))];
  const formed = await until(ports, (all) => converged(all) ?? all.find((m) => !m.spiral.meshed)?.peerId ?? null, signal);

  const victim = ports[2]!;
  const victimSlot = formed.find((m) => m.peerId === victim.peer)!.spiral.slot;
  const filledBefore = formed.reduce((a, m) => a + m.spiral.counters.holesFilled, 0);
  spawned[2]!.child.kill('SIGKILL');
  await spawned[2]!.exit;
  // How far each other node had verified the victim's chain when it died. A height moves only when an opening is
  // verified, and the dead chain sends none: any other height is its new chain's. (Comparing with "below the old
  // height" failed in CI: a new chain verified late had already grown past it.)
  const others = [ports[0]!, ports[1]!, ports[3]!];
  const atKill = await Promise.all(others.map((p) => mesh(p, signal)));
  const heightAtKill = new Map(atKill.map((m) => [m.peerId, m.spiral.vdf.peers.find((p) => p?.peerId === victim.peer)?.height]));
  const again = spawnCli(['start'], env(2, peers), signal);
  spawned.push(again);
  const back = await again.listening;
  t.is(back.peer, victim.peer, 'same identity');
  const t0 = Date.now();
  const nodes = [ports[0]!, ports[1]!, back, ports[3]!];
  // Proved: every node meshed, and every other node's VDF handshake has the restarted node alive on its new chain.
  await until(nodes, (ms) => {
    for (const m of ms) {
      if (!m.spiral.meshed) return `${m.peerId} not meshed`;
      const v = m.spiral.vdf.peers.find((p) => p?.peerId === victim.peer);
      if (m.peerId === victim.peer) continue;
      if (v?.verdict !== 'alive') return `${m.peerId} sees the restarted node ${v?.verdict ?? 'unchecked'}`;
      if (v.height === heightAtKill.get(m.peerId)) return `${m.peerId} has not verified the new chain yet (height ${v.height})`;
    }
    return null;
  }, signal);
  const provedMs = Date.now() - t0;
  const all = await until(nodes, converged, signal);
  t.log(`restarted node proved and meshed again ${provedMs} ms after it listened; converged after ${Date.now() - t0} ms; slots offered back by each node: ${all.map((m) => m.spiral.counters.slotsReturned).join(', ')}`);
  t.is(all.find((m) => m.peerId === victim.peer)!.spiral.slot, victimSlot, 'back at its own slot');
  // Its entry points (LAGOON_PEERS, and the peers in its cache, dialled first) may each answer its JOIN.
  const returned = all.map((m) => m.spiral.counters.slotsReturned);
  t.true(returned.reduce((a, b) => a + b, 0) >= 1, `its concierge offered it back (${returned.join(', ')})`);
  t.is(all.reduce((a, m) => a + m.spiral.counters.holesFilled, 0), filledBefore, 'no hole to fill: nobody moved');
  for (const m of all) t.is(m.spiral.counters.pruned, 0, `${m.peerId} pruned nobody`);
  const reanchored = all.reduce((a, m) => a + (m.spiral.vdf.counters['proofsReanchored'] ?? 0), 0);
  t.true(reanchored >= 1, 'its neighbours checked its new chain afresh');
});
