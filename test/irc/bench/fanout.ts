/**
 * Fan-out measurement, not part of the test run:
 *   npx tsx test/irc/bench/fanout.ts            (R receivers, default 5000; MSGS messages, default 100)
 * 1) the machine alone: one PRIVMSG to R channel members;
 * 2) real sockets in this process: MSGS messages from one oper sender to R receivers.
 * Receivers share the process (and CPU) with the server, so (2) understates the server.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { IrcMachine } from '../../../ts/irc/machine.js';
import { DEFAULT_IRC_LIMITS, startIrcServer } from '../../../ts/irc/index.js';
import { silentLogger } from '../../../ts/core/logger.js';

const R = Number(process.env.R ?? 5000);
const MSGS = Number(process.env.MSGS ?? 100);
// Receivers here never answer PING; the join storm can outlast the default idle timeout.
const limits = { ...DEFAULT_IRC_LIMITS, maxClientsPerIp: 1e6, pingIntervalMs: 3_600_000 };

function machineOnly(): void {
  const m = new IrcMachine({ serverName: 's', networkName: 'n', version: 'v', motd: [], operPassword: 'op', password: null, limits, wallClock: () => 0 });
  for (let i = 1; i <= R + 1; i++) {
    m.connect(i, { remoteAddress: '1.1.1.1', tls: false }, 0);
    for (const l of [`NICK u${i}`, 'USER u 0 * :u', 'JOIN #big']) m.line(i, l, 0);
  }
  m.line(1, 'OPER u op', 0);
  const K = 1000;
  const t0 = performance.now();
  for (let k = 0; k < K; k++) m.line(1, `PRIVMSG #big :hello world ${k}`, 0);
  const dt = performance.now() - t0;
  console.log(`machine: ${((dt / K) * 1000).toFixed(0)} µs per message to ${R} receivers`);
}

async function sockets(): Promise<void> {
  const server = await startIrcServer({ serverName: 's', networkName: 'n', bind: '127.0.0.1', port: 0, tlsPort: null, tls: null, dataDir: null, motd: [], operPassword: 'op', version: 'v', logger: silentLogger(), limits });
  let joined = 0;
  let done = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => { allDone = r; });
  const socks: net.Socket[] = [];
  const tJoin = performance.now();
  for (let i = 0; i < R; i++) {
    const s = net.connect(server.ports.plain, '127.0.0.1');
    socks.push(s);
    let got = 0;
    let tail = '';
    let isJoined = false;
    s.setEncoding('latin1');
    s.on('error', () => undefined);
    s.on('data', (d: string) => {
      const text = tail + d;
      const cut = text.lastIndexOf('\n');
      tail = text.slice(cut + 1);
      const body = text.slice(0, cut + 1);
      if (!isJoined && body.includes(' 366 ')) { isJoined = true; joined++; }
      for (let at = body.indexOf('PRIVMSG #big :m'); at >= 0; at = body.indexOf('PRIVMSG #big :m', at + 1)) {
        if (++got === MSGS && ++done === R) allDone();
      }
    });
    s.write(`NICK r${i}\r\nUSER r 0 * :r\r\nJOIN #big\r\n`);
    // Join in waves so the accept backlog never overflows.
    if (i % 500 === 499) while (joined < i + 1) await new Promise((r) => setImmediate(r));
  }
  while (joined < R) await new Promise((r) => setImmediate(r));
  console.log(`join: ${R} clients registered and joined one channel in ${(performance.now() - tJoin).toFixed(0)} ms`);
  const snd = net.connect(server.ports.plain, '127.0.0.1');
  snd.write('NICK sender\r\nUSER s 0 * :s\r\nOPER s op\r\nJOIN #big\r\nPING ready\r\n');
  await new Promise<void>((r) => { let b = ''; snd.on('data', (d) => { b += String(d); if (b.includes('ready')) r(); }); });
  const t0 = performance.now();
  snd.write(Array.from({ length: MSGS }, (_, i) => `PRIVMSG #big :m${i} the quick brown fox jumps over the lazy dog\r\n`).join(''));
  await finished;
  const dt = performance.now() - t0;
  console.log(`sockets: ${MSGS} messages × ${R} receivers in ${dt.toFixed(0)} ms = ${((MSGS * R) / dt / 1000).toFixed(2)} M deliveries/s`);
  for (const s of socks) s.destroy();
  snd.destroy();
  await server.close();
}

machineOnly();
await sockets();
