/**
 * Flood isolation: a well-behaved client's p99 latency (one sender → a few
 * receivers, paced) with and without ten flooding clients on the same server.
 * Flooders write as fast as their sockets allow and never read. Goal for
 * Lagoon: p99 with flooders within 2× p99 without. InspIRCd, with the same
 * flood limits, is shown for context (no goal).
 */
import type { BenchContext, BenchReport, BenchRow } from '../types.js';
import { startServer, DISPLAY_NAME, CONNECT_CONCURRENCY, type ServerKind } from '../irc/servers.js';
import { NGIRCD_SENDQ_BYTES, type ServerLimits } from '../irc/configs.js';
import { FanoutRig } from '../irc/fanout.js';
import { Worker } from 'node:worker_threads';
import { availableServers, benchRuns } from '../irc/setup.js';
import { median } from '../lib/stats.js';
import { compareRow, atMost } from '../lib/rows.js';
import { sleep } from '../lib/proc.js';

const RECEIVERS = 10;
const FLOODERS = 10;
/** The well-behaved client's rate; it must stay under the flood limit below. */
const SENDER_MSGS_PER_S = 20;
/** Flood control for every client: an active bot (20 msg/s) fits, a flooder does not. */
export const FLOOD_LIMITS: Omit<ServerLimits, 'port'> = {
  maxClients: 1000,
  maxClientsPerIp: 1000,
  sendqBytes: NGIRCD_SENDQ_BYTES,
  recvqBytes: 65536,
  floodRateLinesPerS: 50,
  floodBurstLines: 100,
};

interface Result {
  quiet: number[];
  flooded: number[];
  disconnects: number;
  reconnects: number;
  mbWritten: number;
  failed: string | null;
}

interface GangStats {
  disconnects: number;
  reconnects: number;
  bytesWritten: number;
}

/** Start the flooders on a worker thread (see flood-worker.ts); resolves once all are flooding. */
function startGang(port: number): Promise<Worker> {
  // Workers do not inherit the tsx loader: register it, then load the TypeScript module.
  const file = JSON.stringify(new URL('../irc/flood-worker.ts', import.meta.url).href);
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${file}); });`;
  const w = new Worker(boot, { eval: true, workerData: { port, count: FLOODERS, maxReconnects: 500 } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error('flooders did not start within 20 s'));
    }, 20_000);
    w.once('message', () => {
      clearTimeout(timer);
      resolve(w);
    });
    w.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function stopGang(w: Worker): Promise<GangStats> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      void w.terminate();
      resolve({ disconnects: NaN, reconnects: NaN, bytesWritten: NaN });
    }, 10_000);
    w.once('message', (m: GangStats) => {
      clearTimeout(timer);
      resolve(m);
    });
    w.postMessage('stop');
  });
}

async function measureServer(kind: ServerKind, ctx: BenchContext, runs: number, durationMs: number): Promise<Result> {
  const res: Result = { quiet: [], flooded: [], disconnects: 0, reconnects: 0, mbWritten: 0, failed: null };
  const server = await startServer({ kind, limits: FLOOD_LIMITS, tmpDir: ctx.tmpDir, log: ctx.log, startTimeoutMs: 30_000 });
  let rig: FanoutRig | null = null;
  let gang: Worker | null = null;
  try {
    rig = await FanoutRig.create(server.name, server.port, 20_000, CONNECT_CONCURRENCY[kind]);
    await rig.growTo(RECEIVERS);
    for (let r = 0; r < runs; r++) {
      const q = await rig.paced(SENDER_MSGS_PER_S, 500, durationMs);
      res.quiet.push(q.p99Ms);
      gang = await startGang(server.port);
      await sleep(500);
      const f = await rig.paced(SENDER_MSGS_PER_S, 500, durationMs);
      res.flooded.push(f.p99Ms);
      const g = await stopGang(gang);
      gang = null;
      res.disconnects += g.disconnects;
      res.reconnects += g.reconnects;
      res.mbWritten += g.bytesWritten / 1e6;
      ctx.log(`${server.name} run ${r + 1}: p99 quiet ${q.p99Ms.toFixed(2)} ms, flooded ${f.p99Ms.toFixed(2)} ms (${f.samples} samples, ${f.lost} lost)`);
      await sleep(500);
    }
  } catch (err) {
    res.failed = (err as Error).message;
    ctx.log(`${server.name} failed: ${res.failed}`);
  } finally {
    if (gang) await gang.terminate();
    rig?.close();
    await server.proc.stop();
  }
  return res;
}

export default async function ircFlood(ctx: BenchContext): Promise<BenchReport> {
  const runs = benchRuns(ctx.quick);
  const durationMs = ctx.quick ? 2000 : 5000;
  const avail = availableServers(['lagoon', 'inspircd'], ctx.log);
  const rows: BenchRow[] = [];
  const notes = [...avail.notes];
  for (const kind of avail.kinds) {
    const r = await measureServer(kind, ctx, runs, durationMs);
    const name = DISPLAY_NAME[kind];
    rows.push(
      compareRow(
        `p99 with ${FLOODERS} flooders (${name})`,
        'ms',
        median(r.flooded),
        { name: `${name} without flooders`, value: median(r.quiet) },
        kind === 'lagoon' ? atMost(2.0) : undefined,
        r.failed ? `failed: ${r.failed}` : undefined,
      ),
    );
    notes.push(`${name}: flooders wrote ${r.mbWritten.toFixed(1)} MB, were disconnected ${r.disconnects} times, reconnected ${r.reconnects} times`);
  }
  notes.push(
    `1 sender → ${RECEIVERS} receivers at ${SENDER_MSGS_PER_S} msg/s, ${durationMs} ms per phase, median of ${runs} run(s); ` +
      `flood limits for all clients: ${FLOOD_LIMITS.floodRateLinesPerS} lines/s, burst ${FLOOD_LIMITS.floodBurstLines}; sendq ${FLOOD_LIMITS.sendqBytes} B`,
  );
  return { suite: 'irc-flood', rows, notes };
}
