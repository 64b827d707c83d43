/**
 * Rendezvous `/events` fan-out: N concurrent SSE subscribers (10,000; quick:
 * 1,000), one signed presence change published per round, publish→delivery
 * latency measured at every subscriber. Baseline in the same run: a minimal
 * raw `node:http` SSE fan-out server (the same bytes written to every open
 * response, no parsing, no verification, no limits) under the same load
 * generator. Second figure: with two instances sharing LAGOON_PEER_DB, the
 * delivery to subscribers of the *other* instance vs the publishing one.
 *
 * Subscribers are raw sockets spread over many 127.x.y.z source addresses
 * (16 per address, under the default per-address limit of 32), so the
 * server runs with its default limits except the total subscriber limit.
 * Lagoon runs from source (node --import tsx ts/cli.ts, rendezvous-only).
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { signPresence } from '../../../ts/discovery/presence.js';
import { freePort, spawnServer, waitForPort, sleep, type ManagedProcess } from '../lib/proc.js';
import { percentiles, ratio } from '../lib/stats.js';
import { REPO_ROOT } from '../irc/servers.js';
import type { BenchContext, BenchReport, BenchRow, BenchSuite } from '../types.js';

const PER_ADDRESS = 16;
const MARK = Buffer.from('bench|');
const CONNECT_BATCH = 200;

/** The baseline: what an SSE fan-out costs with nothing else in the way. */
const RAW_SERVER = `
const http = require('node:http');
const subs = new Set();
http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/events') {
    req.socket.setNoDelay(true); // as the rendezvous does: no Nagle delay on small events
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(': raw\\n\\n');
    subs.add(res);
    res.on('close', () => subs.delete(res));
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const buf = Buffer.from('data: ' + Buffer.concat(chunks).toString() + '\\n\\n');
      for (const s of subs) s.write(buf);
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(404).end();
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function sourceAddress(i: number): string {
  const a = Math.floor(i / PER_ADDRESS);
  return `127.${2 + Math.floor(a / 62_500)}.${Math.floor(a / 250) % 250}.${(a % 250) + 1}`;
}

interface Round { sentNs: bigint; received: number; lat: number[] }

/** N raw SSE subscribers; each reports the rounds' markers it reads. */
class Subscribers {
  readonly sockets: Socket[] = [];
  ok = 0;
  refused = 0;
  lost = 0;
  private rounds = new Map<number, Round>();
  private waiting: { seq: number; want: number; resolve: () => void } | null = null;

  async open(port: number, n: number, groupOf: (i: number) => number, log: (l: string) => void): Promise<void> {
    for (let start = 0; start < n; start += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, n - start) }, (_, k) => this.one(port, start + k, groupOf(start + k)));
      await Promise.all(batch);
      if ((start / CONNECT_BATCH) % 10 === 0) log(`  ${start + batch.length}/${n} subscribers`);
    }
  }

  private one(port: number, i: number, group: number): Promise<void> {
    return new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port, localAddress: sourceAddress(i) });
      let tail: Buffer | null = null;
      let last = -1;
      let headed = false;
      const timer = setTimeout(() => { this.refused++; s.destroy(); resolve(); }, 20_000);
      s.setNoDelay(true);
      s.on('connect', () => s.write(`GET /events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n`));
      // Bytes, not strings: at N = 10,000 the generator's own per-read cost is part of every latency.
      s.on('data', (chunk: Buffer) => {
        const now = process.hrtime.bigint();
        const buf = tail ? Buffer.concat([tail, chunk]) : chunk;
        if (!headed) {
          headed = true;
          clearTimeout(timer);
          if (buf.toString('latin1', 0, 12) === 'HTTP/1.1 200') this.ok++; else { this.refused++; s.destroy(); }
          resolve();
        }
        for (let i = buf.indexOf(MARK); i >= 0; i = buf.indexOf(MARK, i + MARK.length)) {
          let seq = 0;
          let j = i + MARK.length;
          for (; j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39; j++) seq = seq * 10 + buf[j]! - 0x30;
          if (j >= buf.length || buf[j] !== 0x7c || seq <= last) continue; // incomplete (kept in tail) or seen
          last = seq;
          this.record(seq, group, now);
        }
        tail = buf.length > 32 ? buf.subarray(buf.length - 32) : buf;
      });
      s.on('error', () => { clearTimeout(timer); if (!headed) { this.refused++; headed = true; resolve(); } });
      this.sockets.push(s);
    });
  }

  private record(seq: number, group: number, now: bigint): void {
    const r = this.rounds.get(seq * 10 + group);
    const all = this.rounds.get(seq * 10 + 9);
    if (r) r.lat.push(Number(now - r.sentNs) / 1e6);
    if (all) {
      all.received++;
      if (this.waiting && this.waiting.seq === seq && all.received >= this.waiting.want) { this.waiting.resolve(); this.waiting = null; }
    }
  }

  /** Register round `seq` (groups 0..k), then resolve when `want` subscribers got it or after `timeoutMs`. */
  async round(seq: number, groups: number[], want: number, publish: () => Promise<void>, timeoutMs: number): Promise<void> {
    const sentNs = process.hrtime.bigint();
    for (const g of groups) this.rounds.set(seq * 10 + g, { sentNs, received: 0, lat: [] });
    this.rounds.set(seq * 10 + 9, { sentNs, received: 0, lat: [] });
    const done = new Promise<void>((resolve) => { this.waiting = { seq, want, resolve }; });
    await publish();
    const timedOut = await Promise.race([done.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) { this.lost += want - this.rounds.get(seq * 10 + 9)!.received; this.waiting = null; }
  }

  latencies(group: number): number[] {
    const out: number[] = [];
    for (const [k, r] of this.rounds) if (k % 10 === group) out.push(...r.lat);
    return out;
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
  }
}

async function post(port: number, body: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/publish`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 204) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('LAGOON_')) env[k] = v;
  return { ...env, ...extra };
}

