/**
 * Federation: what the visit hop costs.
 *
 * Two Lagoon servers, B linked to A over the mesh (LAGOON_PEERS). A sender on
 * B visits `#bench:a.bench`; the receiver is a local user of A in `#bench`.
 * Same-server baseline in the same run: sender and receiver both on A.
 * (a) p50/p99 latency of paced messages, cross-server vs same-server (goal:
 * the hop adds ≤ 1 ms at p50 on loopback), and the same two figures on two
 * InspIRCd servers linked with m_spanningtree (goal: Lagoon's cross-server
 * p99 ≤ InspIRCd's); (b) relayed deliveries/s: one sender on A, N receivers
 * visiting from B, against N receivers on A (goal ≥ 0.8×). Runs alternate
 * between the set-ups; each figure is the median of `runs` repetitions.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { BenchContext, BenchReport, BenchRow } from '../types.js';
import { freePort, spawnServer, waitForPort, type ManagedProcess } from '../lib/proc.js';
import { fanoutLimits, inspircdLinkedConfig, lagoonEnv } from '../irc/configs.js';
import { lagoonCommand, REPO_ROOT } from '../irc/servers.js';
import { INSPIRCD } from '../lib/install.js';
import { availableServers, benchRuns } from '../irc/setup.js';
import { median, percentiles } from '../lib/stats.js';
import { atLeast, atMost, compareRow } from '../lib/rows.js';
import { nowNs } from '../irc/clock.js';

const WAIT_MS = 30_000;
/** Bytes of undelivered lines per receiver in the throughput runs. */
const WINDOW_BYTES = 256 * 1024;

