/**
 * The link handshake as a sans-IO machine: Noise XX
 * (`Noise_XX_Ed25519_ChaChaPoly_BLAKE2b`, from noise-handshake with
 * noise-curve-ed) whose static keys are the nodes' Ed25519 identities.
 *
 *   -> e                          initiator, msg1 (payload must be empty)
 *   <- e, ee, s, es  [payload]    responder, msg2: proves the responder's key
 *   -> s, se         [payload]    initiator, msg3: proves the initiator's key
 *
 * The remote static key revealed (and proven) by the handshake is the remote's
 * identity; its peer_id is derived from it, never claimed. The prologue binds
 * the protocol name and version.
 *
 * Use: call `start(now)` once, then `handle(message, now)` for each handshake
 * message received and `handleTimeout(now)` when `nextTimeout()` is reached.
 * Each returns actions to perform in order: `send` a message, then at most one
 * terminal action: `done` (ciphers ready), `self` (the remote key is ours: a
 * self-connection; any final message has been emitted so the other end learns
 * it too) or `fail`. No clock, socket or timer inside; `now` is monotonic ms.
 */
import NoiseState from 'noise-handshake';
import { peerIdFromPublicKey } from '../core/identity.js';
import { MAX_HANDSHAKE_MESSAGE_BYTES, MAX_HANDSHAKE_PAYLOAD_BYTES, PROLOGUE } from './constants.js';
import { curve, noiseKeyPair, type LinkIdentity } from './noise-keys.js';
import type { CloseReason } from './types.js';
import { LagoonError } from '../core/errors.js';

export interface HandshakeResult {
  readonly remotePublicKey: Buffer;
  readonly peerId: string;
  /** Key for frames we send. */
  readonly tx: Buffer;
  /** Key for frames we receive. */
  readonly rx: Buffer;
  readonly handshakeHash: Buffer;
  readonly remotePayload: Buffer;
}

export type HandshakeAction =
  | { readonly type: 'send'; readonly message: Buffer }
  | { readonly type: 'done'; readonly result: HandshakeResult }
  | { readonly type: 'self'; readonly peerId: string }
  | { readonly type: 'fail'; readonly reason: CloseReason; readonly message: string };

export interface HandshakeOptions {
  readonly identity: LinkIdentity;
  readonly initiator: boolean;
  /** Initiator only: fail with `peer_mismatch` unless the responder proves this peer_id. */
  readonly expectPeerId?: string;
  /** Sent encrypted in msg2 (responder) or msg3 (initiator), ≤ 1 KiB. */
  readonly payload?: Buffer;
  readonly timeoutMs: number;
  /** peer_id of a public key; defaults to core's BLAKE3-based one (injectable for simulators). */
  readonly peerIdOf?: (publicKey: Buffer) => string;
}

type State = 'new' | 'await-msg1' | 'await-msg2' | 'await-msg3' | 'finished';

export class Handshake {
  private readonly opts: HandshakeOptions;
  private readonly noise: NoiseState;
  private readonly peerIdOf: (publicKey: Buffer) => string;
  private state: State = 'new';
  private deadline: number | undefined;
  private lastNow = -Infinity;

  constructor(opts: HandshakeOptions) {
    if ((opts.payload?.length ?? 0) > MAX_HANDSHAKE_PAYLOAD_BYTES) {
      throw LagoonError.invalidArgument(`handshake payload is limited to ${MAX_HANDSHAKE_PAYLOAD_BYTES} bytes`);
    }
    if (!(opts.timeoutMs > 0)) throw LagoonError.invalidArgument('handshake timeoutMs must be > 0');
    this.opts = opts;
    this.peerIdOf = opts.peerIdOf ?? peerIdFromPublicKey;
    this.noise = new NoiseState('XX', opts.initiator, noiseKeyPair(opts.identity), { curve });
    this.noise.initialise(PROLOGUE);
  }

  get finished(): boolean {
    return this.state === 'finished';
  }

  nextTimeout(): number | undefined {
    return this.state === 'finished' ? undefined : this.deadline;
  }

