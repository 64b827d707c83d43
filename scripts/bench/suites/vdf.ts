/**
 * VDF engine figures, each beside a baseline from the same run:
 *  - chain steps/s of the engine thread flat out vs a plain BLAKE3 loop in the same binary (goal ≥ 0.95×),
 *    measured in interleaved pairs (median of the pair ratios);
 *  - verifying one second of flat-out chain vs recomputing it (goal ≥ 1000× cheaper);
 *  - proof bytes per window and per second per neighbour link at defaults (goal ≤ 2 KiB/s);
 *  - CPU share of the engine at default settings (goal ≤ 5 % of a core);
 *  - JS event-loop delay (p99) while the chain runs flat out vs idle.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext, BenchReport, BenchRow } from '../types.js';
import { VdfEngine, VdfProver, verifyOpening } from '../../../ts/mesh/vdf/engine.js';
import { vdfBinding } from '../../../ts/mesh/vdf/binding.js';
import { DEFAULT_VDF_CONFIG } from '../../../ts/mesh/vdf/constants.js';
import { encodeFrame } from '../../../ts/mesh/vdf/messages.js';

function row(figure: string, value: number, unit: string, baseline: { name: string; value: number }, goal?: string, pass?: boolean, note?: string): BenchRow {
  const r: BenchRow = { figure, value, unit, baseline, ratio: baseline.value === 0 ? Number.NaN : value / baseline.value };
  if (goal !== undefined) r.goal = goal;
  if (pass !== undefined) r.pass = pass;
  if (note !== undefined) r.note = note;
  return r;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Steps/s of a plain BLAKE3 loop of `steps` steps on this thread (same binary, same hash). */
function plainSample(steps: number): number {
  const ns = vdfBinding().vdfBenchPlainLoop(steps);
  return steps / (ns / 1e9);
}

/** Steps/s of a fresh engine thread flat out over one `sliceMs` slice, closed before returning. */
async function engineSample(sliceMs: number): Promise<number> {
  const e = new VdfEngine(randomBytes(32), { duty: 1 });
  try {
    await sleep(20); // thread start-up and first bursts stay out of the slice
    const h0 = e.stats().height;
    const t0 = process.hrtime.bigint();
    await sleep(sliceMs);
    const h1 = e.stats().height;
    return (h1 - h0) / (Number(process.hrtime.bigint() - t0) / 1e9);
  } finally {
    e.close();
  }
}

interface RateComparison {
  engine: number;
  plain: number;
  /** Median of the per-pair ratios engine / plain. */
  ratio: number;
  ratios: number[];
}

/**
 * Engine vs plain loop, interleaved: `pairs` pairs of one engine slice and one
 * plain-loop slice of about the same length, adjacent in time and in
 * alternating order, so load from other processes hits both sides alike. Only
 * one of the two computes at a time (the engine is closed during the plain
 * slice, the JS thread sleeps during the engine slice).
 */
async function compareRates(pairs: number, sliceMs: number): Promise<RateComparison> {
  let plainRate = plainSample(200_000);
  const engines: number[] = [];
  const plains: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const plainOnce = (): number => plainSample(Math.max(100_000, Math.round((plainRate * sliceMs) / 1000)));
    let engine: number;
    let plain: number;
    if (i % 2 === 0) {
      engine = await engineSample(sliceMs);
      plain = plainOnce();
    } else {
      plain = plainOnce();
      engine = await engineSample(sliceMs);
    }
    plainRate = plain;
    engines.push(engine);
    plains.push(plain);
    ratios.push(engine / plain);
  }
  return { engine: median(engines), plain: median(plains), ratio: median(ratios), ratios };
}

async function loopDelayP99(durationMs: number, flatOut: boolean): Promise<number> {
  const e = flatOut ? new VdfEngine(randomBytes(32), { duty: 1 }) : null;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const end = Date.now() + durationMs;
  let windowAt = Date.now() + DEFAULT_VDF_CONFIG.windowMs;
  while (Date.now() < end) {
    await sleep(5);
    if (e && Date.now() >= windowAt) {
      windowAt += DEFAULT_VDF_CONFIG.windowMs;
      await e.closeWindow();
      e.open(e.stats().windows - 1, randomBytes(16), null);
    }
  }
  h.disable();
  e?.close();
  return h.percentile(99) / 1e6;
}

async function cpuShare(durationMs: number, withEngine: boolean): Promise<{ share: number; busy: number }> {
  const e = withEngine ? new VdfEngine(randomBytes(32)) : null;
  await sleep(100);
  const c0 = process.cpuUsage();
  const b0 = e?.stats().busyNs ?? 0;
  const t0 = process.hrtime.bigint();
  await sleep(durationMs);
  const c1 = process.cpuUsage(c0);
  const wallNs = Number(process.hrtime.bigint() - t0);
  const busy = ((e?.stats().busyNs ?? 0) - b0) / wallNs;
  e?.close();
  return { share: ((c1.user + c1.system) * 1000) / wallNs, busy };
}