/** A registered IRC connection that hands every line to `onLine` with its arrival time. */
class Conn {
  private buf = '';
  onLine: (line: string, atNs: number) => void = () => undefined;
  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      const at = nowNs();
      const parts = (this.buf + d).split('\r\n');
      this.buf = parts.pop()!;
      for (const l of parts) {
        if (l.startsWith('PING ')) sock.write(`PONG ${l.slice(5)}\r\n`);
        else this.onLine(l, at);
      }
    });
  }

  static async open(port: number, nick: string): Promise<Conn> {
    const sock = connect({ host: '127.0.0.1', port });
    const c = new Conn(sock);
    await c.until(() => { sock.write(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`); }, (l) => / 001 /.test(l), `${nick} registered`);
    return c;
  }

  write(s: string): void { this.sock.write(s); }
  close(): void { this.sock.destroy(); }

  /** Do `act`, then wait (bounded) for a line matching `pred`. */
  until(act: () => void, pred: (l: string) => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const prev = this.onLine;
      const timer = setTimeout(() => { this.onLine = prev; reject(new Error(`timed out: ${what}`)); }, WAIT_MS);
      this.onLine = (l, at) => { if (pred(l)) { clearTimeout(timer); this.onLine = prev; resolve(); } else prev(l, at); };
      act();
    });
  }
}

/** Where a sender and its receivers talk: a port and the room name as seen from it. */
interface End { port: number; room: string }
interface Setup { name: string; host: End; visitor: End; procs: ManagedProcess[] }

let nickSeq = 0;
const nick = (p: string): string => `${p}${++nickSeq}`;

async function joined(c: Conn, room: string): Promise<void> {
  const esc = room.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await c.until(() => c.write(`JOIN ${room}\r\n`), (l) => new RegExp(` 366 \\S+ ${esc} `, 'i').test(l), `JOIN ${room}`);
}

/** Paced messages from `from` to one receiver at `to`; latency samples in ms. */
async function latency(from: End, to: End, rate: number, ms: number): Promise<{ p50: number; p99: number; lost: number }> {
  const r = await Conn.open(to.port, nick('r'));
  await joined(r, to.room);
  const s = await Conn.open(from.port, nick('s'));
  const seen = r.until(() => undefined, (l) => / JOIN /.test(l), 'receiver sees the sender join');
  await joined(s, from.room);
  await seen;
  const samples: number[] = [];
  r.onLine = (l, at) => {
    const m = / PRIVMSG \S+ :L (\d+)$/.exec(l);
    if (m) samples.push((at - Number(m[1])) / 1e6);
  };
  const total = Math.max(10, Math.round((rate * ms) / 1000));
  for (let i = 0; i < total; i++) {
    s.write(`PRIVMSG ${from.room} :L ${nowNs()}\r\n`);
    await new Promise((res) => setTimeout(res, 1000 / rate));
  }
  await new Promise((res) => setTimeout(res, 200)); // the last ones in flight
  r.close(); s.close();
  const warm = samples.slice(Math.floor(samples.length / 10)).sort((a, b) => a - b);
  const [p50, p99] = percentiles(warm, [50, 99]);
  return { p50: p50!, p99: p99!, lost: total - samples.length };
}

/** One sender at `from`, `n` receivers at `to`: batches of `k` lines, a bounded number of them undelivered. */
async function throughput(from: End, to: End, n: number, k: number, ms: number): Promise<number> {
  const rs: Conn[] = [];
  let got = 0;
  // The sender first: visitors visit rooms that exist, they never create one.
  const s = await Conn.open(from.port, nick('s'));
  await joined(s, from.room);
  for (let i = 0; i < n; i++) {
    const r = await Conn.open(to.port, nick('t'));
    await joined(r, to.room);
    rs.push(r);
  }
  for (const r of rs) r.onLine = (l) => { if (l.includes(' PRIVMSG ')) got++; };
  const line = `PRIVMSG ${from.room} :${'x'.repeat(40)}\r\n`;
  const t0 = performance.now();
  let sent = 0;
  let deadline = performance.now() + WAIT_MS;
  // Batches in flight up to ~256 KiB per receiver (the Lagoon servers here have a 1 MiB
  // sendq), so a longer pipeline's latency is not counted as lost throughput.
  const inFlight = Math.max(1, Math.floor(WINDOW_BYTES / (line.length + 40) / k));
  while (performance.now() - t0 < ms || got < sent * n) {
    if (performance.now() - t0 < ms && sent * n - got < inFlight * k * n) {
      s.write(line.repeat(k));
      sent += k;
      deadline = performance.now() + WAIT_MS;
      continue;
    }
    if (performance.now() > deadline) throw new Error(`deliveries stalled at ${got}/${sent * n}`);
    await new Promise((res) => setImmediate(res));
  }
  const secs = (performance.now() - t0) / 1000;
  for (const r of rs) r.close();
  s.close();
  return (sent * n) / secs;
}

async function startLagoon(ctx: BenchContext): Promise<Setup> {
  const cmd = lagoonCommand(ctx.log);
  if ('unavailable' in cmd) throw new Error(cmd.unavailable);
  const procs: ManagedProcess[] = [];
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const [ircA, ircB, httpA, httpB, meshA, meshB] = ports as [number, number, number, number, number, number];
  const fed = { LAGOON_FEDERATION_VISIT_BURST: '10000', LAGOON_FEDERATION_VISITS_PER_SECOND: '10000', LAGOON_PROFILE: 'test' };
  for (const [name, irc, http, mesh, extra] of [['a.bench', ircA, httpA, meshA, {}], ['b.bench', ircB, httpB, meshB, { LAGOON_PEERS: `127.0.0.1:${meshA}` }]] as const) {
    const dir = join(ctx.tmpDir, name);
    mkdirSync(dir, { recursive: true });
    // Lagoon's default 1 MiB sendq (the fan-out bench's 32 KiB is ngIRCd's, not needed here).
    const env = { ...lagoonEnv({ ...fanoutLimits(irc, 1000), sendqBytes: 1 << 20 }, join(dir, 'data'), { http, mesh }), LAGOON_SERVER_NAME: name, ...fed, ...extra };
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LAGOON_'))) as Record<string, string>;
    const p = spawnServer({ name: `Lagoon ${name}`, command: cmd.command, args: cmd.args, cwd: REPO_ROOT, logFile: join(dir, 'server.log'), env: { ...clean, ...env } });
    procs.push(p);
    await waitForPort(irc, WAIT_MS, p);
  }
  // Linked when B's HELLO to A is done: poll B's mesh status (bounded).
  for (let i = 0; ; i++) {
    // The HTTP listener opens after IRC: a refused connection just means "not yet".
    const s = await fetch(`http://127.0.0.1:${httpB}/api/mesh`).then((r) => r.json() as Promise<{ links: unknown[] }>, () => ({ links: [] }));
    if (s.links.length > 0) break;
    if (i > 300) throw new Error('Lagoon b.bench never linked to a.bench');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name: 'Lagoon', host: { port: ircA, room: '#bench' }, visitor: { port: ircB, room: '#bench:a.bench' }, procs };
}

async function startInspircd(ctx: BenchContext): Promise<Setup> {
  const [p1, p2, l1, l2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]) as [number, number, number, number];
  const procs: ManagedProcess[] = [];
  const sides = [
    { name: 'one.bench.local', sid: '1AA', port: p1, link: l1, peer: { name: 'two.bench.local', linkPort: l2 }, auto: false },
    { name: 'two.bench.local', sid: '2BB', port: p2, link: l2, peer: { name: 'one.bench.local', linkPort: l1 }, auto: true },
  ];
  for (const s of sides) {
    const dir = join(ctx.tmpDir, s.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'motd.txt'), 'Lagoon bench baseline\n');
    writeFileSync(join(dir, 'inspircd.conf'), inspircdLinkedConfig(fanoutLimits(s.port, 1000), dir, { name: s.name, sid: s.sid, linkPort: s.link }, s.peer, s.auto));
    const p = spawnServer({ name: `InspIRCd ${s.name}`, command: INSPIRCD.path, args: ['--nofork', '--runasroot', `--config=${join(dir, 'inspircd.conf')}`], logFile: join(dir, 'server.log') });
    procs.push(p);
    await waitForPort(s.port, WAIT_MS, p);
  }
  return { name: 'InspIRCd', host: { port: p1, room: '#bench' }, visitor: { port: p2, room: '#bench' }, procs };
}

