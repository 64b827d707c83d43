/**
 * The baseline for the dissemination benchmark: plain push flooding on the
 * same overlay, loss and churn schedule as `runDissemination` (the same seed
 * forks give the same graph and the same crashes). A node forwards the first
 * copy of a message to every neighbour but the sender: the fastest possible
 * delivery (first arrival along every path) at about (degree − 1) payload
 * copies per node. Simulator only; messages are not encoded.
 */
import { Simulator, type Out, type SimNode } from '../../sim/simulator.js';
import { Rng } from '../../sim/rng.js';
import { nodeId } from './schedule.js';
import { buildWorld, DEFAULT_DISSEMINATION, type DisseminationInput, type DisseminationOptions } from './experiment.js';

/** Bytes charged per flooded payload (about a signed PEER_UPDATE frame). */
const PAYLOAD_BYTES = 300;

class FloodNode implements SimNode<number> {
  readonly seen = new Set<number>();
  constructor(private readonly neighbours: string[], private readonly onFirst: (msg: number, now: number) => void) {}
  start(msg: number): Out<number>[] {
    this.seen.add(msg);
    return this.neighbours.map((to) => ({ send: { to, msg, bytes: PAYLOAD_BYTES } }));
  }
  handle(from: string, msg: number, now: number): Out<number>[] {
    if (this.seen.has(msg)) return [];
    this.seen.add(msg);
    this.onFirst(msg, now);
    return this.neighbours.filter((n) => n !== from).map((to) => ({ send: { to, msg, bytes: PAYLOAD_BYTES } }));
  }
  handleTimeout(): Out<number>[] { return []; }
  nextTimeout(): undefined { return undefined; }
  restart(): Out<number>[] { this.seen.clear(); return []; }
}

export interface FloodResult {
  readonly worstRounds: number;
  readonly meanCopiesPerNode: number;
  readonly allDelivered: boolean;
}

export function runFloodBaseline(opts: DisseminationInput): FloodResult {
  const o: DisseminationOptions = { ...DEFAULT_DISSEMINATION, ...opts };
  const root = new Rng(o.seed);
  const { adj, schedule, roundMs, faults } = buildWorld(o, root);
  const sim = new Simulator<number>({ seed: o.seed, maxEmitted: 0, faults });
  let current: { msg: number; target: Uint8Array; got: Uint8Array; delivered: number; lastMs: number } | undefined;
  const nodes = adj.map((ns, i) => new FloodNode(ns.map(nodeId), (msg, now) => {
    if (current === undefined || msg !== current.msg || current.got[i] === 1) return;
    current.got[i] = 1;
    if (current.target[i] === 1) { current.delivered++; current.lastMs = now; }
  }));
  nodes.forEach((n, i) => sim.addNode(nodeId(i), n));
  const rounds: number[] = [];
  const copies: number[] = [];
  let all = true;
  schedule.windows.forEach((w, b) => {
    sim.run({ maxTimeMs: w.atMs, maxEvents: 50_000_000 });
    const got = new Uint8Array(o.nodes);
    got[w.origin] = 1;
    current = { msg: b, target: w.target, got, delivered: w.target[w.origin] ?? 0, lastMs: w.atMs };
    const sentBefore = sim.network.totals.sentMessages;
    sim.command(w.atMs, nodeId(w.origin), () => nodes[w.origin]!.start(b));
    sim.run({ maxTimeMs: w.atMs + o.spacingMs - 1, maxEvents: 50_000_000 });
    if (!w.measured) return;
    const ok = current.delivered === w.targets;
    all &&= ok;
    rounds.push(ok ? Math.ceil((current.lastMs - w.atMs) / roundMs) : Infinity);
    copies.push((sim.network.totals.sentMessages - sentBefore) / w.targets);
  });
  return { worstRounds: Math.max(...rounds), meanCopiesPerNode: copies.reduce((s, x) => s + x, 0) / copies.length, allDelivered: all };
}
