import test from 'ava';
import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { silentLogger } from '../../../ts/core/logger.js';
import { startHttpServer } from '../../../ts/http/server.js';
import { startMeshService, type MeshService } from '../../../ts/mesh/service.js';
import { RegistryService, transportDialBack, type DialBack } from '../../../ts/discovery/registry/service.js';
import { BootstrapRegistry } from '../../../ts/discovery/registry/registry.js';
import { register, unregister, discover } from '../../../ts/discovery/registry/client.js';
import { requestBody, signRequest } from '../../../ts/discovery/registry/messages.js';

async function startRegistry(t: { teardown(fn: () => unknown): void }, over: Partial<ConstructorParameters<typeof RegistryService>[0]> = {}) {
  const http = await startHttpServer({ bind: '127.0.0.1', port: 0, logger: silentLogger() });
  const dials: string[] = [];
  const real = transportDialBack(ephemeralIdentity());
  const dialBack: DialBack = (a, p, s) => { dials.push(a); return real(a, p, s); };
  const svc = new RegistryService({
    http, logger: silentLogger(), dialBack, ttlMs: 3_600_000, maxPeers: 100, maxSkewMs: 30_000, dialTimeoutMs: 3000,
    ratePerIp: 1000, burstPerIp: 1000, ...over,
  });
  t.teardown(async () => { svc.close(); await http.close(); });
  return { base: `http://127.0.0.1:${http.port}`, svc, dials };
}

async function startPeer(t: { teardown(fn: () => unknown): void }, identity: Identity): Promise<MeshService> {
  const mesh = await startMeshService({ identity, bind: '127.0.0.1', port: 0, peers: [], nodeName: 'n', siteName: 's', logger: silentLogger() });
  t.teardown(() => mesh.close());
  return mesh;
}

const signal = () => AbortSignal.timeout(10_000);

test('a broadcasting peer is listed after the dial-back proves its key at the address; discover and unregister', async (t) => {
  const r = await startRegistry(t);
  const alice = ephemeralIdentity();
  const mesh = await startPeer(t, alice);
  const addr = `tcp://127.0.0.1:${mesh.port}`;
  const res = await register(r.base, alice, [addr], signal());
  t.is(res.status, 200, JSON.stringify(res.body));
  t.deepEqual(res.body.listed, [addr]);
  t.true(res.body.expiresAt! > Date.now() + 3_500_000);
  t.deepEqual(r.dials, [addr]);

  const found = await discover(r.base, 10, signal());
  t.deepEqual(found.body.peers?.map((p) => [p.peerId, p.addrs]), [[alice.peerId, [addr]]]);

  const gone = await unregister(r.base, alice, signal());
  t.is(gone.status, 200);
  t.true(gone.body.removed);
  t.deepEqual((await discover(r.base, 10, signal())).body.peers, []);
});

test('an address that answers with another key, or not at all, is never listed', async (t) => {
  const r = await startRegistry(t);
  const mallory = ephemeralIdentity();
  const stranger = await startPeer(t, ephemeralIdentity());
  const res = await register(r.base, mallory, [`tcp://127.0.0.1:${stranger.port}`], signal());
  t.is(res.status, 422);
  t.regex(res.body.refused?.[0]?.reason ?? '', /dial-back failed/);

  const closed = await startHttpServer({ bind: '127.0.0.1', port: 0, logger: silentLogger() });
  const port = closed.port;
  await closed.close();
  const none = await register(r.base, mallory, [`tcp://127.0.0.1:${port}`], signal());
  t.is(none.status, 422);
  t.deepEqual((await discover(r.base, 10, signal())).body.peers, []);
  t.is(r.svc.dialBackFailures, 2);
});

test('only IP addresses equal to the request\'s source are dialled back', async (t) => {
  const r = await startRegistry(t);
  const alice = ephemeralIdentity();
  const mesh = await startPeer(t, alice);
  const res = await register(r.base, alice, ['tcp://192.0.2.7:9443', 'tcp://example.org:9443', 'memory://x', `tcp://127.0.0.1:${mesh.port}`], signal());
  t.is(res.status, 200);
  t.deepEqual(res.body.listed, [`tcp://127.0.0.1:${mesh.port}`]);
  t.deepEqual(res.body.refused?.map((x) => x.address), ['tcp://192.0.2.7:9443', 'tcp://example.org:9443', 'memory://x']);
  t.deepEqual(r.dials, [`tcp://127.0.0.1:${mesh.port}`], 'no traffic towards the third-party addresses');
});