export default async function federation(ctx: BenchContext): Promise<BenchReport> {
  const runs = benchRuns(ctx.quick);
  const p = ctx.quick ? { rate: 100, latMs: 1000, n: 10, k: 50, tpMs: 1000 } : { rate: 200, latMs: 3000, n: 50, k: 50, tpMs: 3000 };
  const notes: string[] = [`${runs} run(s) per figure, median; paced ${p.rate} msg/s for ${p.latMs} ms; throughput N=${p.n}, batches of ${p.k}`];
  const setups: Setup[] = [await startLagoon(ctx)];
  const avail = availableServers(['inspircd'], ctx.log);
  if (avail.kinds.includes('inspircd')) {
    try { setups.push(await startInspircd(ctx)); } catch (err) { notes.push(`InspIRCd not measured: ${(err as Error).message}`); }
  } else notes.push('InspIRCd not installed: no spanningtree baseline');
  const lat = new Map<string, { p50: number[]; p99: number[]; lost: number }>();
  const add = (key: string, r: { p50: number; p99: number; lost: number }): void => {
    const e = lat.get(key) ?? { p50: [], p99: [], lost: 0 };
    e.p50.push(r.p50); e.p99.push(r.p99); e.lost += r.lost;
    lat.set(key, e);
  };
  for (let run = 0; run < runs; run++) {
    for (const s of setups) {
      add(`${s.name} same`, await latency(s.host, s.host, p.rate, p.latMs));
      add(`${s.name} cross`, await latency(s.visitor, s.host, p.rate, p.latMs));
      ctx.log(`${s.name} run ${run + 1}: same p50 ${median(lat.get(`${s.name} same`)!.p50).toFixed(3)} ms, cross p50 ${median(lat.get(`${s.name} cross`)!.p50).toFixed(3)} ms`);
    }
  }
  const lg = setups[0]!;
  const tpSame: number[] = [];
  const tpRelay: number[] = [];
  for (let run = 0; run < runs; run++) {
    tpSame.push(await throughput(lg.host, lg.host, p.n, p.k, p.tpMs));
    tpRelay.push(await throughput(lg.host, lg.visitor, p.n, p.k, p.tpMs));
    ctx.log(`Lagoon run ${run + 1}: same-server ${tpSame.at(-1)!.toFixed(0)} deliveries/s, relayed ${tpRelay.at(-1)!.toFixed(0)}`);
  }
  for (const s of setups) for (const pr of s.procs) await pr.stop();

  const m = (k: string, f: 'p50' | 'p99'): number => median(lat.get(k)?.[f] ?? []);
  const rows: BenchRow[] = [];
  const added = m('Lagoon cross', 'p50') - m('Lagoon same', 'p50');
  rows.push({
    ...compareRow('p50 latency, cross-server (visit hop) vs same-server (Lagoon)', 'ms', m('Lagoon cross', 'p50'), { name: 'Lagoon same-server', value: m('Lagoon same', 'p50') }),
    goal: 'adds <= 1 ms', pass: added <= 1, note: `the hop adds ${added.toFixed(3)} ms`,
  });
  rows.push(compareRow('p99 latency, cross-server vs same-server (Lagoon)', 'ms', m('Lagoon cross', 'p99'), { name: 'Lagoon same-server', value: m('Lagoon same', 'p99') }));
  if (lat.has('InspIRCd cross')) {
    rows.push(compareRow('p50 latency, cross-server vs same-server (InspIRCd spanningtree)', 'ms', m('InspIRCd cross', 'p50'), { name: 'InspIRCd same-server', value: m('InspIRCd same', 'p50') }));
    rows.push(compareRow('p99 latency, cross-server (Lagoon vs InspIRCd spanningtree)', 'ms', m('Lagoon cross', 'p99'), { name: 'InspIRCd cross-server', value: m('InspIRCd cross', 'p99') }, atMost(1.0)));
    rows.push(compareRow('p50 latency, cross-server (Lagoon vs InspIRCd spanningtree)', 'ms', m('Lagoon cross', 'p50'), { name: 'InspIRCd cross-server', value: m('InspIRCd cross', 'p50') }));
  }
  rows.push(compareRow(`relayed deliveries/s, N=${p.n} visitors (vs N on the same server)`, 'msg/s', median(tpRelay), { name: 'Lagoon same-server', value: median(tpSame) }, atLeast(0.8)));
  const lost = [...lat.entries()].filter(([, v]) => v.lost > 0).map(([k, v]) => `${k}: ${v.lost} lost`);
  if (lost.length > 0) notes.push(`messages lost: ${lost.join(', ')}`);
  return { suite: 'federation', rows, notes };
}
