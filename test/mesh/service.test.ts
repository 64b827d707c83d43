/** MeshService on real TCP links over 127.0.0.1: waits on events with AbortSignal.timeout, never sleeps. */
import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import { on } from 'node:events';
import { ephemeralIdentity, type Identity } from '../../ts/core/identity.js';
import { Transport } from '../../ts/transport/transport.js';
import type { CloseInfo } from '../../ts/transport/types.js';
import { startMeshService, type MeshService, type MeshServiceEvents, type MeshServiceOptions } from '../../ts/mesh/service.js';

const HOST = '127.0.0.1';
const WAIT_MS = 5000;

async function node(t: ExecutionContext, identity: Identity, name: string, over: Partial<MeshServiceOptions> = {}): Promise<MeshService> {
  const s = await startMeshService({
    identity, bind: HOST, port: 0, peers: [], nodeName: name, siteName: `${name}.example`,
    dialRetry: { initialMs: 20, maxMs: 100 }, ...over,
  });
  t.teardown(() => s.close());
  return s;
}

/** The next `event` whose arguments satisfy `pred`; rejects after WAIT_MS. Call before triggering the event. */
async function next<K extends keyof MeshServiceEvents>(
  s: MeshService, event: K, pred: (...args: MeshServiceEvents[K]) => boolean = () => true,
): Promise<MeshServiceEvents[K]> {
  // node:events `on` with a typed emitter: the cast keeps the event map.
  for await (const args of on(s as unknown as NodeJS.EventEmitter, event, { signal: AbortSignal.timeout(WAIT_MS) })) {
    if (pred(...(args as MeshServiceEvents[K]))) return args as MeshServiceEvents[K];
  }
  throw new Error('unreachable');
}

