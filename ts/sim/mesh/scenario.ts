/**
 * Mesh scenarios for the simulator: build a world of mesh nodes joining
 * through one address, with churn, partitions and adversaries, and check the
 * mesh invariants (issue 5): unique slots, symmetric bounded neighbour sets
 * that equal the SPIRAL rule on the live occupancy, every live node
 * reachable, ghosts pruned and not resurrected.
 */
import { Simulator } from '../simulator.js';
import { Rng } from '../rng.js';
import type { FaultConfig } from '../network.js';
import { MAX_DEGREE } from '../../mesh/spiral/neighbours.js';
import { spliceSourceOf, zigzagTopology, type Topology } from '../../mesh/node/topology.js';
import type { MeshNodeConfig } from '../../mesh/node/constants.js';
import type { MeshNodeEvent } from '../../mesh/node/machine.js';
import { StandinKeys, standinCrypto } from './standin-crypto.js';
import { ed25519Crypto, type MeshCrypto } from '../../mesh/node/crypto.js';
import { ephemeralIdentity } from '../../core/identity.js';
import type { ProverBehaviour } from './standin-liveness.js';
import { SIM_WALL_EPOCH_MS, SimMeshNode, type SimMeshMsg } from './world.js';
import { RecordInterner } from '../../mesh/node/record-interner.js';
import { encodeMeshFrame } from '../../mesh/node/messages.js';
import { DEFAULT_MESH_NODE_CONFIG } from '../../mesh/node/constants.js';
import { settledSnapshot, type SettledSnapshot } from './settled.js';

export interface MeshScenario {
  readonly seed: number;
  /** Honest nodes, the first of which is the bootstrap address everyone else is given. */
  readonly n: number;
  /** Joiners start in waves of this many… */
  readonly wave: number;
  /** …this far apart, ms. */
  readonly waveGapMs: number;
  /**
   * The last `count` of the `n` nodes join one at a time, `gapMs` apart, the first `afterMs` after the last wave's
   * joiners have started: joins into a mesh with no other join in flight.
   */
  readonly trickle?: { count: number; afterMs: number; gapMs: number };
  readonly latencyMs?: number;
  readonly adversaries?: readonly { behaviour: ProverBehaviour; count: number }[];
  /** Fraction of honest non-bootstrap nodes that crash for good at `crashAtMs`. */
  readonly crash?: { fraction: number; atMs: number };
  /**
   * Fraction of honest non-bootstrap nodes (none of the crashed) whose process restarts: down at `atMs`, up again
   * `downMs` later with the same identity and nothing else (SimMeshNode.restart); with `peerCache`, also with its
   * peer cache, so it dials the neighbours it had before the entry point (SimMeshNodeOptions.peerCache).
   */
  readonly restart?: { fraction: number; atMs: number; downMs: number; peerCache?: boolean };
  /**
   * Split the honest nodes in two groups for this interval: the last joiners, `cut` of them (default half), cut off
   * from the rest (the bootstrap among the rest).
   */
  readonly partition?: { atMs: number; healAtMs: number; cut?: number };
  readonly config?: Partial<MeshNodeConfig>;
  readonly topology?: Topology;
  /** Real Ed25519 records, tombstones and native VDF attestations instead of the stand-ins (small N). */
  readonly realCrypto?: boolean;
  /** Provers close a window early for a first nonce (the real default, docs/vdf.md). Default true. */
  readonly earlyWindows?: boolean;
  /** The liveness stand-in's VDF window, ms. Default 1,000 (the real default is 1,250). */
  readonly windowMs?: number;
  /** Record in `MeshWorld.blindOffers` every offer taken without the record of a settled lattice cell below its slot. */
  readonly checkOffers?: boolean;
  /**
   * The first `count` honest nodes start at 0 already placed on slots 0..count−1, from a settled mesh's snapshot
   * (settled.ts, MeshNode.resume), instead of joining; the others join from `joinFromMs` on, in waves (and the
   * trickle after them). docs/sim.md, "Settled worlds".
   */
  readonly settled?: { count: number; joinFromMs: number };
}

