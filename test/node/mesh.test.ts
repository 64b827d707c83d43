import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, testEnv, type Listening } from './helpers.js';
import { holds, httpJson, pollUntil } from '../helpers/poll.js';
import { Transport } from '../../ts/transport/transport.js';
import { ephemeralIdentity } from '../../ts/core/identity.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lagoon-mesh-'));

interface MeshStatus {
  peerId: string; port: number; links: Array<{ peerId: string; nodeName: string; siteName: string }>;
  spiral: { slot: number | null; rttMs: Record<string, number>; spliceRoundMs: number };
}

/** Poll /api/mesh until `pred` holds; bounded by `signal` and a count. */
function until(p: Listening, pred: (s: MeshStatus) => boolean, signal: AbortSignal): Promise<MeshStatus> {
  return pollUntil(() => httpJson<MeshStatus>(p.httpPort, '/api/mesh'), holds(pred), { signal, what: '/api/mesh' });
}

test('one address is enough: B joins A through LAGOON_PEERS, both see an authenticated link', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const a = spawnCli(['start'], testEnv(tmp(), { LAGOON_NODE_NAME: 'alpha', LAGOON_SERVER_NAME: 'alpha.test' }), signal);
  t.teardown(() => { a.child.kill('SIGKILL'); });
  const pa = await a.listening;
  t.true(pa.meshPort > 0);

  const b = spawnCli(['start'], testEnv(tmp(), { LAGOON_NODE_NAME: 'beta', LAGOON_SERVER_NAME: 'beta.test', LAGOON_PEERS: `127.0.0.1:${pa.meshPort}` }), signal);
  t.teardown(() => { b.child.kill('SIGKILL'); });
  const pb = await b.listening;

  const sa = await until(pa, (s) => s.links.some((l) => l.peerId === pb.peer), signal);
  // B joined through A (APE): A, the first node, holds slot 0 and gave B slot 1.
  // Its first PING on the link measures the round trip to A (what its splice rounds follow).
  const sb = await until(pb, (s) => s.links.some((l) => l.peerId === pa.peer) && s.spiral.slot === 1 && s.spiral.rttMs[pa.peer] !== undefined, signal);
  const rtt = sb.spiral.rttMs[pa.peer]!;
  t.true(rtt >= 0 && rtt < 1000, `loopback round trip ${rtt} ms`);
  t.true(sb.spiral.spliceRoundMs >= 20, `splice round ${sb.spiral.spliceRoundMs} ms`);
  t.is(sa.spiral.slot, 0);
  t.is(sa.peerId, pa.peer);
  t.like(sa.links.find((l) => l.peerId === pb.peer), { nodeName: 'beta', siteName: 'beta.test' });
  t.like(sb.links.find((l) => l.peerId === pa.peer), { nodeName: 'alpha', siteName: 'alpha.test' });

  const metrics = await (await fetch(`http://127.0.0.1:${pb.httpPort}/metrics`, { signal })).text();
  t.regex(metrics, /^lagoon_mesh_links 1$/m);
  // A fresh two-node mesh: nobody restarted, no link was replaced, the machine never threw.
  for (const name of ['slots_returned', 'stranded_rejoins', 'placed_unseen', 'stale_links_replaced', 'machine_errors']) t.regex(metrics, new RegExp(`^lagoon_mesh_${name}_total 0$`, 'm'));

  const st = spawnCli(['status'], testEnv(tmp(), { LAGOON_HTTP_PORT: String(pb.httpPort) }), signal);
  let out = '';
  st.child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  t.is((await st.exit).code, 0);
  t.regex(out, new RegExp(`peer_id +${pb.peer.replace('/', '\\/')}`));
  t.true(out.includes(`${pa.peer}  alpha (alpha.test)`), out);
  t.regex(out, /rtt [\d.]+ ms$/m);
  t.regex(out, /^slot +1$/m);
  t.regex(out, /^meshed +(yes \(first \d+ ms after start\)|no)$/m);

  b.child.kill('SIGTERM');
  a.child.kill('SIGTERM');
  t.is((await b.exit).code, 0);
  t.is((await a.exit).code, 0);
});

test('lagoon status says clearly when no node answers', async (t) => {
  const signal = AbortSignal.timeout(30_000);
  const st = spawnCli(['status'], testEnv(tmp(), { LAGOON_HTTP_PORT: '1' }), signal);
  t.is((await st.exit).code, 1);
  t.regex(st.stderr(), /no node answering at http:\/\/127\.0\.0\.1:1\/api\/mesh/);
});

test('the mesh port also takes TLS and WebSocket-over-TLS links (one port, told apart by the first bytes)', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const a = spawnCli(['start'], testEnv(tmp(), { LAGOON_NODE_NAME: 'alpha' }), signal);
  t.teardown(() => { a.child.kill('SIGKILL'); });
  const pa = await a.listening;
  const transport = new Transport({ identity: ephemeralIdentity() });
  t.teardown(() => transport.close());
  for (const address of [`tls://127.0.0.1:${pa.meshPort}`, `wss://127.0.0.1:${pa.meshPort}/`, `ws://127.0.0.1:${pa.meshPort}/`]) {
    const out = await transport.dial(address, { signal: AbortSignal.timeout(15_000), expectPeerId: pa.peer });
    t.false(out.self, address);
    if (!out.self) {
      t.is(out.link.peerId, pa.peer, address);
      out.link.close('done');
    }
  }
});
