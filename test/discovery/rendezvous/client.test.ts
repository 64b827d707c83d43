import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { signPresence } from '../../../ts/discovery/presence.js';
import { RendezvousClient } from '../../../ts/discovery/rendezvous/client.js';
import { startRv, Subscriber, post } from './helpers.js';
import { spawnCli, testEnv } from '../../node/helpers.js';

/** Resolves when `check()` holds, re-checked on every client event; rejects when `signal` aborts. */
function until(clients: RendezvousClient[], check: () => boolean, signal: AbortSignal, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = () => clients.forEach((c) => { c.off('online', on); c.off('offline', on); c.off('ready', on); c.off('failure', on); });
    const on = () => { if (check()) { off(); resolve(); } };
    clients.forEach((c) => { c.on('online', on); c.on('offline', on); c.on('ready', on); c.on('failure', on); });
    signal.addEventListener('abort', () => { off(); reject(new Error(`timed out waiting for ${what}`)); }, { once: true });
    on();
  });
}

/** Resolves when the server holds `peerId` (now or at its next event). */
function serverHas(server: { rv: import('../../../ts/discovery/rendezvous/service.js').Rendezvous }, peerId: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => { if (server.rv.backend.snapshot().some((r) => r.peerId === peerId)) { server.rv.off('event', check); resolve(); } };
    server.rv.on('event', check);
    signal.addEventListener('abort', () => { server.rv.off('event', check); reject(new Error(`timed out waiting for ${peerId}`)); }, { once: true });
    check();
  });
}

test('a node publishes to a local and a WAN rendezvous at once and merges both lists (one entry per peer, newest ts wins)', async (t) => {
  const local = await startRv();
  const wan = await startRv();
  t.teardown(async () => { await local.close(); await wan.close(); });
  const signal = AbortSignal.timeout(15_000);
  const mk = (urls: string[], content: string) => {
    const c = new RendezvousClient({ identity: ephemeralIdentity(), urls, heartbeatMs: 200, content, retryInitialMs: 50 });
    t.teardown(() => c.close(500));
    return c;
  };
  const x = mk([local.base, wan.base], 'x on both');
  const z = mk([wan.base], 'z on wan only');
  const y = mk([local.base, wan.base], 'y');
  [x, z, y].forEach((c) => c.start());
  const xId = () => x.peerId;
  const zId = () => z.peerId;
  await until([y], () => y.peers().length === 2, signal, 'y to see x and z');
  t.deepEqual(y.peers().map((p) => p.peerId).sort(), [xId(), zId()].sort(), 'x is listed once though both servers have it');
  t.true(y.peers().every((p) => p.verified));
  await Promise.all([serverHas(local, xId(), signal), serverHas(wan, xId(), signal)]);

  // Newest ts wins across servers.
  const p = ephemeralIdentity();
  const now = Date.now();
  t.is((await post(local.base, signPresence(p, { type: 'online', content: 'newer', email: '', avatarHash: '', addrs: [], ts: now + 10 }))).status, 204);
  t.is((await post(wan.base, signPresence(p, { type: 'online', content: 'older', email: '', avatarHash: '', addrs: [], ts: now }))).status, 204);
  await serverHas(wan, p.peerId, signal);
  await until([y], () => y.peers().find((e) => e.peerId === p.peerId)?.content === 'newer', signal, 'the newer entry to win');

  // An offline newer than every online removes the peer from the merged view.
  t.is((await post(local.base, signPresence(p, { type: 'offline', content: '', email: '', avatarHash: '', addrs: [], ts: now + 20 }))).status, 204);
  await until([y], () => !y.peers().some((e) => e.peerId === p.peerId), signal, 'p to go');

  // Closing publishes offline to both servers.
  const gone = once(y, 'offline', { signal });
  await x.close();
  t.is((await gone)[0], xId());
  t.false(local.rv.backend.snapshot().some((r) => r.peerId === xId()));
  t.false(wan.rv.backend.snapshot().some((r) => r.peerId === xId()));
});

test('a client survives an unreachable server and counts the failures', async (t) => {
  const up = await startRv();
  t.teardown(() => up.close());
  const c = new RendezvousClient({ identity: ephemeralIdentity(), urls: [up.base, 'http://127.0.0.1:1'], heartbeatMs: 100, content: 'c', retryInitialMs: 20, retryMaxMs: 100 });
  t.teardown(() => c.close(300));
  c.start();
  const signal = AbortSignal.timeout(10_000);
  await until([c], () => c.counters.streamFailures >= 2 && c.counters.publishFailures >= 1, signal, 'failures on the unreachable server');
  await serverHas(up, c.peerId, signal); // the reachable server got the presence all the same
  t.pass();
});

test('a full node with LAGOON_RENDEZVOUS_URL and LAGOON_BROADCAST publishes its signed presence and mesh address, and goes offline on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-rv-node-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const signal = AbortSignal.timeout(60_000);
  const server = spawnCli(['start'], testEnv(join(dir, 'rv'), { LAGOON_RENDEZVOUS_ONLY: 'true' }), signal);
  t.teardown(() => server.child.kill('SIGKILL'));
  const rv = await server.listening;
  const base = `http://127.0.0.1:${rv.httpPort}`;
  const sub = await Subscriber.open(base, signal);
  t.teardown(() => sub.close());

  const node = spawnCli(['start'], testEnv(join(dir, 'node'), { LAGOON_RENDEZVOUS_URL: base, LAGOON_BROADCAST: 'true', LAGOON_NODE_NAME: 'n1', LAGOON_RENDEZVOUS_HEARTBEAT_MS: '500' }), signal);
  t.teardown(() => node.child.kill('SIGKILL'));
  const n = await node.listening;
  const ev = await sub.waitEvent((e) => e.peerId === n.peer && e.type === 'online', signal);
  t.like(ev, { verified: true, content: 'n1', addrs: [`tcp://127.0.0.1:${n.meshPort}`] });

  node.child.kill('SIGTERM');
  await sub.waitEvent((e) => e.peerId === n.peer && e.type === 'offline', signal);
  t.is((await node.exit).code, 0);
});
