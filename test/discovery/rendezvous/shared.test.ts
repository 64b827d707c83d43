import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { signPresence } from '../../../ts/discovery/presence.js';
import { SqlitePresenceStore } from '../../../ts/discovery/rendezvous/sqlite-store.js';
import { startRv, Subscriber, post } from './helpers.js';

const limits = (ttlMs = 60_000) => ({ ttlMs, maxPeers: 100, maxSkewMs: 30_000 });

function tempDb(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-rv-db-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'peers.db');
}

test('two instances on one SQLite file: snapshot and live events reach the other instance\'s subscribers', async (t) => {
  const db = tempDb(t);
  const a = await startRv({}, new SqlitePresenceStore(db, limits()));
  const b = await startRv({}, new SqlitePresenceStore(db, limits()));
  t.teardown(async () => { await a.close(); await b.close(); });
  const signal = AbortSignal.timeout(10_000);

  const first = ephemeralIdentity();
  t.is((await post(a.base, signPresence(first, { type: 'online', content: 'on A', email: '', avatarHash: '', addrs: [], ts: Date.now() }))).status, 204);
  const subB = await Subscriber.open(b.base, signal);
  t.teardown(() => subB.close());
  await subB.waitFor((m) => m.event === 'ready', signal);
  t.like(subB.events()[0], { peerId: first.peerId, content: 'on A', verified: true }, 'B\'s snapshot holds the peer published to A');

  const second = ephemeralIdentity();
  t.is((await post(a.base, signPresence(second, { type: 'online', content: 'live', email: '', avatarHash: '', addrs: [], ts: Date.now() }))).status, 204);
  t.like(await subB.waitEvent((e) => e.peerId === second.peerId, signal), { type: 'online', content: 'live' });

  // The replay rule holds across instances: B refuses what A accepted.
  const msg = signPresence(second, { type: 'update', content: 'x', email: '', avatarHash: '', addrs: [], ts: Date.now() + 5 });
  t.is((await post(a.base, msg)).status, 204);
  t.is((await post(b.base, msg)).status, 409);
  t.is(a.rv.backend.size(), 2);
  t.is(b.rv.backend.size(), 2);
});

test('a prune on a shared file is announced once and reaches both instances', async (t) => {
  const db = tempDb(t);
  const a = await startRv({ ttlMs: 400 }, new SqlitePresenceStore(db, limits(400)));
  const b = await startRv({ ttlMs: 400 }, new SqlitePresenceStore(db, limits(400)));
  t.teardown(async () => { await a.close(); await b.close(); });
  const signal = AbortSignal.timeout(10_000);
  const subA = await Subscriber.open(a.base, signal);
  const subB = await Subscriber.open(b.base, signal);
  t.teardown(() => { subA.close(); subB.close(); });
  t.is((await post(b.base, { type: 'online', peerId: 'short-lived', ts: Date.now() })).status, 204);
  await subA.waitEvent((e) => e.peerId === 'short-lived' && e.type === 'offline', signal);
  await subB.waitEvent((e) => e.peerId === 'short-lived' && e.type === 'offline', signal);
  t.is(a.rv.counters.pruned + b.rv.counters.pruned, 1, 'exactly one instance removed it');
  t.is(subA.events().filter((e) => e.type === 'offline').length, 1);
  t.is(subB.events().filter((e) => e.type === 'offline').length, 1);
});

test('a corrupt peer database is a clear error, not a crash', (t) => {
  const db = tempDb(t);
  writeFileSync(db, 'this is not a database'.repeat(100));
  const err = t.throws(() => new SqlitePresenceStore(db, limits()));
  t.regex(err!.message, /ERR_STATE_CORRUPT: cannot open LAGOON_PEER_DB/);
});

test('two rendezvous-only processes share LAGOON_PEER_DB; curl follows the other one\'s stream', async (t) => {
  const { spawnCli, testEnv } = await import('../../node/helpers.js');
  const db = tempDb(t);
  const signal = AbortSignal.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-rv-proc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The TTL is not under test here: with the default 20 s, a loaded machine pruned the peer before the metrics
  // were read (the gauge said 0 after the stream had shown the peer).
  const env = (n: string) => testEnv(join(dir, n), { LAGOON_RENDEZVOUS_ONLY: 'true', LAGOON_PEER_DB: db, LAGOON_RENDEZVOUS_TTL_MS: '600000' });
  const pa = spawnCli(['start'], env('a'), signal);
  const pb = spawnCli(['start'], env('b'), signal);
  t.teardown(() => { pa.child.kill('SIGKILL'); pb.child.kill('SIGKILL'); });
  const [la, lb] = await Promise.all([pa.listening, pb.listening]);
  t.is((la as unknown as { ircPort?: number }).ircPort, undefined, 'no IRC in rendezvous-only mode');

  const curl = spawn('curl', ['-sS', '-N', '-i', '--max-time', '30', `http://127.0.0.1:${lb.httpPort}/events`], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => curl.kill('SIGKILL'));
  // One listener for the whole stream: output that arrives while no `seen` is waiting (B's poll can beat A's answer
  // to the POST) must still be kept.
  let out = '';
  const waiting = new Set<() => void>();
  curl.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); for (const check of [...waiting]) check(); });
  const seen = (re: RegExp) => new Promise<void>((resolve, reject) => {
    const check = () => { if (re.test(out)) { waiting.delete(check); resolve(); } };
    waiting.add(check);
    check();
    signal.addEventListener('abort', () => reject(new Error(`timed out; curl saw:\n${out}`)), { once: true });
  });
  await seen(/event: ready/);
  t.regex(out, /^HTTP\/1\.1 200/);
  t.regex(out, /x-accel-buffering: no/i);
  t.regex(out, /\r\n\r\n: lagoon rendezvous\n/, 'a comment line right after the headers');

  const id = ephemeralIdentity();
  t.is((await post(`http://127.0.0.1:${la.httpPort}`, signPresence(id, { type: 'online', content: 'via A', email: '', avatarHash: '', addrs: [], ts: Date.now() }))).status, 204);
  await seen(new RegExp(`data: .*"peerId":"${id.peerId.replace('/', '\\/')}".*"verified":true`));
  const metrics = await (await fetch(`http://127.0.0.1:${la.httpPort}/metrics`)).text();
  t.regex(metrics, /^lagoon_rendezvous_published_total 1$/m);
  t.regex(metrics, /^lagoon_rendezvous_peers 1$/m);
  t.regex(metrics, /^lagoon_registry_entries 0$/m);
  const health = (await (await fetch(`http://127.0.0.1:${lb.httpPort}/healthz`)).json()) as { mode: string };
  t.is(health.mode, 'rendezvous-only');
});
