/**
 * Loopback figures for docs/links.md: handshake time and one-way frame
 * throughput per carrier. Bounded (a few MB each); not part of the test run.
 *   node --import tsx test/transport/bench-links.ts
 */
import { performance } from 'node:perf_hooks';
import { netHarness } from './net-harness.js';
import type { Link } from '../../ts/transport/types.js';

const FRAME = 64 * 1024;
const TOTAL = 128 * 1024 * 1024;
const HANDSHAKES = 30;

for (const scheme of ['tcp', 'ws', 'tls', 'wss'] as const) {
  const h = await netHarness(scheme);
  const a = h.transport();
  const b = h.transport();
  const address = await h.listen(b);
  const times: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) {
    const t0 = performance.now();
    const out = await a.dial(address, { signal: AbortSignal.timeout(5000) });
    times.push(performance.now() - t0);
    if (!out.self) out.link.close();
  }
  times.sort((x, y) => x - y);
  // Match the accepted link by handshake hash: earlier dials' links may still be arriving.
  let resolveLink: (l: Link) => void = () => undefined;
  const accepted = new Promise<Link>((r) => { resolveLink = r; });
  let want: Buffer | undefined;
  const seen: Link[] = [];
  b.on('link', (l) => { seen.push(l); if (want && l.handshakeHash.equals(want)) resolveLink(l); });
  const out = await a.dial(address, { signal: AbortSignal.timeout(5000) });
  if (out.self) throw new Error('self');
  want = out.link.handshakeHash;
  const early = seen.find((l) => l.handshakeHash.equals(want!));
  if (early) resolveLink(early);
  const ba = await accepted;
  let got = 0;
  const frame = Buffer.alloc(FRAME, 1);
  const done = new Promise<void>((resolve) => ba.on('frame', (f) => { got += f.length; if (got >= TOTAL) resolve(); }));
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < TOTAL) {
        sent += FRAME;
        if (!out.link.send(frame)) { out.link.once('drain', pump); return; }
      }
      resolve();
    };
    pump();
  });
  await done;
  const s = (performance.now() - t0) / 1000;
  console.log(`${scheme.padEnd(4)} handshake (dial→link, incl. connect) median ${times[HANDSHAKES >> 1]!.toFixed(1)} ms, p90 ${times[Math.floor(HANDSHAKES * 0.9)]!.toFixed(1)} ms; ` +
    `throughput ${(TOTAL / s / 1e6).toFixed(0)} MB/s (${FRAME / 1024} KiB frames, ${TOTAL >> 20} MiB)`);
  out.link.close();
  ba.close();
  await Promise.all([a.close(), b.close()]);
}
