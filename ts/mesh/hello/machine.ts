/**
 * The mesh HELLO, one machine per link, run after the Noise handshake
 * (sans-IO: no sockets, no timers, no clock; see docs/mesh-hello.md).
 *
 * Inputs: `start(now, wallMs)` once, then `handleFrame(frame, now, wallMs)`
 * for every frame until the outcome is known and afterwards for every frame
 * where `isHelloFrame(frame)`, and `handleTimeout(now)` when `nextTimeout()`
 * is reached. `now` is monotonic ms and must never go back; `wallMs` is the
 * Unix wall clock, used only for the skew check and our own timestamp.
 * Each input returns actions, to be applied in order:
 *   send(frame)          write the frame on the link
 *   established(hello)   the remote is who the link says, with this HELLO
 *   self(hello)          the link reached this very node: routable, not an error
 *   close(reason)        close the link with this reason (counted)
 * After established/self/close, the only further output is close
 * `hello_duplicate` for a second HELLO.
 */
import { LagoonError } from '../../core/errors.js';
import { peerIdFromPublicKey } from '../../core/identity.js';
import {
  HELLO_CLOSE_REASONS, HELLO_NONCE_LEN, HELLO_VERSION, helloConfig,
  type HelloCloseReason, type HelloConfig,
} from './constants.js';
import { decodeHello, encodeHello, isHelloFrame, peekHelloVersion, type Hello } from './messages.js';
import { HelloReplayCache } from './replay.js';

export type HelloAction =
  | { readonly type: 'send'; readonly frame: Buffer }
  | { readonly type: 'established'; readonly hello: Hello }
  | { readonly type: 'self'; readonly hello: Hello }
  | { readonly type: 'close'; readonly reason: HelloCloseReason; readonly message: string };

/** Plain counters for the node to export (`lagoon_hello_*_total`); share one object across machines. */
export interface HelloCounters {
  sent: number;
  established: number;
  self: number;
  closed: Record<HelloCloseReason, number>;
}

export function createHelloCounters(): HelloCounters {
  const closed = {} as Record<HelloCloseReason, number>;
  for (const r of HELLO_CLOSE_REASONS) closed[r] = 0;
  return { sent: 0, established: 0, self: 0, closed };
}

/** What we say about ourselves; timestamp, nonce, version and key come from the machine. */
export type LocalHello = Omit<Hello, 'protocolVersion' | 'peerId' | 'publicKey' | 'timestampMs' | 'nonce' | 'extensions'>
  & { readonly extensions?: Hello['extensions'] };

/** Per-node state shared by every link's machine. */
export interface HelloNode {
  readonly peerId: string;
  readonly publicKey: Uint8Array;
  readonly config: HelloConfig;
  readonly replay: HelloReplayCache;
  readonly counters: HelloCounters;
  /** Injected randomness (seedable in simulations). */
  readonly randomBytes: (n: number) => Uint8Array;
  /** peer_id derivation, injectable for simulators; defaults to core's. */
  readonly peerIdOf: (publicKey: Uint8Array) => string;
}

export function createHelloNode(opts: {
  peerId: string; publicKey: Uint8Array; randomBytes: (n: number) => Uint8Array;
  config?: Partial<HelloConfig>; counters?: HelloCounters; peerIdOf?: (k: Uint8Array) => string;
}): HelloNode {
  const config = helloConfig(opts.config);
  const peerIdOf = opts.peerIdOf ?? peerIdFromPublicKey;
  if (peerIdOf(opts.publicKey) !== opts.peerId) throw LagoonError.invalidArgument('hello node: peerId does not match publicKey');
  return {
    peerId: opts.peerId, publicKey: Uint8Array.from(opts.publicKey), config, randomBytes: opts.randomBytes, peerIdOf,
    replay: new HelloReplayCache(config.replayCacheMax, 2 * config.maxClockSkewMs),
    counters: opts.counters ?? createHelloCounters(),
  };
}

type State = 'idle' | 'waiting' | 'done';

export class HelloMachine {
  private state: State = 'idle';
  private deadline: number | undefined;
  private last = -Infinity;
  /** The remote's HELLO, once accepted. */
  remote: Hello | null = null;

