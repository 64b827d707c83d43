/**
 * Real server processes (the CLI, ports 0) and raw IRC clients for the
 * federation tests. Every wait is bounded by a signal; nothing sleeps.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, testEnv, type Listening, type Spawned } from '../node/helpers.js';
import { holds, httpJson, pollUntil } from '../helpers/poll.js';
import { RawClient } from '../irc/helpers/net.js';

export const OPER_PASSWORD = 'fed-oper-pw';

export interface Server {
  readonly name: string;
  readonly dataDir: string;
  readonly proc: Spawned;
  readonly ports: Listening;
}

export function tmpDir(): string {
  return mkdtempSync(join(tmpdir(), 'lagoon-fed-'));
}

/** Start `lagoon start` as server `name`; killed at teardown. */
export async function startServer(
  t: { teardown(f: () => void): void }, name: string, signal: AbortSignal,
  opts: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<Server> {
  const dataDir = opts.dataDir ?? tmpDir();
  const proc = spawnCli(['start'], testEnv(dataDir, {
    LAGOON_SERVER_NAME: name, LAGOON_NODE_NAME: name.split('.')[0]!, LAGOON_IRC_OPER_PASSWORD: OPER_PASSWORD,
    LAGOON_IRC_FLOOD_BURST: '1000', LAGOON_IRC_FLOOD_RATE: '1000', LAGOON_PROFILE: 'test', ...opts.env,
  }), signal);
  t.teardown(() => { proc.child.kill('SIGKILL'); });
  const ports = await proc.listening;
  return { name, dataDir, proc, ports };
}

export async function stopServer(s: Server): Promise<void> {
  s.proc.child.kill('SIGTERM');
  await s.proc.exit;
}

export async function getJson<T>(s: Server, path: string, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  return httpJson<T>(s.ports.httpPort, path);
}

export interface FedStatus { enabled: boolean; siteKey: string; denied: string[]; remotes: { server: string; state: string; visitors: number }[]; counters: Record<string, number> }

/** Poll an HTTP status until `pred` holds, bounded by `signal` (a mesh redial after a restart can take seconds of backoff). */
export function until<T>(s: Server, path: string, pred: (v: T) => boolean, signal: AbortSignal): Promise<T> {
  return pollUntil(() => httpJson<T>(s.ports.httpPort, path), holds(pred), { signal, what: `${s.name} ${path}` });
}

export async function waitLinked(a: Server, b: Server, signal: AbortSignal): Promise<void> {
  await until<{ links: { peerId: string }[] }>(a, '/api/mesh', (m) => m.links.some((l) => l.peerId === b.ports.peer), signal);
}

/** A registered raw client. */
export async function user(s: Server, nick: string): Promise<RawClient> {
  const c = await RawClient.connect(s.ports.ircPort);
  c.write(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick} real\r\n`);
  await c.waitFor(/ 001 /, `${nick} registered on ${s.name}`);
  return c;
}

/** NAMES for `channel`, as the list of entries without prefixes (waits for 366). */
export async function names(c: RawClient, channel: string): Promise<string[]> {
  c.write(`NAMES ${channel}\r\n`);
  const out: string[] = [];
  const esc = channel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re353 = new RegExp(` 353 \\S+ [=*@] ${esc} :`, 'i');
  const re366 = new RegExp(` 366 \\S+ ${esc} `, 'i');
  for (;;) {
    const l = await c.waitFor((x) => re353.test(x) || re366.test(x), `NAMES ${channel}`);
    if (re366.test(l)) return out;
    out.push(...l.slice(l.indexOf(' :', l.indexOf(' 353 ')) + 2).split(' ').filter((e) => e !== '').map((e) => e.replace(/^[@+]+/, '')));
  }
}

export function numericOf(line: string): string | undefined {
  return / (\d{3}) /.exec(line)?.[1];
}
