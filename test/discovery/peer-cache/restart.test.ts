/**
 * Real processes: a node restarted with a dead bootstrap address still joins,
 * because it dials the peers of its saved cache first; and a corrupt cache
 * file never stops a node from starting.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, testEnv, type Listening } from '../../node/helpers.js';
import { holds, httpJson, pollUntil } from '../../helpers/poll.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'lagoon-pc-restart-'));

interface MeshStatus { links: Array<{ peerId: string }>; dials: Array<{ address: string; state: string; attempts: number }> }

/** Poll `path` until `pred` holds; bounded by `signal` and a count. */
function until<T>(p: Listening, path: string, pred: (s: T) => boolean, signal: AbortSignal): Promise<T> {
  return pollUntil(() => httpJson<T>(p.httpPort, path), holds(pred), { signal, what: path });
}

/** A loopback port with nothing listening on it (bound, then released). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('a restarted node dials its cached peer first and joins though its bootstrap address is dead', async (t) => {
  const signal = AbortSignal.timeout(90_000);
  const a = spawnCli(['start'], testEnv(tmp(), { LAGOON_NODE_NAME: 'alpha' }), signal);
  t.teardown(() => { a.child.kill('SIGKILL'); });
  const pa = await a.listening;
  const aAddr = `tcp://127.0.0.1:${pa.meshPort}`;

  const bDir = tmp();
  const bEnv = (peers: string): NodeJS.ProcessEnv => testEnv(bDir, { LAGOON_NODE_NAME: 'beta', LAGOON_PEERS: peers, LAGOON_PEER_CACHE_SAVE_INTERVAL_MS: '100' });
  const b1 = spawnCli(['start'], bEnv(`127.0.0.1:${pa.meshPort}`), signal);
  t.teardown(() => { b1.child.kill('SIGKILL'); });
  const pb1 = await b1.listening;
  await until<MeshStatus>(pb1, '/api/mesh', (s) => s.links.some((l) => l.peerId === pa.peer), signal);
  b1.child.kill('SIGTERM');
  t.is((await b1.exit).code, 0);
  const saved = readFileSync(join(bDir, 'peer-cache.json'), 'utf8');
  t.true(saved.includes(aAddr), 'the cache file holds the address B dialled');

  const dead = await deadPort();
  const b2 = spawnCli(['start'], bEnv(`127.0.0.1:${dead}`), signal);
  t.teardown(() => { b2.child.kill('SIGKILL'); });
  const pb2 = await b2.listening;
  const s = await until<MeshStatus>(pb2, '/api/mesh', (m) => m.links.some((l) => l.peerId === pa.peer), signal);
  t.is(s.dials[0]?.address, aAddr, 'the cached address is the first entry point');
  t.is(s.dials[0]?.state, 'connected');
  // The bootstrap address is added only once the cached dial has an outcome.
  const after = await until<MeshStatus>(pb2, '/api/mesh', (m) => m.dials.some((d) => d.address === `tcp://127.0.0.1:${dead}`), signal);
  t.is(after.dials.findIndex((d) => d.address === `tcp://127.0.0.1:${dead}`), 1);
  const pc = await httpJson<{ size: number; best: Array<{ peerId: string; successes: number }> }>(pb2.httpPort, '/api/peer-cache');
  t.is(pc.best.find((e) => e.peerId === pa.peer)?.successes, 2, 'one success per run');
  t.false(JSON.stringify(pc).includes('127.0.0.1'), '/api/peer-cache shows no addresses');

  b2.child.kill('SIGTERM');
  a.child.kill('SIGTERM');
  t.is((await b2.exit).code, 0);
  t.is((await a.exit).code, 0);
});

test('a corrupt cache file is moved aside, counted and logged, and the node starts', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const dir = tmp();
  writeFileSync(join(dir, 'peer-cache.json'), 'lagoon-peer-cache 1 sha256=deadbeef\n{"entries":');
  const n = spawnCli(['start'], testEnv(dir), signal);
  t.teardown(() => { n.child.kill('SIGKILL'); });
  let out = '';
  n.child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const p = await n.listening;
  const metrics = await (await fetch(`http://127.0.0.1:${p.httpPort}/metrics`, { signal })).text();
  t.regex(metrics, /^lagoon_peer_cache_corrupt_files_total 1$/m);
  t.true(readdirSync(dir).some((f) => /^peer-cache\.json\.corrupt-\d+$/.test(f)), 'moved aside, not deleted');
  t.regex(out, /peer cache file is corrupt; moved aside/);
  n.child.kill('SIGTERM');
  t.is((await n.exit).code, 0);
});