/** A slot taken from an offer that lacked the records of lattice cells below it, held for OFFER_SETTLED_MS or more. */
export interface BlindOffer { readonly joiner: string; readonly slot: number; readonly missing: readonly number[]; readonly atMs: number }
/** How long a cell must have been held for an offer to be expected to carry its record. */
export const OFFER_SETTLED_MS = 3000;

export interface MeshWorld {
  readonly sim: Simulator<SimMeshMsg>;
  readonly honest: SimMeshNode[];
  readonly adversaries: SimMeshNode[];
  readonly crashed: Set<string>;
  readonly restarted: Set<string>;
  readonly all: Map<string, SimMeshNode>;
  readonly events: { node: string; e: MeshNodeEvent; atMs: number }[];
  readonly keys: StandinKeys;
  readonly topology: Topology;
  /** When the last node starts, ms. */
  readonly lastStartMs: number;
  /** When the `crashed` nodes go down (Infinity without a crash). */
  readonly crashAtMs: number;
  /** With `checkOffers`: offers taken blind to settled cells below their slot (docs/mesh-node.md, "A frontier places only what it can see"). */
  readonly blindOffers: BlindOffer[];
  /** With `settled`: the snapshot the first nodes started from. */
  readonly snapshot?: SettledSnapshot;
}

/** round(fraction · n) of `ids`, drawn without replacement by a partial Fisher–Yates shuffle on `rng`. */
function pickFraction(ids: string[], fraction: number, rng: Rng): string[] {
  const count = Math.round(ids.length * fraction);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(ids.length - i);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, count);
}

