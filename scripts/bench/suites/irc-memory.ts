/**
 * Resident memory with many idle registered clients: VmRSS of the server
 * process (/proc/<pid>/status) after 10,000 clients have registered (no
 * channels), for Lagoon, InspIRCd and ngIRCd, one server at a time.
 */
import type { BenchContext, BenchReport, BenchRow } from '../types.js';
import { startServer, DISPLAY_NAME, CONNECT_CONCURRENCY, type ServerKind } from '../irc/servers.js';
import { fanoutLimits } from '../irc/configs.js';
import { openMany, type RawClient } from '../irc/raw-client.js';
import { availableServers } from '../irc/setup.js';
import { compareRow } from '../lib/rows.js';
import { readRssKiB, sleep, targetNofile } from '../lib/proc.js';

const SETTLE_MS = 2000;

interface Mem {
  idleKiB: number;
  loadedKiB: number;
  clients: number;
  seconds: number;
  failed: string | null;
}

async function measure(kind: ServerKind, clients: number, ctx: BenchContext): Promise<Mem> {
  const { port: _unused, ...limits } = fanoutLimits(1, clients + 1000);
  const server = await startServer({ kind, limits, tmpDir: ctx.tmpDir, log: ctx.log, startTimeoutMs: 30_000 });
  const mem: Mem = { idleKiB: NaN, loadedKiB: NaN, clients, seconds: NaN, failed: null };
  let open: RawClient[] = [];
  try {
    await sleep(SETTLE_MS);
    mem.idleKiB = readRssKiB(server.proc.pid);
    const t = Date.now();
    open = await openMany(server.port, 'i', 0, clients, { concurrency: CONNECT_CONCURRENCY[kind], timeoutMs: 60_000 });
    mem.seconds = (Date.now() - t) / 1000;
    await sleep(SETTLE_MS);
    const alive = open.filter((c) => !c.closed).length;
    if (alive < clients) throw new Error(`${clients - alive} of ${clients} clients were disconnected while idle`);
    mem.loadedKiB = readRssKiB(server.proc.pid);
    ctx.log(`${server.name}: ${clients} clients in ${mem.seconds.toFixed(1)} s; RSS ${(mem.idleKiB / 1024).toFixed(1)} → ${(mem.loadedKiB / 1024).toFixed(1)} MiB`);
  } catch (err) {
    mem.failed = (err as Error).message;
    ctx.log(`${server.name} failed: ${mem.failed}`);
  } finally {
    for (const c of open) c?.close();
    await server.proc.stop();
  }
  return mem;
}

export default async function ircMemory(ctx: BenchContext): Promise<BenchReport> {
  // Each client costs one descriptor here and one in the server; keep headroom under our limit.
  const clients = Math.min(ctx.quick ? 1000 : 10_000, targetNofile() - 500);
  const avail = availableServers(['lagoon', 'inspircd', 'ngircd'], ctx.log);
  const results = new Map<ServerKind, Mem>();
  for (const kind of avail.kinds) results.set(kind, await measure(kind, clients, ctx));
  const rows: BenchRow[] = [];
  const cand: ServerKind = results.has('lagoon') ? 'lagoon' : 'ngircd';
  const c = results.get(cand);
  for (const b of ['inspircd', 'ngircd'] as const) {
    const bm = results.get(b);
    if (!c || !bm || b === cand) continue;
    const note = [c, bm].map((m, i) => (m.failed ? `${DISPLAY_NAME[i === 0 ? cand : b]} failed: ${m.failed}` : '')).filter(Boolean).join('; ') || undefined;
    rows.push(compareRow(`RSS with ${clients} idle clients (${DISPLAY_NAME[cand]} vs ${DISPLAY_NAME[b]})`, 'MiB', c.loadedKiB / 1024, { name: DISPLAY_NAME[b], value: bm.loadedKiB / 1024 }, undefined, note));
    rows.push(compareRow(`RSS per idle client (${DISPLAY_NAME[cand]} vs ${DISPLAY_NAME[b]})`, 'KiB', (c.loadedKiB - c.idleKiB) / clients, { name: DISPLAY_NAME[b], value: (bm.loadedKiB - bm.idleKiB) / clients }));
  }
  const notes = [...avail.notes];
  for (const [k, m] of results) {
    notes.push(`${DISPLAY_NAME[k]}: RSS ${(m.idleKiB / 1024).toFixed(1)} MiB at start, ${(m.loadedKiB / 1024).toFixed(1)} MiB with ${clients} clients (connected in ${m.seconds.toFixed(1)} s)${m.failed ? `; FAILED: ${m.failed}` : ''}`);
  }
  notes.push(`VmRSS of the server process ${SETTLE_MS} ms after the last client registered; clients registered (NICK/USER), in no channel; lower is better`);
  return { suite: 'irc-memory', rows, notes };
}
