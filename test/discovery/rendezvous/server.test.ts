import test from 'ava';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { signPresence, PRESENCE_LIMITS } from '../../../ts/discovery/presence.js';
import { PresenceStore } from '../../../ts/discovery/rendezvous/presence-store.js';
import { startRv, Subscriber, post } from './helpers.js';

const presence = (id = ephemeralIdentity(), over: Partial<Parameters<typeof signPresence>[1]> = {}) =>
  signPresence(id, { type: 'online', content: 'node', email: '', avatarHash: '', addrs: [], ts: Date.now(), ...over });

test('a signed publish is 204, verified, and reaches a subscriber; a later subscriber starts with the snapshot', async (t) => {
  const s = await startRv();
  t.teardown(() => s.close());
  const signal = AbortSignal.timeout(10_000);
  const early = await Subscriber.open(s.base, signal);
  t.teardown(() => early.close());
  t.is(early.stream.status, 200);
  t.is(early.stream.headers.get('x-accel-buffering'), 'no');
  t.regex(early.stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  await early.waitFor((m) => m.event === 'ready', signal);

  const id = ephemeralIdentity();
  const res = await post(s.base, presence(id, { content: 'alice', addrs: ['tcp://127.0.0.1:9443'] }));
  t.is(res.status, 204);
  const ev = await early.waitEvent((e) => e.peerId === id.peerId, signal);
  t.like(ev, { type: 'online', content: 'alice', verified: true, addrs: ['tcp://127.0.0.1:9443'] });

  const late = await Subscriber.open(s.base, signal);
  t.teardown(() => late.close());
  const ready = await late.waitFor((m) => m.event === 'ready', signal);
  t.deepEqual(JSON.parse(ready.data), { peers: 1 });
  t.like(late.events()[0], { type: 'online', peerId: id.peerId, verified: true });
  t.true(late.stream.parser.comments >= 1, 'a comment line comes first');
});

test('unsigned is accepted as unverified; forged is 403; a verified peer refuses unsigned; a replay is 409', async (t) => {
  const s = await startRv();
  t.teardown(() => s.close());
  const signal = AbortSignal.timeout(10_000);
  const sub = await Subscriber.open(s.base, signal);
  t.teardown(() => sub.close());

  t.is((await post(s.base, { type: 'online', peerID: 'old-client', content: 'goop', ts: Date.now() })).status, 204);
  t.like(await sub.waitEvent((e) => e.peerId === 'old-client', signal), { verified: false, content: 'goop' });

  const id = ephemeralIdentity();
  const good = presence(id, { content: 'honest' });
  t.is((await post(s.base, { ...good, content: 'tampered' })).status, 403, 'content changed after signing');
  const other = ephemeralIdentity();
  t.is((await post(s.base, { ...presence(other), peerId: id.peerId })).status, 403, 'signed by a key that is not the peerId');

  t.is((await post(s.base, good)).status, 204);
  t.is((await post(s.base, good)).status, 409, 'the same signed message again');
  t.is((await post(s.base, { type: 'update', peerId: id.peerId, content: 'impostor', ts: Date.now() + 1000 })).status, 403);
  t.is((await post(s.base, presence(id, { ts: Date.now() - 120_000 }))).status, 409, 'signed ts far in the past');

  t.deepEqual(sub.events().filter((e) => e.peerId === id.peerId).map((e) => e.content), ['honest']);
  t.is(s.rv.counters.refused, 5);
});

test('limits: 405 other methods, 400 bad JSON and fields beyond the limits, 413 huge bodies', async (t) => {
  const s = await startRv();
  t.teardown(() => s.close());
  const get = await fetch(`${s.base}/publish`);
  t.is(get.status, 405);
  t.is(get.headers.get('allow'), 'POST');
  t.is((await post(s.base, {}, { method: 'PUT' })).status, 405);
  t.is((await fetch(`${s.base}/events`, { method: 'POST' })).status, 405);

  t.is((await post(s.base, null, { raw: '{"type":' })).status, 400);
  const base = { type: 'online', peerId: 'p', ts: Date.now() };
  const cases: Array<[string, unknown]> = [
    ['peerId', { ...base, peerId: 'x'.repeat(PRESENCE_LIMITS.peerIdChars + 1) }],
    ['content', { ...base, content: 'x'.repeat(PRESENCE_LIMITS.contentChars + 1) }],
    ['email', { ...base, email: 'x'.repeat(PRESENCE_LIMITS.emailChars + 1) }],
    ['addrs', { ...base, addrs: Array.from({ length: PRESENCE_LIMITS.addrs + 1 }, (_, i) => `tcp://10.0.0.${i}:1`) }],
    ['type', { ...base, type: 'away' }],
    ['ts', { ...base, ts: 'now' }],
    ['sig without key', { ...base, sig: 'ab'.repeat(64) }],
  ];
  for (const [what, body] of cases) {
    const res = await post(s.base, body);
    t.is(res.status, 400, what);
    t.truthy(((await res.json()) as { error: string }).error, what);
  }
  // Exactly at the limits is fine.
  t.is((await post(s.base, { ...base, peerId: 'y'.repeat(PRESENCE_LIMITS.peerIdChars), content: 'x'.repeat(PRESENCE_LIMITS.contentChars), email: 'e'.repeat(PRESENCE_LIMITS.emailChars), addrs: Array(PRESENCE_LIMITS.addrs).fill('a') })).status, 204);
  t.is((await post(s.base, null, { raw: JSON.stringify({ ...base, content: 'x'.repeat(64 * 1024) }) })).status, 413);
  t.is(s.rv.backend.size(), 1);
});

test('per-address publish rate limit answers 429 with Retry-After', async (t) => {
  // One token per 1,000 s: no refill during the test, however slow the machine.
  const s = await startRv({ publishRatePerIp: 0.001, publishBurstPerIp: 3 });
  t.teardown(() => s.close());
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 5; i++) {
    const res = await post(s.base, { type: 'online', peerId: `p${i}`, ts: Date.now() });
    statuses.push(res.status);
    if (res.status === 429) retryAfter = res.headers.get('retry-after');
  }
  t.deepEqual(statuses, [204, 204, 204, 429, 429]);
  t.is(retryAfter, '1');
  t.true(s.rv.counters.rateLimited >= 1);
});

