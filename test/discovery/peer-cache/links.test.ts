/**
 * Cache gossip over real mesh links on 127.0.0.1 (MeshService + PeerCacheService):
 * a broadcasting node's record reaches a node two hops away; the address of a
 * silent node, known to the hub because the hub dialled it, never does.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { startMeshService, type MeshService } from '../../../ts/mesh/service.js';
import { PeerCacheService } from '../../../ts/discovery/peer-cache/service.js';
import { isCacheFrame } from '../../../ts/discovery/peer-cache/messages.js';
import type { SignedRecord } from '../../../ts/discovery/peer-cache/record.js';

const HOST = '127.0.0.1';

interface Node { id: Identity; mesh: MeshService; cache: PeerCacheService }

async function node(t: ExecutionContext, name: string, opts: { broadcast?: boolean; dial?: MeshService[] } = {}): Promise<Node> {
  const id = ephemeralIdentity();
  const mesh = await startMeshService({ identity: id, bind: HOST, port: 0, peers: [], nodeName: name, siteName: `${name}.test`, dialRetry: { initialMs: 20, maxMs: 100 } });
  const cache = await PeerCacheService.open({ identity: id, file: join(mkdtempSync(join(tmpdir(), 'lagoon-pcl-')), 'pc.json'), max: 64, saveIntervalMs: 100, gossip: { deltaIntervalMs: 50 } });
  t.teardown(async () => { await cache.close(); await mesh.close(); });
  cache.attach(mesh, (opts.dial ?? []).map((m) => `tcp://${HOST}:${m.port}`));
  if (opts.broadcast) cache.advertise({ addresses: [`tcp://${HOST}:${mesh.port}`], capabilities: 1, natType: 'none' });
  return { id, mesh, cache };
}

test('a broadcasting node\'s record crosses two hops; a silent node\'s address never leaves the hub', async (t) => {
  const a = await node(t, 'alpha', { broadcast: true });
  const s = await node(t, 'silent');
  const hub = await node(t, 'hub', { dial: [a.mesh, s.mesh] });
  // Every cache frame the far node receives, to inspect.
  const seenByC: Buffer[] = [];
  const cId = ephemeralIdentity();
  const cMesh = await startMeshService({ identity: cId, bind: HOST, port: 0, peers: [], nodeName: 'c', siteName: 'c.test', dialRetry: { initialMs: 20, maxMs: 100 } });
  cMesh.on('frame', (_p, f) => { if (isCacheFrame(f)) seenByC.push(Buffer.from(f)); });
  const cCache = await PeerCacheService.open({ identity: cId, file: join(mkdtempSync(join(tmpdir(), 'lagoon-pcl-')), 'pc.json'), max: 64, saveIntervalMs: 100, gossip: { deltaIntervalMs: 50 } });
  t.teardown(async () => { await cCache.close(); await cMesh.close(); });

  // The hub must have linked to the silent node (and cached its dial address) before C shows up.
  for (let i = 0; i < 10 && !hub.cache.cache.get(s.id.peerId); i++) await once(hub.mesh, 'peer-up', { signal: AbortSignal.timeout(10_000) });
  const silentAddr = `tcp://${HOST}:${s.mesh.port}`;
  t.deepEqual(hub.cache.cache.get(s.id.peerId)?.addresses, [silentAddr], 'the hub knows the silent node\'s address');

  const learned = (async (): Promise<SignedRecord> => {
    for (;;) {
      const [rec] = (await once(cCache, 'learned', { signal: AbortSignal.timeout(15_000) })) as [SignedRecord];
      if (rec.peerId === a.id.peerId) return rec;
    }
  })();
  cCache.attach(cMesh, [`tcp://${HOST}:${hub.mesh.port}`]);
  const rec = await learned;
  t.deepEqual(rec.addresses, [`tcp://${HOST}:${a.mesh.port}`]);
  t.true(cCache.cache.get(a.id.peerId)?.record !== null);
  // Round-trip an explicit request too, so C has seen sync, request/response and any deltas.
  const before = seenByC.length;
  cCache.request(hub.id.peerId);
  while (seenByC.length === before) await once(cMesh, 'frame', { signal: AbortSignal.timeout(10_000) });
  t.true(seenByC.length >= 2);
  t.false(seenByC.some((f) => f.includes(Buffer.from(silentAddr))), 'no cache frame carries the silent node\'s address');
  t.is(cCache.cache.get(s.id.peerId), undefined);
});