async function startLagoon(ctx: BenchContext, name: string, extra: Record<string, string> = {}): Promise<{ port: number; proc: ManagedProcess }> {
  const port = await freePort();
  const dir = join(ctx.tmpDir, name);
  mkdirSync(dir, { recursive: true });
  const proc = spawnServer({
    name, command: process.execPath, args: ['--import', 'tsx', join(REPO_ROOT, 'ts/cli.ts'), 'start'], cwd: REPO_ROOT, logFile: join(dir, 'log'),
    env: childEnv({
      LAGOON_RENDEZVOUS_ONLY: 'true', LAGOON_HTTP_PORT: String(port), LAGOON_DATA_DIR: join(dir, 'data'), LAGOON_LOG_LEVEL: 'warn',
      LAGOON_RENDEZVOUS_MAX_SUBSCRIBERS: '30000', LAGOON_PROFILE: 'test', ...extra,
    }),
  });
  await waitForPort(port, 60_000, proc);
  return { port, proc };
}

async function startRaw(ctx: BenchContext): Promise<{ port: number; proc: ManagedProcess }> {
  const port = await freePort();
  const proc = spawnServer({ name: 'raw-sse', command: process.execPath, args: ['-e', RAW_SERVER], logFile: join(ctx.tmpDir, 'raw.log'), env: childEnv({ PORT: String(port) }) });
  await waitForPort(port, 20_000, proc);
  return { port, proc };
}

function publisher(identity: Identity, port: number): (seq: number) => Promise<void> {
  let ts = Date.now();
  return (seq) => {
    ts = Math.max(Date.now(), ts + 1);
    return post(port, JSON.stringify(signPresence(identity, { type: 'update', content: `bench|${seq}|`, email: '', avatarHash: '', addrs: [], ts })));
  };
}

/** One server, N subscribers, `rounds` publishes; latencies in ms. */
async function fanOut(ctx: BenchContext, port: number, n: number, rounds: number): Promise<{ lat: number[]; subs: Subscribers }> {
  const subs = new Subscribers();
  await subs.open(port, n, () => 0, ctx.log);
  if (subs.ok < n) ctx.log(`  only ${subs.ok}/${n} subscribers admitted (${subs.refused} refused)`);
  const publish = publisher(ephemeralIdentity(), port);
  await publish(0); // warm-up (connection set-up, first fetch): not measured
  await sleep(500);
  for (let seq = 1; seq <= rounds; seq++) {
    await subs.round(seq, [0], subs.ok, () => publish(seq), 15_000);
    await sleep(100);
  }
  subs.close();
  return { lat: subs.latencies(0), subs };
}

