/** Test helpers for the link layer: waiting on events without sleeps, relays, silent servers. */
import net from 'node:net';
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import type { Link, CloseInfo } from '../../ts/transport/types.js';
import { MemoryNetwork, type MemoryCarrier } from '../../ts/transport/memory.js';

export const WAIT_MS = 5000;

/** Resolve with the event's arguments, or throw after `ms`. */
export async function next<T extends unknown[] = unknown[]>(emitter: EventEmitter<any> | EventEmitter, event: string, ms = WAIT_MS): Promise<T> {
  return (await once(emitter as EventEmitter, event, { signal: AbortSignal.timeout(ms) })) as T;
}

export async function closeOf(link: Link, ms = WAIT_MS): Promise<CloseInfo> {
  if (link.closed) throw new Error('link already closed; attach the wait earlier');
  const [info] = await next<[CloseInfo]>(link, 'close', ms);
  return info;
}

/** Collect `n` frames from a link. */
export function collect(link: Link, n: number, ms = WAIT_MS): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${n} frames`)), ms);
    const onFrame = (f: Buffer): void => {
      got.push(f);
      if (got.length === n) { clearTimeout(timer); link.off('frame', onFrame); resolve(got); }
    };
    link.on('frame', onFrame);
    link.once('close', (info) => { if (got.length < n) { clearTimeout(timer); reject(new Error(`closed after ${got.length} of ${n}: ${info.reason}`)); } });
  });
}

export interface Relay {
  readonly address: string;
  /** Flip one bit at byte 100 of the next chunk/frame of ≥ 200 bytes going from dialler to target. */
  armFlip(): void;
  /** Bytes (or frames) seen from dialler to target so far. */
  recorded(): Buffer[];
  close(): Promise<void>;
}

/** A TCP byte relay (works for tcp, ws, wss, tls addresses). */
export async function tcpRelay(targetAddress: string): Promise<Relay> {
  const u = new URL(targetAddress);
  let flip = false;
  const log: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(Number(u.port), u.hostname);
    for (const s of [down, up]) { sockets.add(s); s.on('error', () => undefined); s.on('close', () => { down.destroy(); up.destroy(); }); }
    down.on('data', (chunk: Buffer) => {
      log.push(Buffer.from(chunk));
      if (flip && chunk.length >= 200) { flip = false; chunk = Buffer.from(chunk); chunk[100]! ^= 0x01; }
      up.write(chunk);
    });
    up.pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: targetAddress.replace(`:${u.port}`, `:${port}`),
    armFlip: () => { flip = true; },
    recorded: () => log,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise<void>((r) => server.close(() => r())); },
  };
}

const RAW = { maxFrameBytes: 64 * 1024 * 1024, highWaterMarkBytes: 1 << 20 };
let relayCount = 0;

/** A frame relay on a MemoryNetwork. */
export async function memoryRelay(net_: MemoryNetwork, targetAddress: string): Promise<Relay> {
  const target = targetAddress.replace('memory://', '');
  const name = `relay-${++relayCount}`;
  let flip = false;
  const log: Buffer[] = [];
  const pairs: MemoryCarrier[] = [];
  const unlisten = net_.listen(name, RAW, (down) => {
    const up = net_.connect(target, RAW);
    pairs.push(down, up);
    down.on('frame', (f) => {
      log.push(Buffer.from(f));
      if (flip && f.length >= 200) { flip = false; f = Buffer.from(f); f[100]! ^= 0x01; }
      if (!up.closed) up.send(f);
    });
    up.on('frame', (f) => { if (!down.closed) down.send(f); });
    down.on('close', () => up.close({ reason: 'eof', message: 'relay' }));
    up.on('close', () => down.close({ reason: 'eof', message: 'relay' }));
  });
  return {
    address: `memory://${name}`,
    armFlip: () => { flip = true; },
    recorded: () => log,
    close: async () => { unlisten(); for (const c of pairs) c.close({ reason: 'local', message: 'relay closed' }); },
  };
}

/** A TCP server that accepts and never answers. */
export async function silentTcp(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise<void>((r) => server.close(() => r())); },
  };
}

/** Connect raw TCP, send `bytes`, resolve when the server closes the connection. */
export async function rawTcpExchange(port: number, bytes: Buffer): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  await next(s, 'connect');
  s.write(bytes);
  await next(s, 'close');
}

/** Count add/remove of 'abort' listeners on a signal. */
export function spySignal(signal: AbortSignal): { added: () => number; removed: () => number } {
  let added = 0;
  let removed = 0;
  const add = signal.addEventListener.bind(signal);
  const rem = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, ...rest: unknown[]) => { if (type === 'abort') added++; return (add as any)(type, ...rest); }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, ...rest: unknown[]) => { if (type === 'abort') removed++; return (rem as any)(type, ...rest); }) as typeof signal.removeEventListener;
  return { added: () => added, removed: () => removed };
}