export function buildMeshWorld(s: MeshScenario): MeshWorld {
  const rng = new Rng(s.seed);
  const keyRng = rng.fork('keys');
  const keys = new StandinKeys();
  const secrets = new Map<string, Uint8Array>();
  const topology = s.topology ?? zigzagTopology(64);
  const honestKeys = Array.from({ length: s.n }, () => keys.create(keyRng));
  const real = new Map<string, MeshCrypto>();
  if (s.realCrypto === true) {
    // Real keys replace the stand-in ids; the liveness stand-in keeps its per-node secrets.
    for (const [i, k] of honestKeys.entries()) {
      const c = ed25519Crypto(ephemeralIdentity());
      real.set(c.peerId, c);
      honestKeys[i] = { peerId: c.peerId, publicKey: c.publicKey, secret: k.secret };
    }
  }
  const advSpecs = (s.adversaries ?? []).flatMap((a) => Array.from({ length: a.count }, () => a.behaviour));
  const advKeys = advSpecs.map(() => keys.create(keyRng));
  for (const k of [...honestKeys, ...advKeys]) secrets.set(k.peerId, k.secret);

  const crashed = new Set<string>();
  const faults: FaultConfig = { link: { latencyMs: s.latencyMs ?? 5, jitterMs: 0, lossProbability: 0, duplicateProbability: 0 }, crashes: [], partitions: [] };
  const orderRng = rng.fork('order');
  if (s.crash !== undefined) {
    for (const node of pickFraction(honestKeys.slice(1).map((k) => k.peerId), s.crash.fraction, orderRng)) {
      crashed.add(node);
      faults.crashes!.push({ node, downAtMs: s.crash.atMs });
    }
  }
  const restarted = new Set<string>();
  if (s.restart !== undefined) {
    const { atMs, downMs } = s.restart;
    for (const node of pickFraction(honestKeys.slice(1).map((k) => k.peerId).filter((id) => !crashed.has(id)), s.restart.fraction, orderRng)) {
      restarted.add(node);
      faults.crashes!.push({ node, downAtMs: atMs, upAtMs: atMs + downMs });
    }
  }
  if (s.partition !== undefined) {
    const ids = honestKeys.map((k) => k.peerId);
    const split = ids.length - Math.floor(ids.length * (s.partition.cut ?? 0.5));
    faults.partitions!.push({ atMs: s.partition.atMs, healAtMs: s.partition.healAtMs, groups: [ids.slice(0, split), ids.slice(split)] });
  }
  const events: MeshWorld['events'] = [];
  const blindOffers: BlindOffer[] = [];
  // Who took each slot, and when (slot events), for checkOffers.
  const holders = new Map<number, { id: string; atMs: number }>();
  const onSlot = (node: string, slot: number, why: string, atMs: number): void => {
    if (s.checkOffers !== true) return;
    if (why === 'offer') {
      // The joiner holds just its offer's records now (a node without a slot does not sync).
      const joiner = all.get(node)!.machine;
      const missing = topology.adjacent(slot).filter((a) => {
        const h = holders.get(a);
        return a < slot && h !== undefined && atMs - h.atMs >= OFFER_SETTLED_MS && all.get(h.id)?.machine.slot === a && joiner.record(h.id) === undefined;
      });
      if (missing.length > 0) blindOffers.push({ joiner: node, slot, missing, atMs });
    }
    holders.set(slot, { id: node, atMs });
  };
  const sim = new Simulator<SimMeshMsg>({ seed: s.seed, faults, maxEmitted: 0 });
  const all = new Map<string, SimMeshNode>();
  const boot = honestKeys[0]!.peerId;
  const interner = new RecordInterner();
  const trickled = s.trickle?.count ?? 0;
  const waved = s.n - trickled;
  const resumed = s.settled?.count ?? 0;
  const waveStart = (i: number) => i < resumed ? 0
    : s.settled !== undefined ? s.settled.joinFromMs + Math.floor((i - resumed) / s.wave) * s.waveGapMs
      : 1000 + Math.floor((i - 1) / s.wave) * s.waveGapMs;
  // After the last wave; with no wave after a settled start, from when joins start.
  const trickleFrom = s.settled !== undefined && waved <= resumed ? s.settled.joinFromMs : waveStart(waved - 1) + 1000;
  const cryptoOf = new Map(honestKeys.map((k) => [k.peerId, real.get(k.peerId) ?? standinCrypto(keys, k)]));
  const snapshot = s.settled === undefined ? undefined
    : settledSnapshot(topology, honestKeys.slice(0, resumed).map((k) => cryptoOf.get(k.peerId)!), topology.viewRadius + (s.config?.scopeMargin ?? 0),
      SIM_WALL_EPOCH_MS, s.config?.recordRefreshMs ?? DEFAULT_MESH_NODE_CONFIG.recordRefreshMs, rng.fork('snapshot'));
  const make = (k: (typeof honestKeys)[number], i: number, behaviour: ProverBehaviour, honest = false): SimMeshNode => {
    const startAtMs = i === 0 || (honest && i < resumed) ? 0
      : honest && s.trickle !== undefined && i >= waved ? trickleFrom + s.trickle.afterMs + (i - waved) * s.trickle.gapMs
        : waveStart(i) + orderRng.int(Math.max(1, Math.min(s.waveGapMs, 1000)));
    const node = new SimMeshNode({
      crypto: cryptoOf.get(k.peerId) ?? standinCrypto(keys, k), secret: k.secret, secretOf: (id) => secrets.get(id), topology, rng: rng.fork(`node-${i}`),
      ...(honest && snapshot !== undefined && i < resumed ? { resume: () => ({ own: snapshot.own[i]!, records: snapshot.scopeOf(i) }) } : {}),
      entries: i === 0 ? [] : [boot], behaviour, startAtMs, interner, startedAtOf: (id) => all.get(id)?.startedAtMs,
      ...(s.config !== undefined ? { config: s.config } : {}),
      ...(s.earlyWindows !== undefined ? { earlyWindows: s.earlyWindows } : {}),
      ...(s.windowMs !== undefined ? { windowMs: s.windowMs } : {}),
      ...(s.restart?.peerCache === true ? { peerCache: true } : {}),
      onEvent: (node, e, atMs) => {
        if (e.e === 'slot') onSlot(node, e.slot, e.why, atMs);
        if (e.e !== 'neighbours' && e.e !== 'watch') events.push({ node, e, atMs });
      },
    });
    all.set(k.peerId, node);
    sim.addNode(k.peerId, node);
    return node;
  };
  const honest = honestKeys.map((k, i) => make(k, i, 'honest', true));
  const adversaries = advKeys.map((k, i) => make(k, 1 + orderRng.int(Math.max(1, s.n - 1)), advSpecs[i]!));
  const lastStartMs = Math.max(...[...all.values()].map((n) => n.nextTimeout() ?? 0));
  return { sim, honest, adversaries, crashed, restarted, all, events, keys, topology, lastStartMs, crashAtMs: s.crash?.atMs ?? Infinity, blindOffers, ...(snapshot !== undefined ? { snapshot } : {}) };
}

