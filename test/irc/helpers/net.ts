import net from 'node:net';
import tls from 'node:tls';
import { startIrcServer, DEFAULT_IRC_LIMITS, type IrcServer, type IrcServerOptions, type IrcLimits } from '../../../ts/irc/index.js';
import { silentLogger } from '../../../ts/core/logger.js';

export const WAIT_MS = 10_000;

export function serverOptions(over: Partial<Omit<IrcServerOptions, 'limits'>> & { limits?: Partial<IrcLimits> } = {}): IrcServerOptions {
  return {
    serverName: 'irc.test', networkName: 'TestNet', bind: '127.0.0.1', port: 0, tlsPort: null, tls: null,
    dataDir: null, motd: ['welcome'], operPassword: null, version: 'lagoon-test', logger: silentLogger(),
    ...over,
    limits: { ...DEFAULT_IRC_LIMITS, ...over.limits },
  };
}

export function startTestServer(over: Parameters<typeof serverOptions>[0] = {}): Promise<IrcServer> {
  return startIrcServer(serverOptions(over));
}

/** Reject when `signal` aborts, so every wait in a test is bounded. */
export function bounded<T>(p: Promise<T>, what: string, signal = AbortSignal.timeout(WAIT_MS)): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`timed out waiting for ${what}`));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e as Error); });
  });
}

/** A raw line-oriented IRC socket for malformed-input tests. */
export class RawClient {
  readonly lines: string[] = [];
  private cursor = 0;
  private partial = '';
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      const parts = (this.partial + d).split('\r\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    sock.on('error', () => undefined);
    this.closed = new Promise((r) => sock.once('close', () => { this.isClosed = true; this.wake(); r(); }));
  }

  static async connect(port: number, opts: { tls?: boolean } = {}): Promise<RawClient> {
    const sock = opts.tls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : net.connect(port, '127.0.0.1');
    await bounded(new Promise<void>((r, j) => { sock.once(opts.tls ? 'secureConnect' : 'connect', () => r()); sock.once('error', j); }), 'connect');
    return new RawClient(sock);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: string | Buffer): void { this.sock.write(data); }

  /** Wait for the next line (after earlier matches) satisfying `pred`. */
  async waitFor(pred: RegExp | ((line: string) => boolean), what = String(pred)): Promise<string> {
    const test = typeof pred === 'function' ? pred : (l: string): boolean => pred.test(l);
    const signal = AbortSignal.timeout(WAIT_MS);
    for (;;) {
      while (this.cursor < this.lines.length) {
        const l = this.lines[this.cursor++]!;
        if (test(l)) return l;
      }
      if (this.isClosed) throw new Error(`closed while waiting for ${what}; got ${JSON.stringify(this.lines.slice(-5))}`);
      await bounded(new Promise<void>((r) => this.waiters.push(r)), what, signal);
    }
  }

  async register(nick: string): Promise<void> {
    this.write(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`);
    await this.waitFor(/ 376 | 422 /, `${nick} end of MOTD`);
  }

  close(): void { this.sock.destroy(); }
}

/**
 * Connect one raw client per nick, register them, and have them join
 * `channel` in order; resolves once the first client has seen the last join,
 * so every client is in the channel and has seen everyone who joined after it.
 */
export async function clientsInChannel(port: number, nicks: string[], channel = '#a'): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (const nick of nicks) {
    const c = await RawClient.connect(port);
    await c.register(nick);
    c.write(`JOIN ${channel}\r\n`);
    await c.waitFor((l) => l.includes(` 366 ${nick} ${channel} `), `${nick} joined ${channel}`);
    clients.push(c);
  }
  const last = nicks.at(-1)!;
  await clients[0]!.waitFor((l) => l.startsWith(`:${last}!`) && l.includes(` JOIN ${channel}`), `${last} JOIN seen by ${nicks[0]}`);
  return clients;
}
