/**
 * Dissemination cost of gossip in the simulator (issue 7): N nodes on a
 * random bounded-degree overlay, link loss, churn (schedule.ts), a sequence
 * of PEER_UPDATE broadcasts from random live origins. For each broadcast:
 * delivery to its targets, rounds to the last target, and payload copies per
 * target. A round is the longest one-way link delay (latency + jitter), so
 * "rounds" bounds the hop count of the slowest delivery path, graft waits
 * included. The first `warmupBroadcasts` build the tree and are reported
 * apart. Used by test/discovery/gossip and `npm run bench -- gossip`.
 */
import { Simulator } from '../../sim/simulator.js';
import type { FaultConfig } from '../../sim/network.js';
import { Rng } from '../../sim/rng.js';
import { ed25519Verifier, identitySigner, simSigner, simVerify } from './crypto.js';
import { CONTROL, KIND, MID_BYTES } from './constants.js';
import { GossipMachine, type GossipEvent } from './machine.js';
import { signedFrameMid, type Signer } from './messages.js';
import { randomOverlay } from './overlay.js';
import { buildSchedule, nodeId, type Schedule } from './schedule.js';
import { GossipSimNode, type SimLinkInfo } from './sim-node.js';
import { ephemeralIdentity } from '../../core/identity.js';

export interface DisseminationOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly meanDegree: number;
  readonly maxDegree: number;
  readonly lossProbability: number;
  readonly churn: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly warmupBroadcasts: number;
  readonly broadcasts: number;
  readonly spacingMs: number;
  readonly detectMs: number;
  /** Nodes (by index) that do not broadcast (silent peers). */
  readonly silent?: (i: number) => boolean;
  /** Real Ed25519 keys and signatures (slow; for small N). Default: the simulation stand-in. */
  readonly realCrypto?: boolean;
  /** Merged over SIM_GOSSIP_CONFIG. */
  readonly config?: ConstructorParameters<typeof GossipMachine>[0]['config'];
  /** Every frame sent in the run. */
  readonly onSend?: (from: string, to: string, frame: Uint8Array) => void;
}

/**
 * Machine settings for the experiment: the protocol defaults except the
 * timers, scaled to the simulated links (one-way 50–100 ms instead of a
 * WAN's), heartbeats and Bloom rotation moved out of the measured window, and
 * smaller caches so 10,000 machines fit in memory.
 */
export const SIM_GOSSIP_CONFIG = Object.freeze({
  graftTimeoutMs: 600,
  graftTimeoutMaxMs: 1500,
  graftRetryMs: 200,
  ackTimeoutMs: 250,
  heartbeatIntervalMs: 600_000,
  bloomCapacity: 512,
  bloomRotateMs: 600_000,
  messageCacheMax: 256,
  maxPendingAcks: 256,
  maxPendingGrafts: 256,
});

export const DEFAULT_DISSEMINATION: Omit<DisseminationOptions, 'seed' | 'nodes'> = Object.freeze({
  meanDegree: 16,
  maxDegree: 20,
  lossProbability: 0.01,
  churn: 0.05,
  latencyMs: 50,
  jitterMs: 50,
  warmupBroadcasts: 3,
  broadcasts: 5,
  spacingMs: 5000,
  detectMs: 300,
});

/** Seed and size, plus any option to change from DEFAULT_DISSEMINATION. */
export type DisseminationInput = Pick<DisseminationOptions, 'seed' | 'nodes'> & Partial<DisseminationOptions>;

export interface BroadcastResult {
  readonly origin: string;
  readonly measured: boolean;
  readonly targets: number;
  readonly delivered: number;
  /** ⌈(last target delivery − start) / roundMs⌉; Infinity when a target missed it. */
  readonly rounds: number;
  readonly payloadCopies: number;
  readonly copiesPerNode: number;
  readonly ihaves: number;
  readonly grafts: number;
  /** Largest and mean hop count at first delivery (tree depth seen from this origin). */
  readonly maxHops: number;
  readonly meanHops: number;
}