  /**
   * @param remotePublicKey the static key the link handshake proved (`link.remotePublicKey`).
   */
  constructor(private readonly node: HelloNode, private readonly local: LocalHello, private readonly remotePublicKey: Uint8Array) {
    if (remotePublicKey.length !== 32) throw LagoonError.invalidArgument('remotePublicKey must be 32 bytes');
  }

  /** The earliest armed timer (monotonic ms), if any. */
  nextTimeout(): number | undefined { return this.deadline; }

  get done(): boolean { return this.state === 'done'; }

  /** Send our HELLO and arm the timeout. */
  start(now: number, wallMs: number): HelloAction[] {
    this.tick(now);
    if (this.state !== 'idle') throw LagoonError.invalidArgument('hello machine already started');
    const nonce = this.node.randomBytes(HELLO_NONCE_LEN);
    const frame = encodeHello({
      ...this.local, extensions: this.local.extensions ?? [],
      protocolVersion: HELLO_VERSION, peerId: this.node.peerId, publicKey: this.node.publicKey,
      timestampMs: Math.max(0, Math.floor(wallMs)), nonce,
    });
    this.state = 'waiting';
    this.deadline = now + this.node.config.helloTimeoutMs;
    this.node.counters.sent++;
    return [{ type: 'send', frame }];
  }

  handleFrame(frame: Uint8Array, now: number, wallMs: number): HelloAction[] {
    this.tick(now);
    if (this.state === 'idle') throw LagoonError.invalidArgument('hello machine not started');
    if (this.state === 'done') {
      // Frames that are not HELLOs belong to the protocols above; a second HELLO on an open link is refused.
      return this.remote !== null && isHelloFrame(frame) ? this.close('hello_duplicate', 'a second HELLO on this link') : [];
    }
    if (!isHelloFrame(frame)) return this.close('hello_expected', 'first frame is not a HELLO');
    const v = peekHelloVersion(frame);
    if (v === null) return this.close('hello_malformed', 'truncated HELLO header');
    if (v.major !== HELLO_VERSION.major) return this.close('hello_version', `version ${v.major}.${v.minor}, we speak ${HELLO_VERSION.major}.${HELLO_VERSION.minor}`);
    let hello: Hello;
    try { hello = decodeHello(frame); } catch (err) {
      return this.close('hello_malformed', err instanceof Error ? err.message : 'malformed');
    }
    return this.accept(hello, now, wallMs);
  }

  handleTimeout(now: number): HelloAction[] {
    this.tick(now);
    if (this.state !== 'waiting' || this.deadline === undefined || now < this.deadline) return [];
    return this.close('hello_timeout', `no HELLO within ${this.node.config.helloTimeoutMs} ms`);
  }

  private accept(hello: Hello, now: number, wallMs: number): HelloAction[] {
    if (!Buffer.from(hello.publicKey).equals(Buffer.from(this.remotePublicKey))) {
      return this.close('hello_key_mismatch', 'HELLO key is not the key proven by the link');
    }
    if (hello.peerId !== this.node.peerIdOf(hello.publicKey)) {
      return this.close('hello_key_mismatch', 'HELLO peer_id does not match its key');
    }
    const skew = hello.timestampMs - wallMs;
    if (Math.abs(skew) > this.node.config.maxClockSkewMs) {
      return this.close('hello_clock_skew', `remote clock is ${Math.round(skew)} ms off ours`);
    }
    if (this.node.replay.checkAndRecord(hello.peerId, hello.nonce, now)) {
      return this.close('hello_replay', 'HELLO nonce already seen from this peer');
    }
    this.state = 'done';
    this.deadline = undefined;
    this.remote = hello;
    if (hello.peerId === this.node.peerId) {
      this.node.counters.self++;
      return [{ type: 'self', hello }];
    }
    this.node.counters.established++;
    return [{ type: 'established', hello }];
  }

  private close(reason: HelloCloseReason, message: string): HelloAction[] {
    this.state = 'done';
    this.deadline = undefined;
    this.node.counters.closed[reason]++;
    return [{ type: 'close', reason, message }];
  }

  private tick(now: number): void {
    if (!Number.isFinite(now)) throw LagoonError.invalidArgument(`now must be finite, got ${now}`);
    if (now < this.last) throw LagoonError.invalidArgument(`time went back: ${now} < ${this.last}`);
    this.last = now;
  }
}
