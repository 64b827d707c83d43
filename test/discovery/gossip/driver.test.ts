/**
 * The gossip driver over real MeshService links on 127.0.0.1 with real
 * Ed25519: three nodes in a line (A – B – C). Waits on events with
 * AbortSignal.timeout, never sleeps.
 */
import test, { type ExecutionContext } from 'ava';
import { on } from 'node:events';
import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { startMeshService, type MeshService } from '../../../ts/mesh/service.js';
import { GossipDriver, type GossipDriverEvents } from '../../../ts/discovery/gossip/driver.js';
import type { BroadcastInfo } from '../../../ts/discovery/gossip/machine.js';
import { FRAME_GOSSIP } from '../../../ts/discovery/gossip/constants.js';
import { decodeFrame } from '../../../ts/discovery/gossip/messages.js';
import { ed25519Verifier } from '../../../ts/discovery/gossip/crypto.js';

const HOST = '127.0.0.1';
const WAIT_MS = 10_000;

async function mesh(t: ExecutionContext, id: Identity, name: string, peers: number[]): Promise<MeshService> {
  const s = await startMeshService({
    identity: id, bind: HOST, port: 0, peers: peers.map((port) => ({ host: HOST, port })), nodeName: name, siteName: `${name}.test`,
    dialRetry: { initialMs: 20, maxMs: 100 },
  });
  t.teardown(() => s.close());
  return s;
}

function gossip(t: ExecutionContext, m: MeshService, id: Identity, broadcast: BroadcastInfo | null): GossipDriver {
  const d = new GossipDriver({ mesh: m, identity: id, broadcast });
  t.teardown(() => d.close());
  return d;
}

async function next<K extends keyof GossipDriverEvents>(d: GossipDriver, event: K, pred: (...a: GossipDriverEvents[K]) => boolean): Promise<GossipDriverEvents[K]> {
  for await (const args of on(d as unknown as NodeJS.EventEmitter, event, { signal: AbortSignal.timeout(WAIT_MS) })) {
    if (pred(...(args as GossipDriverEvents[K]))) return args as GossipDriverEvents[K];
  }
  throw new Error('unreachable');
}

async function linked(m: MeshService, peerId: string): Promise<void> {
  if (m.peer(peerId) !== undefined) return;
  for await (const [p] of on(m as unknown as NodeJS.EventEmitter, 'peer-up', { signal: AbortSignal.timeout(WAIT_MS) })) {
    if ((p as { peerId: string }).peerId === peerId) return;
  }
}

test('A announces over real links; C, two hops away, gets the signed record; silent C\'s address never reaches A', async (t) => {
  const [ia, ib, ic] = [ephemeralIdentity(), ephemeralIdentity(), ephemeralIdentity()];
  const a = await mesh(t, ia, 'alpha', []);
  const b = await mesh(t, ib, 'beta', [a.port]);
  const c = await mesh(t, ic, 'gamma', [b.port]);
  await Promise.all([linked(a, ib.peerId), linked(b, ia.peerId), linked(b, ic.peerId), linked(c, ib.peerId)]);

  // Everything A receives, raw, to check that C's address never arrives.
  const atA: Buffer[] = [];
  a.on('frame', (_p, f) => { if (f[0] === FRAME_GOSSIP) atA.push(Buffer.from(f)); });

  const addrA = `tcp://${HOST}:${a.port}`;
  const ga = gossip(t, a, ia, { addrs: [addrA], topics: ['films'], capabilities: 1 });
  const gb = gossip(t, b, ib, { addrs: [`tcp://${HOST}:${b.port}`], topics: [], capabilities: 0 });
  const gc = gossip(t, c, ic, null);
  const cGot = next(gc, 'peer', (r) => r.keyHex === Buffer.from(ia.publicKey).toString('hex'));
  const bGot = next(gb, 'peer', (r) => r.keyHex === Buffer.from(ia.publicKey).toString('hex'));
  ga.start(); gb.start(); gc.start();
  ga.announce();
  const [[rec]] = await Promise.all([cGot, bGot]);
  t.deepEqual(rec.addrs, [addrA]);
  t.deepEqual(rec.topics, ['films']);
  t.is(rec.capabilities, 1);
  t.is(gc.machine.table.get(rec.keyHex)?.record.seq, rec.seq);

  // C asks for peers with 'films'; the answer comes back along the request's path.
  const answer = next(gc, 'response', (rs) => rs.length > 0);
  gc.request('films');
  const [records] = await answer;
  t.true(records.some((r) => r.keyHex === rec.keyHex));

  // B sees C on its link (unavoidable); A never gets C's address or a record of C.
  const cPort = b.status().links.find((l) => l.peerId === ic.peerId)?.remoteAddress ?? '';
  t.truthy(cPort);
  t.is(gb.machine.neighbours().find((n) => n.link === ic.peerId)?.observed?.reveal(), cPort);
  t.is(ga.machine.table.get(Buffer.from(ic.publicKey).toString('hex')), undefined);
  t.true(atA.length > 0);
  const verify = ed25519Verifier();
  for (const f of atA) {
    t.false(f.includes(Buffer.from(cPort)), 'a frame at A contains C\'s observed address');
    t.not(decodeFrame(f, verify).type, 'drop');
  }
  t.is(Object.values(ga.machine.counters.dropped).reduce((x, y) => x + y, 0), 0);
});