test('per-address and total subscriber limits answer 429', async (t) => {
  const s = await startRv({ maxSubscribersPerIp: 2, maxSubscribers: 3 });
  t.teardown(() => s.close());
  const signal = AbortSignal.timeout(10_000);
  const subs = [await Subscriber.open(s.base, signal), await Subscriber.open(s.base, signal)];
  t.teardown(() => subs.forEach((x) => x.close()));
  const third = await fetch(`${s.base}/events`, { signal });
  t.is(third.status, 429);
  t.regex(await third.text(), /this address/);
  // A second source address (127.0.0.2 is loopback too) still gets one, then the total limit bites.
  const other = await fetchFrom('127.0.0.2', s.http.port, signal);
  t.is(other.status, 200);
  const fourth = await fetchFrom('127.0.0.3', s.http.port, signal);
  t.is(fourth.status, 429);
  t.is(s.rv.hub.size, 3);
});

async function fetchFrom(localAddress: string, port: number, signal: AbortSignal): Promise<{ status: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/events', localAddress, signal }, (res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
    });
    req.on('error', (err) => { if (!signal.aborted) reject(err); });
    req.end();
  });
}

test('admin: 403 without a configured password, 401 when wrong, 200 with peers escaped', async (t) => {
  const off = await startRv();
  t.teardown(() => off.close());
  t.is((await fetch(`${off.base}/admin`)).status, 403);

  const s = await startRv({ adminPassword: 's3cret' });
  t.teardown(() => s.close());
  const none = await fetch(`${s.base}/admin`);
  t.is(none.status, 401);
  t.regex(none.headers.get('www-authenticate') ?? '', /^Basic/);
  const auth = (pw: string) => ({ headers: { Authorization: `Basic ${Buffer.from(`admin:${pw}`).toString('base64')}` } });
  t.is((await fetch(`${s.base}/admin`, auth('wrong'))).status, 401);

  await post(s.base, { type: 'online', peerId: 'evil', content: '<script>alert(1)</script>', ts: Date.now() });
  const ok = await fetch(`${s.base}/admin`, auth('s3cret'));
  t.is(ok.status, 200);
  const html = await ok.text();
  t.true(html.includes('evil'));
  t.false(html.includes('<script>alert(1)</script>'));
  t.true(html.includes('&#60;script&#62;'));
  t.regex(html, /Recent log/);
  t.regex(html, /peer online/, 'the publish is in the recent log');
});

test('GET / is a dashboard that follows /events with EventSource', async (t) => {
  const s = await startRv();
  t.teardown(() => s.close());
  const res = await fetch(s.base);
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /text\/html/);
  const html = await res.text();
  t.regex(html, /new EventSource\('events'\)/);
  t.false(html.includes('innerHTML'), 'peer content is set with textContent only');
});

test('a peer silent for the TTL is pruned and broadcast offline', async (t) => {
  const s = await startRv({ ttlMs: 300 });
  t.teardown(() => s.close());
  const signal = AbortSignal.timeout(10_000);
  const sub = await Subscriber.open(s.base, signal);
  t.teardown(() => sub.close());
  const id = ephemeralIdentity();
  await post(s.base, presence(id));
  await sub.waitEvent((e) => e.peerId === id.peerId && e.type === 'online', signal);
  const off = await sub.waitEvent((e) => e.peerId === id.peerId && e.type === 'offline', signal);
  t.is(off.verified, true);
  t.is(s.rv.backend.size(), 0);
  t.is(s.rv.counters.pruned, 1);
});

