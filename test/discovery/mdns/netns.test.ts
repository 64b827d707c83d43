/**
 * Lab test: three real node processes, each in its own network namespace,
 * on one bridge (itself in a fourth namespace, so the host's namespace is not
 * touched), with mDNS on and no LAGOON_PEERS. They must find each other by
 * real multicast and form mesh links. Needs root and iproute2; skipped with
 * the reason otherwise. Everything is removed in teardown, even on failure.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnCli, testEnv, type Spawned } from '../../node/helpers.js';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : IP === undefined ? 'needs iproute2 (`ip`)' : null;

const tag = `lgm${process.pid % 100000}`;
const HUB = `${tag}-hub`;
const NODES = [1, 2, 3].map((i) => ({ ns: `${tag}-n${i}`, addr: `10.213.${process.pid % 200}.${i}`, veth: `${tag}v${i}` }));

function ip(...args: string[]): void {
  execFileSync(IP!, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

function cleanup(): void {
  for (const ns of [HUB, ...NODES.map((n) => n.ns)]) {
    try { ip('netns', 'del', ns); } catch { /* not there */ }
  }
}

function setUp(): void {
  cleanup();
  ip('netns', 'add', HUB);
  ip('-n', HUB, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
  ip('-n', HUB, 'link', 'set', 'br0', 'up');
  for (const n of NODES) {
    ip('netns', 'add', n.ns);
    ip('link', 'add', n.veth, 'netns', HUB, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.ns);
    ip('-n', HUB, 'link', 'set', n.veth, 'master', 'br0', 'up');
    ip('-n', n.ns, 'link', 'set', 'lo', 'up');
    ip('-n', n.ns, 'addr', 'add', `${n.addr}/24`, 'dev', 'eth0');
    ip('-n', n.ns, 'link', 'set', 'eth0', 'up');
    ip('-n', n.ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
  }
}

/** Collect distinct peers from a node's 'mesh peer up' log lines; resolves when it has `want`. */
function peersUp(s: Spawned, want: number, signal: AbortSignal): Promise<Set<string>> {
  const peers = new Set<string>();
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: s.child.stdout! });
    // Never rl.close(): it would pause stdout for every other reader of it.
    const onAbort = (): void => { reject(new Error(`only ${peers.size} of ${want} peers up before the deadline`)); };
    signal.addEventListener('abort', onAbort, { once: true });
    rl.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; peer?: string };
        if (rec.msg === 'mesh peer up' && rec.peer) peers.add(rec.peer);
      } catch { /* not JSON */ }
      if (peers.size >= want) { signal.removeEventListener('abort', onAbort); resolve(peers); }
    });
  });
}

/** GET a node's /api/mesh from inside its namespace (plain node + fetch, no tsx). */
function meshStatus(ns: string): { peerId: string; links: Array<{ peerId: string; direction: string }> } {
  const js = "fetch('http://127.0.0.1:8787/api/mesh').then((r) => r.text()).then((t) => process.stdout.write(t))";
  return JSON.parse(execFileSync(IP!, ['netns', 'exec', ns, process.execPath, '-e', js], { timeout: 20_000 }).toString()) as never;
}

if (skipReason !== null) {
  test.skip(`mDNS lab test skipped: ${skipReason}`, () => undefined);
} else {
  test.serial('three nodes in three namespaces on one bridge find each other by mDNS and link up, with no LAGOON_PEERS', async (t) => {
    t.teardown(cleanup);
    setUp();
    const signal = AbortSignal.timeout(100_000);
    let done = false;
    const logs: string[][] = [];
    const nodes = NODES.map((n, i) => {
      const env = testEnv(mkdtempSync(join(tmpdir(), 'lagoon-mdns-')), {
        LAGOON_MDNS: '1', LAGOON_BIND: '0.0.0.0', LAGOON_MESH_PORT: '9443', LAGOON_HTTP_PORT: '8787', LAGOON_NODE_NAME: `lan${i + 1}`,
      });
      const s = spawnCli(['start'], env, signal, [IP!, 'netns', 'exec', n.ns]);
      const lines: string[] = [];
      logs.push(lines);
      createInterface({ input: s.child.stdout! }).on('line', (l) => { lines.push(l); if (lines.length > 200) lines.shift(); });
      t.teardown(() => {
        s.child.kill('SIGKILL');
        if (!done) t.log(`node ${i + 1} (${n.ns}) stdout tail:\n${lines.slice(-15).join('\n')}\nstderr:\n${s.stderr().slice(-2000)}`);
      });
      return s;
    });
    const ups = nodes.map((s) => peersUp(s, 2, signal));
    const listening = await Promise.all(nodes.map((s) => s.listening));
    const ids = listening.map((l) => l.peer);
    const seen = await Promise.all(ups);
    // From the nodes' own log timestamps: last mDNS start → last link up.
    const times = (msg: string): number[] => logs.flat().flatMap((l) => { try { const r = JSON.parse(l) as { msg?: string; time?: number }; return r.msg === msg && r.time ? [r.time] : []; } catch { return []; } });
    t.log(`all links up ${Math.max(...times('mesh peer up')) - Math.max(...times('mDNS started'))} ms after the last node started mDNS`);
    for (let i = 0; i < 3; i++) {
      t.deepEqual([...seen[i]!].sort(), ids.filter((_, j) => j !== i).sort(), `node ${i + 1} linked to the other two`);
      const status = meshStatus(NODES[i]!.ns);
      t.is(status.peerId, ids[i]!);
      t.deepEqual(status.links.map((l) => l.peerId).sort(), ids.filter((_, j) => j !== i).sort(), `GET /api/mesh on node ${i + 1}`);
    }
    for (const s of nodes) s.child.kill('SIGTERM');
    for (const s of nodes) t.is((await s.exit).code, 0);
    t.true(nodes.every((s) => !/mDNS socket error/.test(s.stderr())));
    done = true;
  });
}