test('forged, replayed, stale, non-broadcasting and malformed requests are refused before any dial', async (t) => {
  const r = await startRegistry(t);
  const alice = ephemeralIdentity();
  const post = (body: unknown) => fetch(`${r.base}/api/bootstrap/register`, { method: 'POST', body: JSON.stringify(body), signal: signal() });
  const good = requestBody(signRequest(alice, 'register', ['tcp://127.0.0.1:1'], Date.now()));
  t.is((await post({ ...good, addrs: ['tcp://127.0.0.1:2'] })).status, 401, 'addrs changed after signing');
  const unreg = requestBody(signRequest(alice, 'unregister', [], Date.now()));
  t.is((await post({ ...unreg, addrs: ['tcp://127.0.0.1:1'], broadcast: true })).status, 401, 'an unregister replayed as a register');
  t.is((await post(requestBody(signRequest(alice, 'register', ['tcp://127.0.0.1:1'], Date.now() - 60_000)))).status, 409, 'stale ts');
  t.is((await post({ ...good, broadcast: false })).status, 400);
  t.is((await post({ ...good, addrs: [] })).status, 400);
  t.is((await fetch(`${r.base}/api/bootstrap/register`, { method: 'POST', body: '{', signal: signal() })).status, 400);
  t.is((await post(good)).status, 422, 'first use: admitted, dial-back fails (nothing listens on port 1)');
  t.is((await post(good)).status, 409, 'the same request again is a replay');
  t.is((await fetch(`${r.base}/api/bootstrap/register`, { signal: signal() })).status, 405);
  t.is((await fetch(`${r.base}/api/bootstrap/discover?limit=1000`, { signal: signal() })).status, 400);
  t.deepEqual(r.dials, ['tcp://127.0.0.1:1']);
});

test('registry requests are rate limited per address', async (t) => {
  // One token per 1,000 s: no refill can happen during the test, however slow the machine.
  const r = await startRegistry(t, { ratePerIp: 0.001, burstPerIp: 2 });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await discover(r.base, 5, signal())).status);
  t.deepEqual(statuses, [200, 200, 429, 429]);
});

test('table: entries expire after the TTL, the table is bounded, discover samples at most `limit`', (t) => {
  const reg = new BootstrapRegistry({ ttlMs: 1000, maxPeers: 3, maxSkewMs: 30_000 });
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  reg.list('a', ['tcp://1.1.1.1:1'], 0);
  reg.list('b', ['tcp://1.1.1.2:1'], 100);
  reg.list('c', ['tcp://1.1.1.3:1'], 200);
  reg.list('d', ['tcp://1.1.1.4:1'], 300);
  t.is(reg.size, 3);
  t.is(reg.get('a'), undefined, 'the one expiring soonest gave way');
  t.is(reg.discover(400, 2, random).length, 2);
  t.deepEqual(reg.discover(1150, 10, random).map((e) => e.peerId).sort(), ['c', 'd']);
  t.is(reg.prune(1300), 2);
  t.is(reg.size, 0);
  t.is(reg.counters.evicted, 1);
});

test('table: a full replay cache refuses new requests (503) rather than forget a live nonce', (t) => {
  const reg = new BootstrapRegistry({ ttlMs: 1000, maxPeers: 3, maxSkewMs: 30_000, maxNonces: 2 });
  const alice = ephemeralIdentity();
  const now = Date.now();
  const first = signRequest(alice, 'register', ['tcp://1.1.1.1:1'], now);
  t.true(reg.admit(first, now).ok);
  t.true(reg.admit(signRequest(ephemeralIdentity(), 'register', ['tcp://1.1.1.1:1'], now), now).ok);
  t.like(reg.admit(signRequest(ephemeralIdentity(), 'register', ['tcp://1.1.1.1:1'], now), now), { ok: false, status: 503 });
  t.like(reg.admit(first, now), { ok: false, status: 409 }, 'still a replay');
  // Once the window has passed, the nonces are dropped and the first request fails the ts check instead.
  const later = now + 31_000;
  t.true(reg.admit(signRequest(ephemeralIdentity(), 'register', ['tcp://1.1.1.1:1'], later), later).ok);
  t.like(reg.admit(first, later), { ok: false, status: 409 });
});