  start(now: number): HandshakeAction[] {
    this.tick(now);
    if (this.state !== 'new') throw new Error('Handshake.start called twice');
    this.deadline = now + this.opts.timeoutMs;
    if (!this.opts.initiator) {
      this.state = 'await-msg1';
      return [];
    }
    this.state = 'await-msg2';
    return [{ type: 'send', message: this.noise.send() }];
  }

  handleTimeout(now: number): HandshakeAction[] {
    this.tick(now);
    if (this.state === 'finished' || this.deadline === undefined || now < this.deadline) return [];
    return this.fail('timeout', `handshake not complete after ${this.opts.timeoutMs} ms`);
  }

  handle(message: Buffer, now: number): HandshakeAction[] {
    this.tick(now);
    if (this.state === 'finished') return [];
    if (this.state === 'new') throw new Error('Handshake.handle before start');
    if (message.length > MAX_HANDSHAKE_MESSAGE_BYTES) {
      return this.fail('protocol', `handshake message of ${message.length} bytes exceeds ${MAX_HANDSHAKE_MESSAGE_BYTES}`);
    }
    try {
      switch (this.state) {
        case 'await-msg1': return this.onMsg1(message);
        case 'await-msg2': return this.onMsg2(message);
        case 'await-msg3': return this.onMsg3(message);
      }
    } catch (err) {
      // The library throws on short messages, bad points and failed authentication alike.
      return this.fail('handshake', `handshake message rejected: ${(err as Error).message}`);
    }
  }

  private onMsg1(message: Buffer): HandshakeAction[] {
    const payload = this.noise.recv(message);
    if (payload.length !== 0) return this.fail('protocol', 'handshake msg1 carries an unauthenticated payload');
    this.state = 'await-msg3';
    return [{ type: 'send', message: this.noise.send(this.opts.payload ?? Buffer.alloc(0)) }];
  }

  private onMsg2(message: Buffer): HandshakeAction[] {
    const remotePayload = Buffer.from(this.noise.recv(message));
    const rs = this.remoteStatic();
    const peerId = this.peerIdOf(rs);
    if (rs.equals(this.opts.identity.publicKey)) {
      // Finish the handshake so the responder recognises itself too.
      const msg3 = this.noise.send(this.opts.payload ?? Buffer.alloc(0));
      this.state = 'finished';
      return [{ type: 'send', message: msg3 }, { type: 'self', peerId }];
    }
    if (this.opts.expectPeerId !== undefined && peerId !== this.opts.expectPeerId) {
      return this.fail('peer_mismatch', `expected peer ${this.opts.expectPeerId}, reached ${peerId}`);
    }
    const msg3 = this.noise.send(this.opts.payload ?? Buffer.alloc(0));
    return [{ type: 'send', message: msg3 }, this.done(rs, peerId, remotePayload)];
  }

  private onMsg3(message: Buffer): HandshakeAction[] {
    const remotePayload = Buffer.from(this.noise.recv(message));
    const rs = this.remoteStatic();
    const peerId = this.peerIdOf(rs);
    if (rs.equals(this.opts.identity.publicKey)) {
      this.state = 'finished';
      return [{ type: 'self', peerId }];
    }
    return [this.done(rs, peerId, remotePayload)];
  }

  private remoteStatic(): Buffer {
    const rs = this.noise.rs;
    if (rs === null || rs.length !== 32) throw new Error('no remote static key');
    return Buffer.from(rs);
  }

  private done(remotePublicKey: Buffer, peerId: string, remotePayload: Buffer): HandshakeAction {
    const { tx, rx, hash } = this.noise;
    if (!this.noise.complete || tx === null || rx === null || hash === null) throw new Error('handshake incomplete');
    this.state = 'finished';
    return { type: 'done', result: { remotePublicKey, peerId, tx, rx, handshakeHash: Buffer.from(hash), remotePayload } };
  }

  private fail(reason: CloseReason, message: string): HandshakeAction[] {
    this.state = 'finished';
    return [{ type: 'fail', reason, message }];
  }

  private tick(now: number): void {
    if (now < this.lastNow) throw new Error(`time went backwards: ${now} < ${this.lastNow}`);
    this.lastNow = now;
  }
}
