/**
 * IP-sharing rule (seed 004), checked on every frame of a simulated mesh:
 * a quarter of the nodes are silent. Their neighbours observe their
 * addresses (the test checks they do), yet no frame sent by anyone, on any
 * link, ever contains a silent node's address, in raw bytes or in any decoded
 * record. Broadcasting nodes' addresses do travel beyond their neighbours (so
 * the scan can see an address when there is one), and silent nodes still
 * discover broadcasting peers.
 */
import { simTest } from '../../sim/helpers.js';
import { KIND } from '../../../ts/discovery/gossip/constants.js';
import { simVerify } from '../../../ts/discovery/gossip/crypto.js';
import { GossipMachine } from '../../../ts/discovery/gossip/machine.js';
import { decodeFrame, type PeerRecord } from '../../../ts/discovery/gossip/messages.js';
import { randomOverlay } from '../../../ts/discovery/gossip/overlay.js';
import { GossipSimNode } from '../../../ts/discovery/gossip/sim-node.js';
import { simAddress } from '../../../ts/discovery/gossip/experiment.js';
import { nodeId } from '../../../ts/discovery/gossip/schedule.js';
import { simKey } from './helpers.js';

const N = 120;

simTest('ip rule: no frame of a 120-node run carries a silent node\'s address; broadcasters\' addresses do travel', (t, ctx) => {
  const sim = ctx.sim<Uint8Array>({
    faults: { link: { latencyMs: 20, jitterMs: 20, lossProbability: 0.01, duplicateProbability: 0.01 }, crashes: [{ node: nodeId(7), downAtMs: 4000, upAtMs: 6000 }] },
    maxEmitted: 0,
  });
  const rng = sim.rng.fork('test');
  const silent = (i: number): boolean => i % 4 === 1;
  const adj = randomOverlay(N, 6, 20, rng.fork('topology'));
  const keys = Array.from({ length: N }, () => simKey(rng));
  const frames: Array<{ from: string; to: string; frame: Uint8Array }> = [];
  const nodes = Array.from({ length: N }, (_, i) => {
    const node = new GossipSimNode({
      id: nodeId(i),
      neighbours: adj[i]!.map((j) => ({ id: nodeId(j), address: simAddress(j), publicKey: keys[j]!.publicKey })),
      onSend: (from, to, frame) => frames.push({ from, to, frame }),
      makeMachine: (now) => new GossipMachine({
        signer: keys[i]!, verify: simVerify, rng: rng.fork(`n${i}:${now}`), now,
        broadcast: silent(i) ? null : { addrs: [simAddress(i)], topics: [i % 3 === 0 ? 'films' : 'docs'], capabilities: 0 },
        config: { heartbeatIntervalMs: 1000, bloomCapacity: 1024, bloomRotateMs: 60_000 },
      }),
    });
    sim.addNode(nodeId(i), node);
    return node;
  });
  for (let i = 0; i < N; i++) sim.command(0, nodeId(i), (_n, now) => nodes[i]!.allLinksUp(now));
  for (let i = 0; i < N; i++) {
    if (!silent(i)) sim.command(500 + i, nodeId(i), (_n, now) => nodes[i]!.input({ type: 'announce' }, now));
    else sim.command(3000 + i, nodeId(i), (_n, now) => nodes[i]!.input({ type: 'request', topic: i % 2 === 0 ? 'films' : '', maxResults: 8 }, now));
  }
  sim.command(5000, nodeId(0), (_n, now) => nodes[0]!.input({ type: 'update', info: { addrs: [simAddress(0), 'tcp://198.51.100.1:9443'], topics: [], capabilities: 1 } }, now));
  const r = sim.run({ maxTimeMs: 10_000, maxEvents: 2_000_000 });
  t.is(r.reason, 'time');

  const silentAddrs = new Map<string, number>();
  for (let i = 0; i < N; i++) if (silent(i)) silentAddrs.set(simAddress(i), i);
  // Neighbours did observe the silent nodes' addresses (unavoidable, and kept locally).
  let observedSilent = 0;
  for (const n of nodes) for (const nb of n.machine.neighbours()) if (nb.observed !== undefined && silentAddrs.has(nb.observed.reveal())) observedSilent++;
  t.true(observedSilent > 0);

  const kinds = new Map<number, number>();
  const travelled = new Set<string>();
  t.true(frames.length > 10_000, `${frames.length} frames`);
  for (const { from, to, frame } of frames) {
    const raw = Buffer.from(frame).toString('latin1');
    for (const [addr, i] of silentAddrs) if (raw.includes(addr)) t.fail(`frame ${from}->${to} (kind ${frame[4]}) carries silent ${nodeId(i)}'s address`);
    const d = decodeFrame(frame, simVerify);
    if (d.type === 'drop') { t.fail(`undecodable frame ${from}->${to}: ${d.reason} ${d.detail}`); continue; }
    if (d.type !== 'signed') continue;
    kinds.set(d.msg.kind, (kinds.get(d.msg.kind) ?? 0) + 1);
    const b = d.msg.body;
    const records: readonly PeerRecord[] = b.kind === KIND.response ? b.records : (b.kind === KIND.hello ? (b.record ? [b.record] : []) : (b.kind === KIND.announce || b.kind === KIND.update ? [b.record] : []));
    for (const rec of records) {
      for (const a of rec.addrs) {
        if (silentAddrs.has(a)) t.fail(`record in ${from}->${to} lists a silent address`);
        const owner = Number(rec.addrs[0] === a ? a.split('.')[3]?.split(':')[0] : NaN);
        if (Number.isFinite(owner) && from !== nodeId(owner) && to !== nodeId(owner)) travelled.add(a);
      }
    }
  }
  // Every message type of the protocol was exercised.
  for (const k of [KIND.hello, KIND.announce, KIND.request, KIND.response, KIND.heartbeat, KIND.update]) t.true((kinds.get(k) ?? 0) > 0, `kind ${k} seen`);
  // Positive control: broadcasters' addresses went past their direct links.
  const broadcasters = Array.from({ length: N }, (_, i) => i).filter((i) => !silent(i));
  const far = broadcasters.filter((i) => travelled.has(simAddress(i))).length;
  t.true(far >= broadcasters.length * 0.9, `${far} of ${broadcasters.length} broadcaster addresses seen beyond their links`);
  // Silent nodes discovered broadcasting peers; nobody holds a record of a silent node.
  for (let i = 0; i < N; i++) {
    const m = nodes[i]!.machine;
    if (silent(i)) t.true(m.table.size > 0, `silent ${nodeId(i)} learnt nobody`);
    for (const [, j] of silentAddrs) t.is(m.table.get(Buffer.from(keys[j]!.publicKey).toString('hex')), undefined);
  }
});
