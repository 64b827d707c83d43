/**
 * IRC fan-out: one sender, N receivers in one channel, N = 100 / 1,000 / 5,000.
 * (a) deliveries/s at saturation (bounded in-flight window), (b) p50/p99
 * delivery latency at a fixed paced rate, for Lagoon, InspIRCd and ngIRCd with
 * the same generator. All servers run at once and runs are interleaved
 * (A B C A B C …) so a noisy neighbour hurts all of them alike; each figure is
 * the median of `runs` repetitions.
 */
import type { BenchContext, BenchReport, BenchRow } from '../types.js';
import { startServer, DISPLAY_NAME, CONNECT_CONCURRENCY, type RunningServer, type ServerKind } from '../irc/servers.js';
import { fanoutLimits } from '../irc/configs.js';
import { FanoutRig } from '../irc/fanout.js';
import { availableServers, benchRuns } from '../irc/setup.js';
import { median } from '../lib/stats.js';
import { compareRow, atLeast, atMost, type Goal } from '../lib/rows.js';
import { formatNumber } from '../lib/format.js';

/** Messages in flight at saturation: ~64 B × 128 ≈ 8 KiB per receiver, well under the 32 KiB sendq. */
const WINDOW_MSGS = 128;
/** Paced load in deliveries/s (same for every server): far below any server's saturation. */
const PACED_DELIVERIES_PER_S = 10_000;
const MAX_PACED_MSGS_PER_S = 200;

interface Plan {
  sizes: number[];
  runs: number;
  warmupMs: number;
  satMs: number;
  pacedMs: number;
  timeoutMs: number;
  /** Bound on filling the channel to N receivers (the JOIN storm is O(N²) lines). */
  growDeadlineMs: number;
}

function plan(quick: boolean): Plan {
  return quick
    ? { sizes: [20, 200], runs: benchRuns(true), warmupMs: 300, satMs: 1000, pacedMs: 1500, timeoutMs: 20_000, growDeadlineMs: 60_000 }
    : { sizes: [100, 1000, 5000], runs: benchRuns(false), warmupMs: 500, satMs: 3000, pacedMs: 3000, timeoutMs: 60_000, growDeadlineMs: 240_000 };
}

export function pacedRate(n: number): number {
  return Math.max(1, Math.min(MAX_PACED_MSGS_PER_S, Math.round(PACED_DELIVERIES_PER_S / n)));
}

interface Figures {
  dps: number[];
  p50: number[];
  p99: number[];
  cpu: number[];
  lost: number;
  skipped: number;
}

interface Entry {
  kind: ServerKind;
  server: RunningServer | null;
  rig: FanoutRig | null;
  failed: string | null;
  results: Map<number, Figures>;
}

/** Reject after `ms` unless `work` settles first; the caller closes the rig, which ends the work. */
function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function fail(e: Entry, err: unknown, log: (l: string) => void): void {
  e.failed ??= (err as Error).message;
  log(`${DISPLAY_NAME[e.kind]} failed: ${e.failed}`);
  e.rig?.close();
  e.rig = null;
}

async function forEachLive(entries: Entry[], log: (l: string) => void, fn: (e: Entry, rig: FanoutRig) => Promise<void>): Promise<void> {
  for (const e of entries) {
    if (e.rig === null || e.failed !== null) continue;
    try {
      await fn(e, e.rig);
    } catch (err) {
      fail(e, err, log);
    }
  }
}