export default async function vdf(ctx: BenchContext): Promise<BenchReport> {
  const rows: BenchRow[] = [];
  const cfg = DEFAULT_VDF_CONFIG;
  const measureMs = ctx.quick ? 500 : 3000;

  // 1. Steps per second: interleaved engine / plain-loop pairs, medians.
  const rates = await compareRates(ctx.quick ? 3 : 9, 250);
  const plain = rates.plain;
  const spread = `${Math.min(...rates.ratios).toFixed(3)}..${Math.max(...rates.ratios).toFixed(3)}`;
  ctx.log(`vdf: engine ${rates.engine.toFixed(0)} steps/s, plain loop ${plain.toFixed(0)} steps/s, median pair ratio ${rates.ratio.toFixed(3)} (${spread})`);
  rows.push(row('chain steps/s, engine thread flat out', rates.engine, 'steps/s', { name: 'plain BLAKE3 loop, same binary', value: plain }, '>= 0.95x', rates.ratio >= 0.95,
    `ratio is the median of ${rates.ratios.length} interleaved pair ratios (range ${spread}); 250 ms slices`));
  rows[rows.length - 1]!.ratio = rates.ratio;

  ctx.log('vdf: verification');
  // 2. Verify one second of chain vs recomputing it.
  const n = Math.round(plain);
  const p = new VdfProver(randomBytes(32));
  const nonce = randomBytes(16);
  p.absorb(nonce);
  p.advance(n - 1);
  const header = p.closeWindow()!;
  const challenge = randomBytes(16);
  const opening = p.open(0, challenge, nonce, cfg.k);
  // Both sides best-of (shared machine): recompute at the best plain rate, verify the fastest batch.
  const recomputeNs = (n / plain) * 1e9;
  let verifyNs = Infinity;
  for (let i = 0; i < (ctx.quick ? 1 : 8); i++) {
    verifyNs = Math.min(verifyNs, vdfBinding().vdfBenchVerifyOpening(p.publicKey, header, opening, challenge, nonce, cfg.k, 10));
  }
  const t0 = process.hrtime.bigint();
  const ok = await verifyOpening(p.publicKey, header, opening, challenge, nonce, cfg.k);
  const asyncNs = Number(process.hrtime.bigint() - t0);
  rows.push(row('recompute / verify, one second of flat-out chain', recomputeNs / verifyNs, 'x cheaper', { name: `recompute ${n} steps (ms)`, value: recomputeNs / 1e6 }, '>= 1000x', recomputeNs / verifyNs >= 1000,
    `verify ${(verifyNs / 1e3).toFixed(0)} µs native, ${(asyncNs / 1e3).toFixed(0)} µs through the async binding (ok=${ok.ok}); ratio column is (recompute-ms)/baseline`));
  rows[rows.length - 1]!.ratio = recomputeNs / verifyNs;

  ctx.log('vdf: bytes');
  // 3. Bytes per window and per second per neighbour link (one direction), at default duty.
  const budget = 2048;
  for (const neighbours of [1, 20]) {
    const q = new VdfProver(randomBytes(32));
    const perWindow = Math.round(plain * cfg.duty * (cfg.windowMs / 1000));
    const nonces = Array.from({ length: neighbours }, () => randomBytes(16));
    for (const nn of nonces) {
      q.absorb(nn);
      q.advance(Math.floor(perWindow / neighbours));
    }
    const h = q.closeWindow()!;
    const o = q.open(0, randomBytes(16), nonces[0]!, cfg.k);
    const proof = encodeFrame({ type: 'proof', header: h }).length;
    const openingBytes = encodeFrame({ type: 'opening', opening: o }).length;
    const chal = encodeFrame({ type: 'challenge', window: 0, nonce: randomBytes(16), show: randomBytes(16) }).length;
    const window = proof + openingBytes + chal;
    const perSecond = window / (cfg.windowMs / 1000);
    rows.push(row(`proof bytes/s per neighbour link, ${neighbours} neighbour(s)`, perSecond, 'B/s', { name: 'budget', value: budget }, '<= 2048 B/s', perSecond <= budget,
      `per window ${window} B (header ${proof}, opening ${openingBytes}, challenge ${chal}), window ${cfg.windowMs} ms, ${perWindow} steps`));
  }

  ctx.log('vdf: cpu share');
  // 4. CPU share at defaults.
  const idle = await cpuShare(measureMs, false);
  const busy = await cpuShare(measureMs, true);
  const engineShare = Math.max(0, busy.share - idle.share);
  rows.push(row('engine CPU share at defaults (process CPU minus idle)', engineShare * 100, '% of a core', { name: 'idle process, same run (%)', value: idle.share * 100 }, '<= 5 %', engineShare <= 0.05,
    `chain thread busy ${(busy.busy * 100).toFixed(2)} % by its own clock`));

  ctx.log('vdf: event-loop delay');
  // 5. Event-loop delay while the chain runs flat out vs idle.
  const idleDelay = await loopDelayP99(measureMs, false);
  const flatDelay = await loopDelayP99(measureMs, true);
  rows.push(row('event-loop delay p99, chain flat out (closing windows)', flatDelay, 'ms', { name: 'idle event loop p99 (ms)', value: idleDelay }, undefined, undefined, 'the chain never runs on the JS thread'));

  return {
    suite: 'vdf',
    rows,
    notes: [`defaults: windowMs=${cfg.windowMs} k=${cfg.k} duty=${cfg.duty} maxSegments=${cfg.maxSegments} deadAfterMissed=${cfg.deadAfterMissed} graceMs=${cfg.graceMs}`],
  };
}