test('heartbeats that change nothing are silent; a change is broadcast as update; offline is broadcast', async (t) => {
  const s = await startRv();
  t.teardown(() => s.close());
  const signal = AbortSignal.timeout(10_000);
  const sub = await Subscriber.open(s.base, signal);
  t.teardown(() => sub.close());
  const id = ephemeralIdentity();
  const t0 = Date.now();
  t.is((await post(s.base, presence(id, { ts: t0, content: 'a' }))).status, 204);
  t.is((await post(s.base, presence(id, { type: 'update', ts: t0 + 1, content: 'a' }))).status, 204);
  t.is((await post(s.base, presence(id, { type: 'update', ts: t0 + 2, content: 'b' }))).status, 204);
  t.is((await post(s.base, presence(id, { type: 'offline', ts: t0 + 3, content: 'b' }))).status, 204);
  await sub.waitEvent((e) => e.type === 'offline', signal);
  t.deepEqual(sub.events().map((e) => [e.type, e.content]), [['online', 'a'], ['update', 'b'], ['offline', 'b']]);
});

test('the peer table is bounded: a newcomer evicts the least recently seen unverified peer, broadcast offline', async (t) => {
  const s = await startRv({}, new PresenceStore({ ttlMs: 60_000, maxPeers: 2, maxSkewMs: 30_000 }));
  t.teardown(() => s.close());
  const signal = AbortSignal.timeout(10_000);
  const sub = await Subscriber.open(s.base, signal);
  t.teardown(() => sub.close());
  const a = ephemeralIdentity();
  await post(s.base, presence(a));
  await post(s.base, { type: 'online', peerId: 'unsigned', ts: Date.now() });
  await post(s.base, { type: 'online', peerId: 'newcomer', ts: Date.now() });
  const gone = await sub.waitEvent((e) => e.type === 'offline', signal);
  t.is(gone.peerId, 'unsigned', 'the verified peer, though older, stays');
  t.deepEqual(s.rv.backend.snapshot().map((r) => r.peerId).sort(), [a.peerId, 'newcomer'].sort());
});

test('a departed peer cannot be brought back by a late heartbeat or a replay, only by a newer message', async (t) => {
  const s = await startRv();
  t.teardown(() => s.close());
  const id = ephemeralIdentity();
  const t0 = Date.now();
  const online = presence(id, { ts: t0 });
  const heartbeat = presence(id, { type: 'update', ts: t0 + 1 });
  t.is((await post(s.base, online)).status, 204);
  t.is((await post(s.base, presence(id, { type: 'offline', ts: t0 + 2 }))).status, 204);
  t.is((await post(s.base, heartbeat)).status, 409, 'a heartbeat sent before the offline, arriving after it');
  t.is((await post(s.base, online)).status, 409, 'a replay of the first message');
  t.is((await post(s.base, { type: 'online', peerId: id.peerId, ts: t0 + 10 })).status, 403, 'unsigned, for a peer that was verified');
  t.is(s.rv.backend.size(), 0);
  t.is((await post(s.base, presence(id, { ts: t0 + 3 }))).status, 204, 'a newer signed message is a real return');
});

test('the dashboard script renders the SSE events (online, offline) with textContent, against DOM stubs', async (t) => {
  const { dashboardHtml } = await import('../../../ts/discovery/rendezvous/pages.js');
  const js = dashboardHtml().split('<script>')[1]!.split('</script>')[0]!;
  type El = { children: El[]; textContent: string; className: string; replaceChildren(...c: El[]): void; append(...c: El[]): void };
  const el = (): El => ({ children: [], textContent: '', className: '', replaceChildren(...c) { this.children = c; }, append(...c) { this.children.push(...c); } });
  const byId = new Map<string, El>();
  const document = { getElementById: (id: string) => byId.get(id) ?? byId.set(id, el()).get(id)!, createElement: () => el() };
  let es: { url: string; onopen(): void; onmessage(m: { data: string }): void } | undefined;
  function EventSource(this: typeof es, url: string) { es = this; es!.url = url; }
  new Function('document', 'EventSource', js)(document, EventSource);
  es!.onopen();
  es!.onmessage({ data: JSON.stringify({ type: 'online', peerId: 'b', content: '<b>x</b>', addrs: ['tcp://1.2.3.4:5'], verified: true, ts: 1 }) });
  es!.onmessage({ data: JSON.stringify({ type: 'online', peerId: 'a', content: 'y', addrs: [], verified: false, ts: 2 }) });
  t.deepEqual(byId.get('peers')!.children.map((tr) => tr.children[1]!.textContent), ['y', '<b>x</b>']);
  es!.onmessage({ data: JSON.stringify({ type: 'offline', peerId: 'b', ts: 3 }) });
  t.is(es!.url, 'events');
  t.is(byId.get('count')!.textContent, '1');
  t.deepEqual(byId.get('peers')!.children.map((tr) => tr.children[0]!.textContent), ['a']);
  t.is(byId.get('state')!.textContent, 'live');
});
