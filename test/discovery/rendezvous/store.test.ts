import test from 'ava';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { parsePresence, signPresence, verifyPresence, canonicalPresence } from '../../../ts/discovery/presence.js';
import { PresenceStore, decidePublish } from '../../../ts/discovery/rendezvous/presence-store.js';
import { SseParser } from '../../../ts/discovery/rendezvous/sse-reader.js';
import { loadDriver } from '../../../ts/discovery/rendezvous/sqlite-store.js';

const limits = { ttlMs: 1000, maxPeers: 3, maxSkewMs: 30_000 };
const unsigned = (peerId: string, ts: number, over: Record<string, unknown> = {}) => {
  const r = parsePresence({ type: 'online', peerId, ts, ...over });
  if (!r.ok) throw new Error(r.reason);
  return r.msg;
};

test('codec: the signature covers every field in a canonical order; extra JSON fields and key order do not matter', (t) => {
  const id = ephemeralIdentity();
  const msg = signPresence(id, { type: 'online', content: 'c', email: 'e@x', avatarHash: 'h', addrs: ['tcp://1.2.3.4:5'], ts: 42 });
  t.is(verifyPresence(msg), 'verified');
  const reordered = parsePresence(JSON.parse(JSON.stringify({ extra: 1, sig: msg.sig, ts: 42, publicKey: msg.publicKey, addrs: msg.addrs, avatarHash: 'h', email: 'e@x', content: 'c', peerId: msg.peerId, type: 'online' })));
  t.true(reordered.ok && verifyPresence(reordered.msg) === 'verified');
  for (const change of [{ type: 'update' as const }, { content: 'd' }, { email: 'f' }, { avatarHash: 'i' }, { addrs: ['tcp://1.2.3.4:6'] }, { ts: 43 }]) {
    t.is(verifyPresence({ ...msg, ...change }), 'forged', JSON.stringify(change));
  }
  t.is(verifyPresence({ ...msg, sig: undefined, publicKey: undefined }), 'unsigned');
  t.true(canonicalPresence(msg).toString().startsWith('lagoon-presence-v1\n'));
});

test('store: decisions follow the rules (forged, verified lock, replay, skew) with explicit time', (t) => {
  const id = ephemeralIdentity();
  const now = 1_000_000;
  const signed = signPresence(id, { type: 'online', content: 'a', email: '', avatarHash: '', addrs: [], ts: now });
  t.like(decidePublish(undefined, signed, 'forged', now, limits), { ok: false, status: 403 });
  t.like(decidePublish(undefined, signed, 'verified', now + 31_000, limits), { ok: false, status: 409 });
  const first = decidePublish(undefined, signed, 'verified', now, limits);
  t.true(first.ok);
  if (!first.ok || !first.record) return;
  t.like(first.event, { type: 'online', verified: true });
  t.like(decidePublish(first.record, unsigned(id.peerId, now + 5), 'unsigned', now, limits), { ok: false, status: 403 });
  t.like(decidePublish(first.record, signed, 'verified', now, limits), { ok: false, status: 409 });
});

test('store: prune removes exactly the peers silent for the TTL, oldest first, and eviction prefers unverified', (t) => {
  const s = new PresenceStore(limits);
  t.true(s.publish(unsigned('a', 1), 'unsigned', 0).ok);
  t.true(s.publish(unsigned('b', 1), 'unsigned', 400).ok);
  t.true(s.publish(unsigned('a', 2), 'unsigned', 800).ok, 'a refreshed');
  t.deepEqual(s.prune(999), []);
  t.deepEqual(s.prune(1400).map((e) => [e.type, e.peerId]), [['offline', 'b']]);
  t.is(s.size(), 1);

  const v = ephemeralIdentity();
  const full = new PresenceStore(limits);
  full.publish(signPresence(v, { type: 'online', content: '', email: '', avatarHash: '', addrs: [], ts: 10 }), 'verified', 10);
  full.publish(unsigned('u1', 1), 'unsigned', 11);
  full.publish(unsigned('u2', 1), 'unsigned', 12);
  const r = full.publish(unsigned('u3', 1), 'unsigned', 13);
  t.true(r.ok);
  if (r.ok) t.deepEqual(r.events.map((e) => [e.type, e.peerId]), [['offline', 'u1'], ['online', 'u3']]);
  t.is(full.size(), 3);
});

test('SSE parser: comments, named events, multi-line data, CRLF and chunk boundaries anywhere', (t) => {
  const text = ': hello\r\n\r\nevent: ready\r\ndata: {"peers":1}\r\n\r\ndata: a\ndata: b\n\n: keep-alive\n\ndata:x\r\r\n';
  const whole = new SseParser().feed(text);
  t.deepEqual(whole, [{ event: 'ready', data: '{"peers":1}' }, { event: 'message', data: 'a\nb' }, { event: 'message', data: 'x' }]);
  for (let cut = 1; cut < text.length; cut++) {
    const p = new SseParser();
    const got = [...p.feed(text.slice(0, cut)), ...p.feed(text.slice(cut))];
    t.deepEqual(got, whole, `cut at ${cut}`);
  }
});

test('without better-sqlite3 the shared store says the feature is unavailable', (t) => {
  const err = t.throws(() => loadDriver('/tmp/x.db', 'better-sqlite3-not-installed-for-this-test'));
  t.regex(err!.message, /^ERR_CONFIG: LAGOON_PEER_DB=\/tmp\/x\.db needs the optional dependency better-sqlite3/);
});
