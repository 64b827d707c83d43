import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once, EventEmitter } from 'node:events';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { PeerCache } from '../../../ts/discovery/peer-cache/cache.js';
import { decodeCacheFile, encodeCacheFile, loadCacheFile, saveCacheFile } from '../../../ts/discovery/peer-cache/persist.js';
import { PeerCacheService, type MeshLike } from '../../../ts/discovery/peer-cache/service.js';
import type { PeerEntry } from '../../../ts/mesh/peer-table.js';
import { fakePeerId, signed, T0 } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'lagoon-pc-'));

function filled(): PeerCache {
  const c = new PeerCache({ max: 64 });
  c.noteSuccess(fakePeerId(1), 'tcp://10.0.0.1:9443', T0);
  c.noteRtt(fakePeerId(1), 42, T0);
  c.noteFailure('tcp://10.0.0.1:9443', T0 + 5);
  c.putRecord(signed({ seq: T0, addresses: ['tcp://10.0.0.2:9443', 'ws://[::1]:9000/lagoon-link'], natType: 'full-cone', capabilities: 5 }), T0);
  return c;
}

test('round trip: every field of every entry, records still verified', async (t) => {
  const c = filled();
  const file = join(tmp(), 'peer-cache.json');
  await saveCacheFile(file, c.values(), T0 + 10);
  const r = await loadCacheFile(file, T0 + 20);
  t.is(r.status, 'loaded');
  if (r.status !== 'loaded') return;
  t.is(r.file.savedAtMs, T0 + 10);
  t.is(r.file.invalid, 0);
  const back = new PeerCache({ max: 64 });
  back.restore(r.file.entries, T0 + 20);
  const norm = (x: PeerCache): unknown[] => [...x.values()].map((e) => ({ ...e, record: e.record?.bytes.toString('hex') ?? null })).sort((a, b) => (a.peerId < b.peerId ? -1 : 1));
  t.deepEqual(norm(back), norm(c));
  t.is(back.peerOf('tcp://10.0.0.1:9443'), fakePeerId(1), 'address index rebuilt');
  t.regex(readFileSync(file, 'utf8'), /^lagoon-peer-cache 1 sha256=[0-9a-f]{64}\n\{/);
});

test('a missing file is an empty cache, not an error', async (t) => {
  t.deepEqual(await loadCacheFile(join(tmp(), 'none.json'), T0), { status: 'missing' });
});

test('checksum mismatch: the file is reported and moved aside with its content intact, never deleted', async (t) => {
  const dir = tmp();
  const file = join(dir, 'peer-cache.json');
  const text = encodeCacheFile(filled().values(), T0);
  const edited = text.replace('"successes":1', '"successes":9');
  t.not(edited, text);
  writeFileSync(file, edited);
  const r = await loadCacheFile(file, 12345);
  t.is(r.status, 'corrupt');
  if (r.status !== 'corrupt') return;
  t.is(r.error.code, 'ERR_STATE_CORRUPT');
  t.regex(r.error.message, /checksum mismatch/);
  t.is(r.movedTo, `${file}.corrupt-12345`);
  t.false(existsSync(file));
  t.is(readFileSync(r.movedTo!, 'utf8'), edited);
});

test('garbage, truncation, a wrong header and a bad shape are all corrupt; decode never throws anything else', (t) => {
  const good = encodeCacheFile(filled().values(), T0);
  const bads = ['', 'garbage', good.slice(0, good.length - 10), good.replace('lagoon-peer-cache 1', 'lagoon-peer-cache 2'),
    `lagoon-peer-cache 1 sha256=${'0'.repeat(64)}\n{}`, '\u0000'.repeat(100)];
  for (const b of bads) t.throws(() => decodeCacheFile(b), { code: 'ERR_STATE_CORRUPT' });
});

test('a checksummed file with a bad entry or a forged record keeps the good entries and counts the bad', async (t) => {
  const c = filled();
  const good = JSON.parse(encodeCacheFile(c.values(), T0).split('\n')[1]!) as { savedAtMs: number; entries: Array<Record<string, unknown>> };
  const victim = signed({ seq: T0 });
  const forged = Buffer.from(victim.bytes);
  ephemeralIdentity().sign(forged).copy(forged, forged.length - 64);
  good.entries.push({ ...good.entries[0], peerId: 'not-a-peer-id' });
  good.entries.push({ ...good.entries[1], peerId: victim.peerId, record: forged.toString('base64') });
  good.entries.push({ ...good.entries[0], peerId: fakePeerId(3), addresses: ['memory://x'] });
  good.entries.push({ ...good.entries[0], peerId: fakePeerId(4), successes: -1 });
  const { createHash } = await import('node:crypto');
  const body = JSON.stringify(good);
  const text = `lagoon-peer-cache 1 sha256=${createHash('sha256').update(body).digest('hex')}\n${body}`;
  const d = decodeCacheFile(text);
  t.is(d.entries.length, 2);
  t.is(d.invalid, 4);
});

/** A mesh that only emits what the test tells it to. */
class FakeMesh extends EventEmitter {
  readonly peerId = 'b3b3/fake';
  readonly entryPoints: string[] = [];
  readonly sent: Array<[string, Uint8Array]> = [];
  send(peerId: string, frame: Uint8Array): boolean { this.sent.push([peerId, frame]); return true; }
  addEntryPoint(address: string): boolean { this.entryPoints.push(address); return true; }
  connect(address: string): Promise<PeerEntry> { this.entryPoints.push(`once:${address}`); return new Promise(() => undefined); }
}

function peerUp(mesh: FakeMesh, peerId: string, address: string): void {
  mesh.emit('peer-up', { peerId, addresses: [address], kind: 'tcp', direction: 'outbound', hello: { capabilities: 1 } } as unknown as PeerEntry);
}

test('service: saves on significant change, at most once per saveIntervalMs, and the rest at close', async (t) => {
  const file = join(tmp(), 'peer-cache.json');
  const svc = await PeerCacheService.open({ identity: ephemeralIdentity(), file, max: 64, saveIntervalMs: 300 });
  const mesh = new FakeMesh();
  svc.attach(mesh as unknown as MeshLike, []);
  const saved = (): Promise<unknown> => once(svc, 'saved', { signal: AbortSignal.timeout(10_000) });
  let first = saved();
  const t0 = performance.now(); // the first write starts after this, the second ≥ saveIntervalMs after the first starts
  peerUp(mesh, fakePeerId(1), 'tcp://10.0.0.1:9443');
  await first;
  t.is(svc.counters.saves, 1);
  const second = saved();
  for (let i = 2; i < 40; i++) peerUp(mesh, fakePeerId(i), `tcp://10.0.0.${i}:9443`);
  await second;
  const gap = performance.now() - t0;
  t.true(gap >= 299, `second save done ${gap.toFixed(0)} ms after the first began (write rate bounded by saveIntervalMs)`);
  t.is(svc.counters.saves, 2, '38 changes, one write');
  const r = await loadCacheFile(file, Date.now());
  t.is(r.status === 'loaded' ? r.file.entries.length : -1, 39);
  // An RTT sample is not significant: no save until close.
  svc.cache.noteRtt(fakePeerId(1), 7, Date.now());
  first = saved();
  await svc.close();
  await first;
  const after = await loadCacheFile(file, Date.now());
  t.is(after.status === 'loaded' ? after.file.entries.find((e) => e.peerId === fakePeerId(1))!.rttAvgMs : -1, 7);
});

test('service: a corrupt file is counted and set aside, and the cache starts empty', async (t) => {
  const dir = tmp();
  const file = join(dir, 'peer-cache.json');
  writeFileSync(file, 'lagoon-peer-cache 1 sha256=00\n{{{{');
  const svc = await PeerCacheService.open({ identity: ephemeralIdentity(), file, max: 64, saveIntervalMs: 100 });
  t.is(svc.counters.corruptFiles, 1);
  t.is(svc.cache.size, 0);
  t.true(readdirSync(dir).some((f) => f.startsWith('peer-cache.json.corrupt-')));
  await svc.close();
});

test('service: cached peers are dialled before the bootstrap addresses, which wait for their outcome', async (t) => {
  const file = join(tmp(), 'peer-cache.json');
  const c = new PeerCache({ max: 64 });
  c.noteSuccess(fakePeerId(1), 'tcp://10.0.0.1:9443', Date.now());
  c.noteSuccess(fakePeerId(2), 'tcp://10.0.0.2:9443', Date.now());
  const gossiped = signed({ seq: Date.now(), addresses: ['tcp://10.0.0.3:9443'] });
  c.putRecord(gossiped, Date.now());
  await saveCacheFile(file, c.values(), Date.now());
  const svc = await PeerCacheService.open({ identity: ephemeralIdentity(), file, max: 64, saveIntervalMs: 100, bootstrapDelayMs: 60_000, epsilon: 0 });
  const mesh = new FakeMesh();
  svc.attach(mesh as unknown as MeshLike, ['tcp://192.0.2.1:9443']);
  t.deepEqual(mesh.entryPoints.slice().sort(), ['once:tcp://10.0.0.3:9443', 'tcp://10.0.0.1:9443', 'tcp://10.0.0.2:9443'],
    'peers that answered before are kept as entry points; a gossip-only address is dialled once');
  peerUp(mesh, fakePeerId(1), 'tcp://10.0.0.1:9443');
  mesh.emit('dial-failed', 'tcp://10.0.0.2:9443', 1, 1000);
  t.false(mesh.entryPoints.includes('tcp://192.0.2.1:9443'), 'bootstrap still waits for the third cached dial');
  t.is(svc.cache.get(fakePeerId(2))!.failures, 1, 'the failure is recorded');
  await svc.close();
  // Same again, but the last cached dial settles: the bootstrap follows at once.
  const svc2 = await PeerCacheService.open({ identity: ephemeralIdentity(), file, max: 64, saveIntervalMs: 100, bootstrapDelayMs: 60_000, epsilon: 0 });
  const mesh2 = new FakeMesh();
  svc2.attach(mesh2 as unknown as MeshLike, ['tcp://192.0.2.1:9443']);
  for (const a of ['tcp://10.0.0.1:9443', 'tcp://10.0.0.2:9443', 'tcp://10.0.0.3:9443']) mesh2.emit('dial-failed', a, 1, 1000);
  t.is(mesh2.entryPoints.at(-1), 'tcp://192.0.2.1:9443');
  await svc2.close();
});

test('service: with an empty cache the bootstrap addresses are dialled at once', async (t) => {
  const svc = await PeerCacheService.open({ identity: ephemeralIdentity(), file: join(tmp(), 'pc.json'), max: 64, saveIntervalMs: 100 });
  const mesh = new FakeMesh();
  svc.attach(mesh as unknown as MeshLike, ['tcp://192.0.2.1:9443']);
  t.deepEqual(mesh.entryPoints, ['tcp://192.0.2.1:9443']);
  await svc.close();
});
