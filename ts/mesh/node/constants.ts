/** The mesh node machine's settings: what each costs, and its default. */
export interface MeshNodeConfig {
  /** Housekeeping period (join retries, lingering links, dials), ms. */
  readonly tickMs: number;
  /** How often a changed record set starts a SPORE exchange with each neighbour, ms. */
  readonly syncIntervalMs: number;
  /** Exchanges a node starts per sync round at most (the neighbours waiting longest first). */
  readonly syncFanout: number;
  /** An unchanged set still reconciles with each neighbour this often (repairs anything lost), ms. */
  readonly antiEntropyMs: number;
  /** Links and occupancy are recomputed once the view has been quiet this long, ms… */
  readonly settleMs: number;
  /** …or at the latest this long after the previous recomputation while changes keep coming, ms. */
  readonly maxStaleMs: number;
  /**
   * A record that names our slot in its splice claims or grants is acted on one splice round after our last
   * recomputation instead of after a quiet settleMs. Each splice round between neighbours costs a round plus a
   * link's latency, and a joiner's links settle only after a few rounds, each new neighbour wanting a first VDF
   * proof; a round shorter than the time an answer takes lets two nodes' claims and grants flip each other
   * (docs/mesh-node.md). A round is spliceRoundRtts of the slowest neighbour's measured round trip (PING/PONG), at
   * least SPLICE_ROUND_FLOOR_MS; this is the round before any neighbour's round trip is measured, ms.
   */
  readonly spliceRoundMs: number;
  /**
   * A splice round in measured round trips to the slowest neighbour: a claim reaches the node it names through a
   * relay (one round trip there and back) and the answer comes back the same way, so 4 lets two of them complete.
   */
  readonly spliceRoundRtts: number;
  /** How often each neighbour's round trip is measured again, ms (once at every link's start too). */
  readonly rttProbeMs: number;
  /** A joiner that got no offer asks again after this, ms. */
  readonly joinRetryMs: number;
  /** A slot the concierge offered is not offered again for this long, ms. */
  readonly reservationMs: number;
  /**
   * The frontier's highest joiner, not seen this long after its slot was reserved, is given up: the frontier keeps
   * its turn and may offer that slot again, ms. Longer than an answer's way back plus the joiner's dial to its
   * placer (a live joiner given up comes back as a slot conflict); shorter than reservationMs, which the frontier
   * otherwise waited (docs/mesh-node.md, "A joiner that never comes").
   */
  readonly arrivalMs: number;
  /** Records the concierge sends a joiner: the occupants nearest its new slot. Bounds bytes per join. */
  readonly offerRecords: number;
  /** A link that is not (or no longer) a SPIRAL neighbour's is closed after this, ms (the bootstrap link included). */
  readonly lingerMs: number;
  /** Redial a neighbour we have no link to after this, ms. */
  readonly dialRetryMs: number;
  /** Own record republished (new seq) this often, ms. */
  readonly recordRefreshMs: number;
  /** Records older than this (by their origin's clock) are dropped, ms. Must exceed recordRefreshMs. */
  readonly recordTtlMs: number;
  /** A pruned ghost stays buried this long, ms. */
  readonly tombstoneTtlMs: number;
  /**
   * How far a tombstone may run ahead of our clock, ms: its record seq (seqs are their origins' clocks) and its
   * end (its maker's clock + tombstoneTtlMs). A seq further ahead is no record its subject ever signed, and would
   * bury it past any refutation; an end further ahead is cut to now + tombstoneTtlMs + this.
   */
  readonly tombstoneClockSlackMs: number;
  /** Signed attestations of verified neighbour work are sent this often, ms. */
  readonly attestIntervalMs: number;
  /** A hole must stay free this long before the frontier node moves into it, ms. */
  readonly holeStableMs: number;
  /**
   * A node with a slot, entry points and no SPIRAL neighbour for this long asks an entry point for a slot again: no
   * node links to its slot any more (an island of one, docs/mesh-node.md "Stranded nodes"), ms.
   */
  readonly strandedMs: number;
  /** A joined node links to one configured entry point this often, so split clumps find each other, ms. */
  readonly entryProbeMs: number;
  /** A record asked of one peer is not asked of another for this long, ms. */
  readonly requestTimeoutMs: number;
  /** A neighbour pruned for missing VDF proofs stays out of our view this long, doubled per repeat, ms… */
  readonly penaltyBaseMs: number;
  /** …up to this, ms. */
  readonly penaltyMaxMs: number;
  /** A node in the penalty box that has proved to us this long (VDF verdicts, no dead one between) is let back in, ms. */
  readonly penaltyForgiveMs: number;
  /** Extra lattice distance beyond the topology's view radius kept in scope. */
  readonly scopeMargin: number;
  readonly maxRecords: number;
  readonly maxTombstones: number;
}

/**
 * The shortest splice round, ms, whatever the round trips: each round is a recomputation over the whole scope, and
 * on loopback four round trips are well under a millisecond.
 */
export const SPLICE_ROUND_FLOOR_MS = 20;

export const DEFAULT_MESH_NODE_CONFIG: MeshNodeConfig = Object.freeze({
  tickMs: 500,
  syncIntervalMs: 1000,
  syncFanout: 4,
  antiEntropyMs: 30_000,
  settleMs: 1500,
  maxStaleMs: 10_000,
  spliceRoundMs: 200,
  spliceRoundRtts: 4,
  rttProbeMs: 30_000,
  joinRetryMs: 5000,
  reservationMs: 10_000,
  arrivalMs: 3000,
  offerRecords: 20,
  lingerMs: 10_000,
  dialRetryMs: 5000,
  recordRefreshMs: 120_000,
  recordTtlMs: 600_000,
  tombstoneTtlMs: 900_000,
  tombstoneClockSlackMs: 300_000,
  attestIntervalMs: 15_000,
  holeStableMs: 30_000,
  strandedMs: 30_000,
  entryProbeMs: 60_000,
  requestTimeoutMs: 3000,
  penaltyBaseMs: 60_000,
  penaltyMaxMs: 3_600_000,
  penaltyForgiveMs: 5000,
  scopeMargin: 0,
  maxRecords: 100_000,
  maxTombstones: 10_000,
});