function rowsFor(label: string, lat: number[], base: number[], baseName: string, goalP99?: { ms: number }): BenchRow[] {
  const [p50, p99] = percentiles(lat, [50, 99]) as [number, number];
  const [b50, b99] = percentiles(base, [50, 99]) as [number, number];
  return [
    { figure: `${label} p50`, value: p50, unit: 'ms', baseline: { name: baseName, value: b50 }, ratio: ratio(p50, b50) },
    {
      figure: `${label} p99`, value: p99, unit: 'ms', baseline: { name: baseName, value: b99 }, ratio: ratio(p99, b99),
      ...(goalP99 ? { goal: `p99 <= ${goalP99.ms} ms`, pass: p99 <= goalP99.ms } : {}),
      note: `${lat.length} deliveries`,
    },
  ];
}

const suite: BenchSuite = async (ctx): Promise<BenchReport> => {
  const n = ctx.quick ? 1000 : 10_000;
  const rounds = ctx.quick ? 5 : 20;
  const notes: string[] = [];

  // Phases alternate (raw, Lagoon, raw, Lagoon) so a noisy neighbour on the machine hurts both alike;
  // 10,000 sockets per phase is all the open-file limit allows, so the two cannot run at once.
  const phases = ctx.quick ? 1 : 2;
  const base = { lat: [] as number[], ok: 0, lost: 0 };
  const lag = { lat: [] as number[], ok: 0, lost: 0, refused: 0 };
  for (let ph = 0; ph < phases; ph++) {
    ctx.log(`raw node:http SSE fan-out, ${n} subscribers (phase ${ph + 1}/${phases})`);
    const raw = await startRaw(ctx);
    const r = await fanOut(ctx, raw.port, n, Math.ceil(rounds / phases));
    await raw.proc.stop();
    base.lat.push(...r.lat); base.ok += r.subs.ok; base.lost += r.subs.lost;
    ctx.log(`Lagoon rendezvous, ${n} subscribers (phase ${ph + 1}/${phases})`);
    const lagoon = await startLagoon(ctx, `lagoon-${ph}`);
    const l = await fanOut(ctx, lagoon.port, n, Math.ceil(rounds / phases));
    await lagoon.proc.stop();
    lag.lat.push(...l.lat); lag.ok += l.subs.ok; lag.lost += l.subs.lost; lag.refused += l.subs.refused;
  }
  notes.push(`subscribers admitted: Lagoon ${lag.ok}/${n * phases} (refused ${lag.refused}), raw ${base.ok}/${n * phases}; deliveries lost: Lagoon ${lag.lost}, raw ${base.lost}`);

  // Two instances on one SQLite file: subscribers split between them, publishes go to A.
  const m = ctx.quick ? 100 : 500;
  ctx.log(`two instances sharing LAGOON_PEER_DB, ${m} subscribers each`);
  const db = join(ctx.tmpDir, 'peers.db');
  const a = await startLagoon(ctx, 'shared-a', { LAGOON_PEER_DB: db });
  const b = await startLagoon(ctx, 'shared-b', { LAGOON_PEER_DB: db });
  const subsA = new Subscribers();
  await subsA.open(a.port, m, () => 0, ctx.log);
  const subsB = new Subscribers();
  // Disjoint source addresses from subsA's.
  await subsB.open(b.port, m, () => 1, ctx.log);
  const publish = publisher(ephemeralIdentity(), a.port);
  await publish(0);
  await sleep(500);
  for (let seq = 1; seq <= rounds * 2; seq++) {
    await Promise.all([
      subsA.round(seq, [0], subsA.ok, async () => undefined, 15_000),
      subsB.round(seq, [1], subsB.ok, () => publish(seq), 15_000),
    ]);
    await sleep(50);
  }
  subsA.close();
  subsB.close();
  await a.proc.stop();
  await b.proc.stop();
  notes.push(`shared file: ${subsA.ok}+${subsB.ok} subscribers, lost ${subsA.lost}+${subsB.lost}; other instance polls every 25 ms (LAGOON_RENDEZVOUS_SYNC_POLL_MS)`);
  notes.push('latency = publish sent (before the HTTP POST) to the subscriber socket read, both in the load generator; it includes the generator reading N sockets on one thread');

  return {
    suite: 'sse',
    rows: [
      ...rowsFor(`publish→delivery N=${n} (Lagoon / raw node:http SSE)`, lag.lat, base.lat, 'raw node:http SSE', { ms: 50 }),
      ...rowsFor(`cross-instance delivery (other instance / publishing instance)`, subsB.latencies(1), subsA.latencies(0), 'same instance', { ms: 250 }),
    ],
    notes,
  };
};

export default suite;