export interface InvariantReport {
  live: number;
  violations: string[];
  minDegree: number;
  maxDegree: number;
  maxRecords: number;
  /** Largest number of bytes any joiner received before it had a slot (from the concierge and everyone else). */
  maxJoinBytes: number;
}

/** Check every invariant over the live honest nodes; returns the violations (empty = all hold). */
export function checkMeshInvariants(w: MeshWorld, opts: { expectRule?: boolean } = {}): InvariantReport {
  const v: string[] = [];
  // Nodes that prove liveness honestly take part (the squatter attacks through its records, not its proofs).
  const down = w.sim.nowMs >= w.crashAtMs ? w.crashed : new Set<string>();
  const live = [...w.honest, ...w.adversaries.filter((a) => a.liveness.behaviour === 'honest')].filter((n) => !down.has(n.id) && n.started);
  const liveIds = new Set(live.map((n) => n.id));
  const bySlot = new Map<number, string>();
  for (const n of live) {
    const s = n.machine.slot;
    if (s === null) { v.push(`${n.id} has no slot`); continue; }
    const other = bySlot.get(s);
    if (other !== undefined) v.push(`slot ${s} held by ${other} and ${n.id}`);
    bySlot.set(s, n.id);
  }
  let minDegree = Infinity;
  let maxDegree = 0;
  let maxRecords = 0;
  let maxJoinBytes = 0;
  for (const n of live) {
    const nb = n.machine.neighbours;
    minDegree = Math.min(minDegree, nb.size);
    maxDegree = Math.max(maxDegree, nb.size);
    maxRecords = Math.max(maxRecords, n.machine.recordCount);
    maxJoinBytes = Math.max(maxJoinBytes, n.joinBytes);
    if (nb.size > MAX_DEGREE) v.push(`${n.id} has ${nb.size} neighbours`);
    for (const p of nb) {
      if (!liveIds.has(p)) { v.push(`${n.id} keeps ${p}, which is not a live honest node`); continue; }
      if (!w.all.get(p)!.machine.neighbours.has(n.id)) v.push(`asymmetric: ${n.id} → ${p}`);
      if (!n.links.has(p)) v.push(`${n.id} has no link to neighbour ${p}`);
    }
    for (const c of down) if (n.machine.record(c) !== undefined) v.push(`${n.id} still holds the record of ghost ${c}`);
    for (const a of w.adversaries) if (a.liveness.behaviour !== 'honest' && nb.has(a.id)) v.push(`${n.id} keeps adversary ${a.id} (${a.liveness.behaviour}) as a neighbour`);
  }
  if (opts.expectRule !== false && bySlot.size === live.length) {
    // The rule on the live occupancy, as one global graph (the topology's own evaluation, shared by every node).
    const occupied = [...bySlot.keys()].sort((a, b) => a - b);
    // Exact-degree rule: the splice claims and grants are each node's own latest record.
    const splices = spliceSourceOf((slot) => w.all.get(bySlot.get(slot)!)?.machine.ownRecord()?.info);
    for (const n of live) {
      const want = new Set(w.topology.neighbours(n.machine.slot!, occupied, splices).map((s) => bySlot.get(s)!));
      const have = n.machine.neighbours;
      if (want.size !== have.size || [...want].some((p) => !have.has(p))) v.push(`${n.id} at slot ${n.machine.slot}: neighbours differ from the SPIRAL rule (${have.size} vs ${want.size})`);
    }
    // The exact-degree rule's promise, on the occupancy the mesh converges to (holes refilled: slots 0..N−1).
    const exact = Math.min(MAX_DEGREE, live.length - 1);
    if (w.topology.exactDegree === true && occupied.every((s, i) => s === i)) {
      for (const n of live) if (n.machine.neighbours.size !== exact) v.push(`${n.id} at slot ${n.machine.slot} has ${n.machine.neighbours.size} neighbours, not ${exact}`);
    }
  }
  // Reachability over neighbour links.
  if (live.length > 0) {
    const seen = new Set([live[0]!.id]);
    const stack = [live[0]!.id];
    while (stack.length > 0) {
      for (const p of w.all.get(stack.pop()!)!.machine.neighbours) if (liveIds.has(p) && !seen.has(p)) { seen.add(p); stack.push(p); }
    }
    if (seen.size !== live.length) v.push(`only ${seen.size} of ${live.length} live nodes reachable`);
  }
  return { live: live.length, violations: v, minDegree: Number.isFinite(minDegree) ? minDegree : 0, maxDegree, maxRecords, maxJoinBytes };
}

