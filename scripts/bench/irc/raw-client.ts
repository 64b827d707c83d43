/**
 * One IRC connection of the load generator, over a raw `node:net` socket.
 *
 * Why not an IRC client library (irc-framework is in devDependencies): a
 * full client keeps per-connection parsers, event emitters, user/channel
 * state and timers, which costs far more CPU and memory per connection than
 * the servers under test spend. The bench holds 5,000–10,000 connections in
 * one process and must count hundreds of thousands of lines a second, so each
 * connection here is a socket, a line splitter and one handler function, and
 * received lines are scanned as bytes, never turned into strings on the hot path.
 */
import { connect, type Socket } from 'node:net';
import { LineSplitter, isPing, pongFor, parseLine, type IrcLine } from './lines.js';
import { nowNs } from './clock.js';

/** Called for every received line except PINGs (answered here). */
export type LineHandler = (client: RawClient, buf: Buffer, start: number, end: number, now: number) => void;

const ignore: LineHandler = () => undefined;

/**
 * One receive buffer shared by every connection (`onread`): Node reads into
 * it and we scan it synchronously, so no Buffer is allocated per chunk and an
 * idle connection holds no read buffer of its own. Partial lines are copied out.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export class RawClient {
  private readonly splitter = new LineSplitter();
  handler: LineHandler = ignore;
  onClose: ((client: RawClient) => void) | null = null;
  closed = false;
  /** Last ERROR text or socket error, for reports. */
  lastError = '';

  private constructor(readonly socket: Socket, readonly nick: string, readonly index: number) {
    socket.on('error', (err) => {
      this.lastError = err.message;
    });
    socket.on('close', () => {
      this.closed = true;
      const cb = this.onClose;
      this.onClose = null;
      cb?.(this);
    });
  }

  /** `onread` callback: the first `nread` bytes of the shared buffer are new. */
  onData(chunk: Buffer): void {
    const now = nowNs();
    this.splitter.feed(chunk, (buf, start, end) => {
      if (isPing(buf, start, end)) this.socket.write(pongFor(buf, start, end));
      else this.handler(this, buf, start, end, now);
    });
  }

  write(data: string): boolean {
    return this.socket.write(data);
  }

  close(): void {
    if (!this.closed) this.socket.destroy();
  }

  /** Wait for a line matching `pred`, on the slow path (lines parsed to strings). */
  private waitFor(pred: (l: IrcLine) => boolean, what: string, timeoutMs: number): Promise<IrcLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${this.nick}: timeout after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      const finish = (err: Error | null, line?: IrcLine): void => {
        clearTimeout(timer);
        this.handler = ignore;
        this.onClose = null;
        if (err) reject(err);
        else resolve(line as IrcLine);
      };
      this.onClose = () => finish(new Error(`${this.nick}: closed while waiting for ${what}${this.lastError ? `: ${this.lastError}` : ''}`));
      this.handler = (_c, buf, start, end) => {
        const l = parseLine(buf.toString('utf8', start, end));
        if (pred(l)) finish(null, l);
        else if (l.command === 'ERROR' || /^(4\d\d|5\d\d)$/.test(l.command)) {
          this.lastError = `${l.command} ${l.params.join(' ')}`;
          if (l.command === 'ERROR' || /^(43[1-7]|46[1-5])$/.test(l.command)) finish(new Error(`${this.nick}: ${this.lastError} while waiting for ${what}`));
        }
      };
    });
  }

  /** Connect to 127.0.0.1:port and register; resolves on RPL_WELCOME (001). */
  static async open(port: number, nick: string, index: number, timeoutMs: number): Promise<RawClient> {
    let client: RawClient | null = null;
    const socket = connect({
      host: '127.0.0.1',
      port,
      onread: {
        buffer: SHARED_READ_BUFFER,
        callback: (nread: number, buf: Uint8Array): boolean => {
          client?.onData((buf as Buffer).subarray(0, nread));
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    client = new RawClient(socket, nick, index);
    const welcome = client.waitFor((l) => l.command === '001', '001 (welcome)', timeoutMs);
    client.write(`NICK ${nick}\r\nUSER ${nick} 0 * :lagoon bench\r\n`);
    try {
      await welcome;
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  /** JOIN a channel; resolves on RPL_ENDOFNAMES (366) for it. */
  async join(channel: string, timeoutMs: number): Promise<void> {
    const lc = channel.toLowerCase();
    const done = this.waitFor((l) => l.command === '366' && (l.params[1] ?? '').toLowerCase() === lc, `366 for ${channel}`, timeoutMs);
    this.write(`JOIN ${channel}\r\n`);
    await done;
  }

  /** Round-trip a PING through the server; resolves when its PONG arrives. */
  async ping(token: string, timeoutMs: number): Promise<void> {
    const done = this.waitFor((l) => l.command === 'PONG' && l.params.includes(token), `PONG ${token}`, timeoutMs);
    this.write(`PING ${token}\r\n`);
    await done;
  }
}

/**
 * Open `count` registered connections with at most `concurrency` handshakes in
 * flight. Nicks are `${prefix}${i}`. On any failure, closes what it opened and throws.
 */
export async function openMany(
  port: number,
  prefix: string,
  first: number,
  count: number,
  opts: { concurrency: number; timeoutMs: number; join?: string },
): Promise<RawClient[]> {
  const out: RawClient[] = new Array(count);
  let next = 0;
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    for (let guard = 0; guard < count && failure === null; guard++) {
      const i = next++;
      if (i >= count) return;
      try {
        const c = await RawClient.open(port, `${prefix}${first + i}`, first + i, opts.timeoutMs);
        out[i] = c;
        if (opts.join) await c.join(opts.join, opts.timeoutMs);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, count)) }, worker));
  if (failure !== null) {
    for (const c of out) c?.close();
    throw failure;
  }
  return out;
}