export interface DisseminationResult {
  readonly roundMs: number;
  readonly broadcasts: BroadcastResult[];
  readonly worstRounds: number;
  readonly meanCopiesPerNode: number;
  readonly maxCopiesPerNode: number;
  readonly allDelivered: boolean;
  readonly messages: number;
  readonly events: number;
  readonly traceHash: string;
  readonly schedule: Schedule;
}

interface Tally { payload: number; ihave: number; graft: number }

/** Payload / IHAVE / GRAFT frames per message key, read from the frame bytes (no decoding). */
function tallySend(tallies: Map<string, Tally>, frame: Uint8Array): void {
  const kind = frame[4];
  let mid: string | undefined;
  let field: keyof Tally | undefined;
  if (kind === KIND.announce || kind === KIND.update) { field = 'payload'; mid = signedFrameMid(frame); }
  else if ((kind === CONTROL.ihave || kind === CONTROL.graft) && frame.length >= 6 + MID_BYTES) {
    field = kind === CONTROL.ihave ? 'ihave' : 'graft';
    mid = Buffer.from(frame.buffer, frame.byteOffset + 6, MID_BYTES).toString('latin1');
  }
  if (mid === undefined || field === undefined) return;
  let t = tallies.get(mid);
  if (t === undefined) { t = { payload: 0, ihave: 0, graft: 0 }; tallies.set(mid, t); }
  t[field]++;
}

function signers(n: number, real: boolean, rng: Rng): { signer: Signer[]; verify: typeof simVerify } {
  if (real) return { signer: Array.from({ length: n }, () => identitySigner(ephemeralIdentity())), verify: ed25519Verifier() };
  const keys = Array.from({ length: n }, () => {
    const k = new Uint8Array(32);
    for (let i = 0; i < 32; i += 4) new DataView(k.buffer).setUint32(i, rng.next());
    return simSigner(k);
  });
  return { signer: keys, verify: simVerify };
}

/** The overlay, fault schedule and link faults of a run: the same for the gossip run and its baseline (same seed forks). */
export function buildWorld(o: DisseminationOptions, root: Rng): { adj: number[][]; schedule: Schedule; roundMs: number; faults: FaultConfig } {
  const silent = o.silent ?? (() => false);
  const adj = randomOverlay(o.nodes, o.meanDegree, o.maxDegree, root.fork('topology'));
  const schedule = buildSchedule({
    nodes: o.nodes, churn: o.churn, warmupBroadcasts: o.warmupBroadcasts, broadcasts: o.broadcasts,
    firstBroadcastMs: 2000, spacingMs: o.spacingMs, churnWindowMs: o.spacingMs - 1, detectMs: o.detectMs, canOriginate: (i) => !silent(i),
  }, root.fork('schedule'));
  const faults: FaultConfig = { link: { latencyMs: o.latencyMs, jitterMs: o.jitterMs, lossProbability: o.lossProbability, duplicateProbability: 0 }, crashes: schedule.crashes };
  return { adj, schedule, roundMs: o.latencyMs + o.jitterMs, faults };
}

