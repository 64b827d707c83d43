/** Two HELLO machines over a real in-memory link pair (Noise XX on a MemoryNetwork). */
import test from 'ava';
import { performance } from 'node:perf_hooks';
import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { Transport } from '../../../ts/transport/transport.js';
import { MemoryNetwork } from '../../../ts/transport/memory.js';
import type { Link } from '../../../ts/transport/types.js';
import { HelloMachine, type HelloAction, type HelloNode, type LocalHello } from '../../../ts/mesh/hello/machine.js';
import type { Hello } from '../../../ts/mesh/hello/messages.js';
import { LOCAL, node } from './helpers.js';

type Outcome = { type: 'established' | 'self'; hello: Hello } | { type: 'close'; reason: string };

/** The smallest real driver: real clock, one timer, frames from the link. */
function runHello(link: Link, n: HelloNode, local: LocalHello): Promise<Outcome> {
  const m = new HelloMachine(n, local, link.remotePublicKey);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (o: Outcome): void => { if (settled) return; settled = true; clearTimeout(timer); resolve(o); };
    const apply = (actions: HelloAction[]): void => {
      for (const a of actions) {
        if (a.type === 'send') link.send(a.frame);
        else if (a.type === 'close') { finish({ type: 'close', reason: a.reason }); link.close(a.reason); }
        else finish(a);
      }
      const at = m.nextTimeout();
      clearTimeout(timer);
      if (!settled && at !== undefined) timer = setTimeout(() => apply(m.handleTimeout(performance.now())), Math.max(0, at - performance.now()));
    };
    link.on('frame', (f) => { if (!m.done) apply(m.handleFrame(f, performance.now(), Date.now())); });
    link.once('close', (info) => finish({ type: 'close', reason: info.reason }));
    apply(m.start(performance.now(), Date.now()));
  });
}

async function pair(t: import('ava').ExecutionContext, ida: Identity, idb: Identity): Promise<[Link, Link]> {
  const net = new MemoryNetwork();
  const ta = new Transport({ identity: ida, memory: net });
  const tb = new Transport({ identity: idb, memory: net });
  t.teardown(async () => { await ta.close(); await tb.close(); });
  tb.listenMemory('b');
  const inbound = new Promise<Link>((r) => tb.once('link', r));
  const out = await ta.dial('memory://b', { signal: AbortSignal.timeout(5000), expectPeerId: idb.peerId });
  if (out.self) throw new Error('unexpected self');
  return [out.link, await inbound];
}

test('both ends of a real link establish each other with their HELLOs', async (t) => {
  const a = ephemeralIdentity();
  const b = ephemeralIdentity();
  const [la, lb] = await pair(t, a, b);
  const [oa, ob] = await Promise.all([
    runHello(la, node(a, 1), { ...LOCAL, nodeName: 'a', vdf: { height: 5, verifiedWork: 12345n } }),
    runHello(lb, node(b, 2), { ...LOCAL, nodeName: 'b', yggAddr: '200::b', yggPeerUri: 'tcp://[200::b]:9443' }),
  ]);
  t.is(oa.type, 'established');
  t.is(ob.type, 'established');
  if (oa.type !== 'established' || ob.type !== 'established') return;
  t.is(oa.hello.peerId, b.peerId);
  t.is(oa.hello.peerId, la.peerId);
  t.is(oa.hello.yggPeerUri, 'tcp://[200::b]:9443');
  t.is(ob.hello.peerId, a.peerId);
  t.is(ob.hello.vdf?.verifiedWork, 12345n);
});

test('a peer that never says HELLO is closed with hello_timeout', async (t) => {
  const a = ephemeralIdentity();
  const b = ephemeralIdentity();
  const [la] = await pair(t, a, b);
  const started = performance.now();
  const o = await runHello(la, node(a, 1, { helloTimeoutMs: 200 }), LOCAL);
  t.deepEqual(o, { type: 'close', reason: 'hello_timeout' });
  t.true(performance.now() - started >= 150);
});
