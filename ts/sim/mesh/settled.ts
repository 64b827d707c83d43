/**
 * Settled worlds: the snapshot of a mesh that has converged on slots 0..n−1,
 * for the simulator to start from (MeshNode.resume) instead of growing it
 * join by join. Growing 10,000 nodes under the SPIRAL rule takes hours of CPU
 * here (each join's records flood a 1,651-record scope); what a join into
 * such a mesh costs (bytes to the joiner, time to meshed, records held) needs
 * only the mesh as it stands (docs/sim.md, "Settled worlds").
 *
 * The snapshot is what the nodes themselves would publish: each node's splice
 * claims and grants are the rule's fixpoint on the full occupancy, computed
 * here in synchronous rounds (each node reads the previous round's records,
 * as docs/spiral.md's research scripts do), and each record carries
 * attestations from its neighbours. Nothing in it is taken on trust by the
 * nodes: they verify every record, recompute their claims, grants and links
 * from what they hold, and publish again if they disagree, which the settled
 * scenario test counts.
 */
import type { MeshCrypto } from '../../mesh/node/crypto.js';
import { makeRecord, MAX_ATTESTATIONS, type PeerInfo } from '../../mesh/node/records.js';
import { publishedSplices, sameSplices, spliceSourceOf, type Topology } from '../../mesh/node/topology.js';
import type { SporeRecord } from '../../mesh/spore/store.js';
import type { Rng } from '../rng.js';

/** Rounds the fixpoint may take; the research scripts' worst from scratch was 24 (docs/spiral.md). */
const MAX_ROUNDS = 64;
/** Attested steps per neighbour: about two minutes of the stand-in's 1 s windows at 1,000 steps each. */
const ATTESTED_STEPS = 120_000;

export interface SettledSnapshot {
  /** Each slot's own record, signed by its node. */
  readonly own: readonly SporeRecord[];
  /** The records a node at `slot` holds: every slot within `scope` of it, its own excluded. */
  scopeOf(slot: number): SporeRecord[];
  /** Synchronous rounds the claims and grants took to settle (the last changed nothing). */
  readonly rounds: number;
}

type Splices = ReturnType<typeof publishedSplices>;

/**
 * `nodes[i]` holds slot i. `wallMs` is the world's wall clock at its start; each record was made up to
 * `refreshMs` before it (drawn from `rng`), so refreshes spread as in a mesh that has run a while.
 */
export function settledSnapshot(
  topology: Topology, nodes: readonly MeshCrypto[], scope: number, wallMs: number, refreshMs: number, rng: Rng,
): SettledSnapshot {
  const n = nodes.length;
  const occupied = Array.from({ length: n }, (_, i) => i);
  let state: Splices[] = occupied.map(() => ({ splices: [], grants: [] }));
  let rounds = 0;
  if (topology.spliceState !== undefined) {
    for (;;) {
      if (++rounds > MAX_ROUNDS) throw new Error(`settled snapshot: claims and grants did not settle in ${MAX_ROUNDS} rounds at n = ${n}`);
      const src = spliceSourceOf((slot) => state[slot]);
      // As the node machine publishes them (MeshNode.#updateSplices), so the records are byte for byte its own.
      const next = occupied.map((slot) => publishedSplices(topology.spliceState!(slot, occupied, src)));
      const same = next.every((s, i) => sameSplices(s, state[i]));
      state = next;
      if (same) break;
    }
  }
  const src = spliceSourceOf((slot) => state[slot]);
  const own = nodes.map((crypto, slot) => {
    const attesters = topology.neighbours(slot, occupied, src).slice(0, MAX_ATTESTATIONS);
    const attestations = attesters.map((a) => nodes[a]!.attest(crypto.publicKey, { steps: ATTESTED_STEPS, fromHeight: 0, toHeight: ATTESTED_STEPS, end: new Uint8Array(32) }));
    const s = state[slot]!;
    const info: PeerInfo = {
      publicKey: crypto.publicKey, slot, addrs: [`sim:${crypto.peerId}`], name: crypto.peerId.slice(4, 12), attestations,
      ...(s.splices.length > 0 ? { splices: s.splices } : {}), ...(s.grants.length > 0 ? { grants: s.grants } : {}),
    };
    return makeRecord(crypto, Math.floor(wallMs - 1 - rng.int(refreshMs)), info).record;
  });
  return {
    own, rounds,
    scopeOf: (slot) => {
      const out: SporeRecord[] = [];
      for (let s = 0; s < n; s++) if (s !== slot && topology.distance(s, slot) <= scope) out.push(own[s]!);
      return out;
    },
  };
}