async function measure(entries: Entry[], p: Plan, log: (l: string) => void): Promise<void> {
  for (const n of p.sizes) {
    await forEachLive(entries, log, async (e, rig) => {
      const t = Date.now();
      await withDeadline(rig.growTo(n), p.growDeadlineMs,
        `filling the channel to ${n} receivers took over ${p.growDeadlineMs / 1000} s (JOIN storm); N=${n} and larger not measured`);
      log(`${rig.name}: ${n} receivers joined in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      e.results.set(n, { dps: [], p50: [], p99: [], cpu: [], lost: 0, skipped: 0 });
    });
    for (let r = 0; r < p.runs; r++) {
      await forEachLive(entries, log, async (e, rig) => {
        const s = await rig.saturate(WINDOW_MSGS, p.warmupMs, p.satMs);
        const f = e.results.get(n) as Figures;
        f.dps.push(s.deliveriesPerS);
        f.cpu.push(s.generatorCpu);
        f.lost += s.lost;
        if (!s.drained) throw new Error(`N=${n}: deliveries stalled after the saturation run`);
        log(`${rig.name} N=${n} run ${r + 1}: ${formatNumber(s.deliveriesPerS)} deliveries/s (generator CPU ${(s.generatorCpu * 100).toFixed(0)}%)`);
      });
    }
    const rate = pacedRate(n);
    for (let r = 0; r < p.runs; r++) {
      await forEachLive(entries, log, async (e, rig) => {
        const l = await rig.paced(rate, p.warmupMs, p.pacedMs);
        const f = e.results.get(n) as Figures;
        f.p50.push(l.p50Ms);
        f.p99.push(l.p99Ms);
        f.lost += l.lost;
        f.skipped += l.skipped;
        if (!l.drained) throw new Error(`N=${n}: deliveries stalled after the paced run`);
        log(`${rig.name} N=${n} run ${r + 1}: ${rate} msg/s, p50 ${l.p50Ms.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms (${l.samples} samples)`);
      });
    }
  }
}

function med(e: Entry | undefined, n: number, k: 'dps' | 'p50' | 'p99'): number {
  return median(e?.results.get(n)?.[k] ?? []);
}

function buildRows(entries: Entry[], p: Plan): BenchRow[] {
  const by = new Map(entries.map((e) => [e.kind, e]));
  const lagoon = by.get('lagoon');
  const rows: BenchRow[] = [];
  // Without Lagoon, compare the baselines with each other so the harness still says something.
  const [cand, bases]: [ServerKind, ServerKind[]] = lagoon ? ['lagoon', ['inspircd', 'ngircd']] : ['ngircd', ['inspircd']];
  const c = by.get(cand);
  if (!c) return rows;
  const goals: Record<string, { dps?: Goal; p99?: Goal }> = lagoon ? { inspircd: { dps: atLeast(0.8), p99: atMost(1.0) }, ngircd: { dps: atLeast(1.0) } } : {};
  for (const n of p.sizes) {
    for (const b of bases) {
      const be = by.get(b);
      if (!be) continue;
      const vs = `${DISPLAY_NAME[cand]} vs ${DISPLAY_NAME[b]}`;
      const note = [c, be].filter((x) => x.failed).map((x) => `${DISPLAY_NAME[x.kind]} failed: ${x.failed}`).join('; ') || undefined;
      rows.push(compareRow(`deliveries/s N=${n} (${vs})`, 'msg/s', med(c, n, 'dps'), { name: DISPLAY_NAME[b], value: med(be, n, 'dps') }, goals[b]?.dps, note));
      rows.push(compareRow(`p99 latency N=${n} @${pacedRate(n)} msg/s (${vs})`, 'ms', med(c, n, 'p99'), { name: DISPLAY_NAME[b], value: med(be, n, 'p99') }, goals[b]?.p99));
      rows.push(compareRow(`p50 latency N=${n} @${pacedRate(n)} msg/s (${vs})`, 'ms', med(c, n, 'p50'), { name: DISPLAY_NAME[b], value: med(be, n, 'p50') }));
    }
  }
  return rows;
}

function summaryNotes(entries: Entry[], p: Plan): string[] {
  const notes: string[] = [];
  for (const e of entries) {
    const parts = p.sizes.map((n) => {
      const f = e.results.get(n);
      if (!f) return `N=${n}: -`;
      return `N=${n}: ${formatNumber(median(f.dps))} deliv/s (gen CPU ${(median(f.cpu) * 100).toFixed(0)}%), p50 ${median(f.p50).toFixed(2)} ms, p99 ${median(f.p99).toFixed(2)} ms${f.lost ? `, ${f.lost} lost` : ''}${f.skipped ? `, ${f.skipped} sends skipped` : ''}`;
    });
    const dropped = e.rig?.dropped.length ? `; ${e.rig.dropped.length} clients dropped (${e.rig.dropped.slice(0, 3).join('; ')})` : '';
    notes.push(`${DISPLAY_NAME[e.kind]}${e.failed ? ` FAILED (${e.failed})` : ''}: ${parts.join(' | ')}${dropped}`);
  }
  notes.push(
    `saturation: window ${WINDOW_MSGS} msgs in flight, ${p.warmupMs} ms warm-up + ${p.satMs} ms measured; paced: ${PACED_DELIVERIES_PER_S} deliveries/s ` +
      `(max ${MAX_PACED_MSGS_PER_S} msg/s), ${p.pacedMs} ms; median of ${p.runs} run(s), servers interleaved; sendq 32 KiB for all, flood limits off for the sender`,
  );
  notes.push('generator CPU near 100% means the load generator, not the server, may be the bottleneck at that size');
  return notes;
}

export default async function ircFanout(ctx: BenchContext): Promise<BenchReport> {
  const p = plan(ctx.quick);
  const avail = availableServers(['lagoon', 'inspircd', 'ngircd'], ctx.log);
  const maxN = Math.max(...p.sizes);
  const entries: Entry[] = avail.kinds.map((kind) => ({ kind, server: null, rig: null, failed: null, results: new Map() }));
  try {
    for (const e of entries) {
      try {
        const { port: _unused, ...limits } = fanoutLimits(1, maxN + 1000);
        e.server = await startServer({ kind: e.kind, limits, tmpDir: ctx.tmpDir, log: ctx.log, startTimeoutMs: 30_000 });
        e.rig = await FanoutRig.create(e.server.name, e.server.port, p.timeoutMs, CONNECT_CONCURRENCY[e.kind]);
      } catch (err) {
        fail(e, err, ctx.log);
      }
    }
    await measure(entries, p, ctx.log);
  } finally {
    for (const e of entries) {
      e.rig?.close();
      await e.server?.proc.stop();
    }
  }
  return { suite: 'irc-fanout', rows: buildRows(entries, p), notes: [...avail.notes, ...summaryNotes(entries, p)] };
}