export function runDissemination(opts: DisseminationInput): DisseminationResult {
  const o: DisseminationOptions = { ...DEFAULT_DISSEMINATION, ...opts };
  const root = new Rng(o.seed);
  const silent = o.silent ?? (() => false);
  const { adj, schedule, roundMs, faults } = buildWorld(o, root);
  const { signer, verify } = signers(o.nodes, o.realCrypto === true, root.fork('keys'));
  const sim = new Simulator<Uint8Array>({
    seed: o.seed, maxEmitted: 0, faults,
    onEmit: (node, ev, now) => onDelivered(node, ev as GossipEvent, now),
  });
  const tallies = new Map<string, Tally>();
  const onSend = (from: string, to: string, frame: Uint8Array): void => { tallySend(tallies, frame); o.onSend?.(from, to, frame); };
  const index = new Map<string, number>();
  const nodes: GossipSimNode[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const id = nodeId(i);
    index.set(id, i);
    const neighbours: SimLinkInfo[] = adj[i]!.map((j) => ({ id: nodeId(j), address: simAddress(j), publicKey: signer[j]!.publicKey }));
    const nodeRng = root.fork(`node:${i}`);
    let boots = 0;
    const node = new GossipSimNode({
      id, neighbours, onSend,
      makeMachine: (now) => new GossipMachine({
        signer: signer[i]!, verify, now, config: { ...SIM_GOSSIP_CONFIG, ...o.config }, rng: boots++ === 0 ? nodeRng : nodeRng.fork(`boot:${boots}`),
        broadcast: silent(i) ? null : { addrs: [simAddress(i)], topics: [], capabilities: 0 },
      }),
    });
    nodes.push(node);
    sim.addNode(id, node);
  }
  for (let i = 0; i < o.nodes; i++) sim.command(0, nodeId(i), (_n, now) => nodes[i]!.allLinksUp(now));
  for (const c of schedule.changes) {
    const at = c.up ? c.atMs : c.atMs + o.detectMs;
    for (const j of adj[c.node]!) {
      sim.command(at, nodeId(j), (_n, now) => (c.up ? nodes[j]!.linkUp(nodeId(c.node), now) : nodes[j]!.linkDown(nodeId(c.node), now)));
    }
  }
  // Delivery tracking for the window in progress.
  let current: { mid: string | undefined; got: Uint8Array; delivered: number; lastMs: number; target: Uint8Array; maxHops: number; sumHops: number } | undefined;
  function onDelivered(node: string, ev: GossipEvent, now: number): void {
    if (current === undefined) return;
    if (ev.type === 'originated') { current.mid = ev.mid; return; }
    if (ev.type !== 'delivered' || ev.mid !== current.mid) return;
    const i = index.get(node)!;
    if (current.got[i] === 1) return;
    current.got[i] = 1;
    if (current.target[i] === 1) { current.delivered++; current.lastMs = now; }
    current.maxHops = Math.max(current.maxHops, ev.hops);
    current.sumHops += ev.hops;
  }
  const results: BroadcastResult[] = [];
  let events = 0;
  for (const w of schedule.windows) {
    events += sim.run({ maxTimeMs: w.atMs, maxEvents: 50_000_000 }).events;
    const got = new Uint8Array(o.nodes);
    got[w.origin] = 1;
    current = { mid: undefined, got, delivered: w.target[w.origin] ?? 0, lastMs: w.atMs, target: w.target, maxHops: 0, sumHops: 0 };
    sim.command(w.atMs, nodeId(w.origin), (_n, now) => nodes[w.origin]!.input({ type: 'update', info: { addrs: [simAddress(w.origin)], topics: [`b${results.length}`], capabilities: 0 } }, now));
    events += sim.run({ maxTimeMs: w.atMs + o.spacingMs - 1, maxEvents: 50_000_000 }).events;
    const t = tallies.get(current.mid ?? '') ?? { payload: 0, ihave: 0, graft: 0 };
    const all = current.delivered === w.targets;
    results.push({
      origin: nodeId(w.origin), measured: w.measured, targets: w.targets, delivered: current.delivered,
      rounds: all ? Math.ceil((current.lastMs - w.atMs) / roundMs) : Infinity,
      payloadCopies: t.payload, copiesPerNode: t.payload / w.targets, ihaves: t.ihave, grafts: t.graft,
      maxHops: current.maxHops, meanHops: current.sumHops / Math.max(1, current.delivered),
    });
  }
  const measured = results.filter((r) => r.measured);
  return {
    roundMs, broadcasts: results,
    worstRounds: Math.max(...measured.map((r) => r.rounds)),
    meanCopiesPerNode: measured.reduce((s, r) => s + r.copiesPerNode, 0) / measured.length,
    maxCopiesPerNode: Math.max(...measured.map((r) => r.copiesPerNode)),
    allDelivered: measured.every((r) => r.delivered === r.targets),
    messages: sim.network.totals.sentMessages, events, traceHash: sim.traceHash, schedule,
  };
}

/** The address node `i` would publish (and its neighbours observe): unique, easy to search for in bytes. */
export function simAddress(i: number): string {
  return `tcp://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9443`;
}