/** A port that was free a moment ago (for a node that must know its own address before it listens). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('B dials A: both see peer-up with the right peerId and nodeName', async (t) => {
  const ia = ephemeralIdentity();
  const ib = ephemeralIdentity();
  const a = await node(t, ia, 'alpha');
  const upA = next(a, 'peer-up');
  const b = await node(t, ib, 'beta', { peers: [{ host: HOST, port: a.port }] });
  const [[pa], [pb]] = await Promise.all([upA, next(b, 'peer-up')]);
  t.is(pa.peerId, ib.peerId);
  t.is(pa.nodeName, 'beta');
  t.is(pa.siteName, 'beta.example');
  t.is(pa.direction, 'inbound');
  t.is(pb.peerId, ia.peerId);
  t.is(pb.nodeName, 'alpha');
  t.is(pb.direction, 'outbound');
  const st = b.status();
  t.is(st.peerId, ib.peerId);
  t.is(st.links.length, 1);
  t.like(st.links[0], { peerId: ia.peerId, nodeName: 'alpha', kind: 'tcp', direction: 'outbound' });
  t.like(st.dials[0], { address: `tcp://${HOST}:${a.port}`, state: 'connected', attempts: 1, failures: 0, peerId: ia.peerId });
  t.is(st.counters.established, 1);
  t.notThrows(() => JSON.stringify(st));
  t.deepEqual(JSON.parse(JSON.stringify(st)), st);
});

test('its own address in peers: one attempt, no failure, never redialled', async (t) => {
  const ia = ephemeralIdentity();
  const a = await node(t, ia, 'alpha');
  const port = await freePort();
  const self = `tcp://${HOST}:${port}`;
  const n = await node(t, ephemeralIdentity(), 'n', {
    port, peers: [{ host: HOST, port }, { host: HOST, port: a.port }], dialRetry: { initialMs: 10, maxMs: 20 },
  });
  // Dials need network I/O, so none has finished when start() resolves; the status check is belt and braces.
  if (n.status().dials.find((d) => d.address === self)?.state !== 'self') await next(n, 'dial-self', (addr) => addr === self);
  if (n.peer(ia.peerId) === undefined) await next(n, 'peer-up', (p) => p.peerId === ia.peerId);
  // Take A away and let N fail against it three times: several backoff rounds pass, the self address stays quiet.
  const failures = next(n, 'dial-failed', (addr, f) => addr === `tcp://${HOST}:${a.port}` && f >= 3);
  await a.close();
  await failures;
  const st = n.status();
  t.like(st.dials.find((d) => d.address === self), { state: 'self', attempts: 1, failures: 0 });
  t.is(st.counters.dialSelf, 1);
  t.is(st.links.length, 0);
  t.is(st.counters.dialAttempts, st.dials.reduce((s, d) => s + d.attempts, 0));
  t.true((st.dials.find((d) => d.address !== self)?.attempts ?? 0) >= 4);
});

test('A goes away: B sees peer-down, A comes back on the same port: B redials', async (t) => {
  const ia = ephemeralIdentity();
  const ib = ephemeralIdentity();
  const a1 = await node(t, ia, 'alpha');
  const port = a1.port;
  const b = await node(t, ib, 'beta', { peers: [{ host: HOST, port }] });
  if (b.peer(ia.peerId) === undefined) await next(b, 'peer-up');
  const down = next(b, 'peer-down');
  const failed = next(b, 'dial-failed');
  await a1.close();
  const [gone, info] = await down;
  t.is(gone.peerId, ia.peerId);
  t.true(['remote', 'eof'].includes((info as CloseInfo).reason));
  await failed; // B is retrying against the closed port
  const up = next(b, 'peer-up');
  await node(t, ia, 'alpha-again', { port });
  const [p] = await up;
  t.is(p.peerId, ia.peerId);
  t.is(p.nodeName, 'alpha-again');
  t.is(b.status().links.length, 1);
  t.is(b.status().dials[0]?.failures, 0);
});

test('a peer that dials again while an old link to it stands (it lost that link) replaces it: peer-down, then peer-up on the new link', async (t) => {
  // Identities where the dialler rule prefers A's outbound link: without the grace it would keep the old link and
  // close the new one, and the peer's frames would go nowhere.
  let ia = ephemeralIdentity();
  let ib = ephemeralIdentity();
  for (let i = 0; i < 100 && ia.peerId > ib.peerId; i++) [ia, ib] = [ephemeralIdentity(), ephemeralIdentity()];
  t.true(ia.peerId < ib.peerId);
  // b1 stands for the side that lost the link (a restarted process, a half-open connection): it stays up here, but
  // nothing depends on it after the new link.
  const b1 = await node(t, ib, 'beta');
  const firstUp = next(b1, 'peer-up');
  const a = await node(t, ia, 'alpha', { peers: [{ host: HOST, port: b1.port }], duplicateGraceMs: 1 });
  await Promise.all([firstUp, next(a, 'peer-up')]);
  t.is(a.status().links[0]?.direction, 'outbound');
  const down = next(a, 'peer-down', (p) => p.peerId === ib.peerId);
  const up = next(a, 'peer-up', (p) => p.peerId === ib.peerId);
  const b1Down = next(b1, 'peer-down');
  const b2 = await node(t, ib, 'beta-again', { peers: [{ host: HOST, port: a.port }] });
  const [[gone], [back]] = await Promise.all([down, up]);
  await b1Down;
  t.is(gone.direction, 'outbound');
  t.is(back.direction, 'inbound');
  t.is(back.nodeName, 'beta-again');
  t.is(a.status().counters.staleLinksReplaced, 1);
  t.is(a.status().links.length, 1);
  const got = next(a, 'frame', (from) => from === ib.peerId);
  t.true(b2.send(ia.peerId, Buffer.from([0x07])));
  const [, frame] = await got;
  t.deepEqual([...frame], [7]);
});

test('an entry-point probe skips an entry point whose peer is linked another way', async (t) => {
  const ia = ephemeralIdentity();
  const ib = ephemeralIdentity();
  const b = await node(t, ib, 'beta');
  const up = next(b, 'peer-up');
  const a = await node(t, ia, 'alpha', { peers: [{ host: HOST, port: b.port }] });
  await Promise.all([up, next(a, 'peer-up')]);
  // Joined: entry points parked, the entry link dropped.
  a.parkEntryPoints(true);
  const down = next(a, 'peer-down');
  t.true(a.disconnect(ib.peerId, 'test: parked'));
  await down;
  t.is(a.status().dials[0]?.state, 'idle');
  // Linked to the same peer as a neighbour (a dial of its record's address).
  await a.connect(`tcp://${HOST}:${b.port}`, { expectPeerId: ib.peerId });
  t.false(a.probeEntryPoint(), 'linked already: nothing to probe');
  t.is(a.status().dials[0]?.state, 'idle');
  const down2 = next(a, 'peer-down');
  t.true(a.disconnect(ib.peerId, 'test: gone'));
  await down2;
  t.true(a.probeEntryPoint(), 'not linked any more: probed');
});

test('A and B dial each other: one link remains on each side, the one dialled by the smaller peerId', async (t) => {
  const ia = ephemeralIdentity();
  const ib = ephemeralIdentity();
  const portB = await freePort();
  const a = await node(t, ia, 'alpha', { peers: [{ host: HOST, port: portB }] });
  const dupA = next(a, 'duplicate');
  const b = await node(t, ib, 'beta', { port: portB, peers: [{ host: HOST, port: a.port }] });
  const dupB = next(b, 'duplicate');
  await Promise.all([dupA, dupB]);
  const sa = a.status();
  const sb = b.status();
  t.is(sa.links.length, 1);
  t.is(sb.links.length, 1);
  const aDials = ia.peerId < ib.peerId;
  t.is(sa.links[0]?.direction, aDials ? 'outbound' : 'inbound');
  t.is(sb.links[0]?.direction, aDials ? 'inbound' : 'outbound');
  t.is(sa.counters.duplicatesClosed, 1);
  t.is(sb.counters.duplicatesClosed, 1);
  // The surviving link carries frames both ways.
  const got = next(b, 'frame', (from) => from === ia.peerId);
  t.true(a.send(ib.peerId, Buffer.from([0x01, 0x02])));
  const [, frame] = await got;
  t.deepEqual([...frame], [1, 2]);
});

test('garbage, an oversized frame and a link without HELLO are closed; the established link stays', async (t) => {
  const ia = ephemeralIdentity();
  const ib = ephemeralIdentity();
  const a = await node(t, ia, 'alpha', { hello: { helloTimeoutMs: 300 } });
  const upA = next(a, 'peer-up');
  const b = await node(t, ib, 'beta', { peers: [{ host: HOST, port: a.port }] });
  const [peer] = await upA;

  const raw = async (bytes: Buffer): Promise<void> => {
    const s = net.connect(a.port, HOST);
    s.on('error', () => undefined);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.write(bytes);
    await Promise.race([closed, new Promise((_, rej) => AbortSignal.timeout(WAIT_MS).addEventListener('abort', () => rej(new Error('not closed'))))]);
  };
  await raw(Buffer.from('garbage bytes\r\n'));
  await raw(Buffer.concat([Buffer.from('LGN1'), Buffer.from([0xff, 0xff, 0xff, 0xff])]));

  // A real Noise link that never says HELLO: A closes it when its HELLO timer fires.
  const c = new Transport({ identity: ephemeralIdentity() });
  const silent = await c.dial(`tcp://${HOST}:${a.port}`, { signal: AbortSignal.timeout(WAIT_MS) });
  if (silent.self) return t.fail('unexpected self');
  const silentClosed = new Promise<CloseInfo>((r) => silent.link.once('close', r));
  // And one that sends a non-HELLO first frame.
  const rude = await c.dial(`tcp://${HOST}:${a.port}`, { signal: AbortSignal.timeout(WAIT_MS) });
  if (rude.self) return t.fail('unexpected self');
  const rudeClosed = new Promise<CloseInfo>((r) => rude.link.once('close', r));
  rude.link.send(Buffer.from('not a hello'));
  const [si, ri] = await Promise.all([silentClosed, rudeClosed]);
  t.is(si.message, 'hello_timeout');
  t.is(ri.message, 'hello_expected');

  const st = a.status();
  t.is(st.links.length, 1);
  t.like(st.links[0], { peerId: ib.peerId, sinceMs: peer.sinceMs });
  t.is(st.counters.helloFailures['hello_timeout'], 1);
  t.is(st.counters.helloFailures['hello_expected'], 1);
  const got = next(a, 'frame', (from) => from === ib.peerId);
  t.true(b.send(ia.peerId, Buffer.from('still here')));
  const [, frame] = await got;
  t.is(frame.toString(), 'still here');
});

test('connect(address) links once and resolves with the peer; a self address rejects with ERR_SELF', async (t) => {
  const ia = ephemeralIdentity();
  const a = await node(t, ia, 'alpha');
  const b = await node(t, ephemeralIdentity(), 'beta');
  const p = await b.connect(`tcp://${HOST}:${a.port}`, { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(p.peerId, ia.peerId);
  t.is(p.nodeName, 'alpha');
  t.is(b.peer(ia.peerId)?.link, p.link);
  // Already linked: resolves with the same entry without dialling.
  const again = await b.connect(`tcp://${HOST}:${a.port}`, { expectPeerId: ia.peerId });
  t.is(again.link, p.link);
  const err = await t.throwsAsync(b.connect(`tcp://${HOST}:${b.port}`, { signal: AbortSignal.timeout(WAIT_MS) }));
  t.is((err as { code?: string }).code, 'ERR_SELF');
  // Not kept: after the link drops nothing redials it.
  t.deepEqual(b.status().dials, []);
});

test('addEntryPoint dials a discovered address like a configured one, once per address', async (t) => {
  const ia = ephemeralIdentity();
  const a = await node(t, ia, 'alpha');
  const b = await node(t, ephemeralIdentity(), 'beta');
  const up = next(b, 'peer-up', (p) => p.peerId === ia.peerId);
  t.true(b.addEntryPoint(`tcp://${HOST}:${a.port}`));
  t.false(b.addEntryPoint(`tcp://${HOST}:${a.port}`));
  await up;
  t.like(b.status().dials[0], { address: `tcp://${HOST}:${a.port}`, state: 'connected', peerId: ia.peerId });
});