/**
 * The largest RECORDS frame carrying one honest node's own record, bytes: what bounds an offer (offerRecords of
 * them), now that records carry up to 4 attestations once their nodes are proved.
 */
export function largestRecordFrameBytes(w: MeshWorld): number {
  let max = 0;
  for (const node of w.honest) {
    const own = node.machine.ownRecord();
    if (own !== undefined) max = Math.max(max, encodeMeshFrame({ t: 'records', records: [own.record] }).length);
  }
  return max;
}

/**
 * The trickled joiners (`trickle`: the last `count` of `w.honest`), each yielded once the world has run to just before
 * the next one starts (the last: `gapMs` after it started). A lone joiner's splices settle around it for a second or
 * more after it is first meshed, so this is when its `lastMeshedAtMs` says what its join took (docs/sim.md, "Trickle").
 */
export function* trickleReadings(w: MeshWorld, count: number, gapMs: number, maxEvents = 1e10): Generator<SimMeshNode> {
  const joiners = w.honest.slice(w.honest.length - count);
  for (const [i, node] of joiners.entries()) {
    w.sim.run({ maxTimeMs: (joiners[i + 1]?.nextTimeout() ?? w.lastStartMs + gapMs) - 1, maxEvents });
    yield node;
  }
}

/**
 * Run in steps of `stepMs` until the invariants hold and `settled` (if given)
 * says so too (returns the report), or `maxMs` passes.
 */
export function runUntilConverged(
  w: MeshWorld, fromMs: number, maxMs: number, stepMs = 5000, maxEvents = 50_000_000, settled: () => boolean = () => true,
): { report: InvariantReport; atMs: number } {
  let report = checkMeshInvariants(w);
  for (let t = fromMs; t <= maxMs; t += stepMs) {
    w.sim.run({ maxTimeMs: t, maxEvents });
    report = checkMeshInvariants(w);
    if (report.violations.length === 0 && settled()) return { report, atMs: t };
  }
  return { report, atMs: maxMs };
}
