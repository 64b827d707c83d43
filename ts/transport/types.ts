/**
 * The shapes shared by every carrier and by the secure link on top of them.
 *
 * A *carrier* is an unauthenticated, framed, bidirectional byte pipe (a TCP
 * socket with length prefixes, one WebSocket, an in-memory pair). A *link* is
 * a carrier after the Noise XX handshake: the remote identity is proven and
 * every frame is encrypted and authenticated. The mesh only ever sees links.
 */
import type { EventEmitter } from 'node:events';
import type { LagoonErrorCode } from '../core/errors.js';

export type LinkKind = 'ws' | 'wss' | 'tcp' | 'memory' | 'quic' | 'relay' | 'ygg' | 'splice';

/**
 * Why a link or carrier closed: a small fixed set, used as a metric label.
 * - `local`: this side called close(); `remote`: the peer sent a close.
 * - `eof`: the carrier ended without a close message (peer vanished or a
 *   network error); `protocol`: malformed input; `oversized`: a frame above
 *   the configured maximum; `decrypt`: a frame failed authentication.
 * - `handshake`: the key exchange failed; `timeout`: it took too long;
 *   `peer_mismatch`: the dialled peer is not the one expected; `self`: we
 *   reached ourselves; `aborted`: the dial's signal fired; `nonce_exhausted`.
 */
export type CloseReason =
  | 'local' | 'remote' | 'eof' | 'protocol' | 'oversized' | 'decrypt'
  | 'handshake' | 'timeout' | 'peer_mismatch' | 'self' | 'aborted' | 'nonce_exhausted';

export const CLOSE_REASONS: readonly CloseReason[] = [
  'local', 'remote', 'eof', 'protocol', 'oversized', 'decrypt',
  'handshake', 'timeout', 'peer_mismatch', 'self', 'aborted', 'nonce_exhausted',
];

export interface CloseInfo {
  readonly reason: CloseReason;
  /** Free text: the string passed to close() (ours or the peer's), or what went wrong. Never key material. */
  readonly message: string;
  /** Error code when the close was a failure; absent for orderly closes and self-connections. */
  readonly code?: LagoonErrorCode;
}

export interface CarrierEvents {
  frame: [frame: Buffer];
  /** A zero-length frame: liveness only, no payload. */
  keepalive: [];
  drain: [];
  close: [info: CloseInfo];
}

/** An unauthenticated framed byte pipe. Emits 'close' exactly once. */
export interface Carrier extends EventEmitter<CarrierEvents> {
  readonly kind: LinkKind;
  /** Printable remote address for logs (never used for trust). */
  readonly remoteAddress: string;
  /** Largest frame this carrier accepts from the peer, in bytes. */
  readonly maxFrameBytes: number;
  readonly closed: boolean;
  /** Queue one frame; false = back-pressure, 'drain' follows. Throws ERR_CLOSED after close. */
  send(frame: Uint8Array): boolean;
  sendKeepalive(): void;
  /** Flush what is queued, then close. Idempotent. */
  close(info: CloseInfo): void;
}

export interface LinkEvents {
  frame: [frame: Buffer];
  drain: [];
  close: [info: CloseInfo];
}

/** One authenticated, encrypted, framed bidirectional channel to a peer (ARCHITECTURE §2). */
export interface Link extends EventEmitter<LinkEvents> {
  /** Derived from the static key proven in the handshake, never claimed. */
  readonly peerId: string;
  /** The remote's raw 32-byte Ed25519 public key. */
  readonly remotePublicKey: Buffer;
  readonly kind: LinkKind;
  readonly remoteAddress: string;
  /** True when this side dialled. */
  readonly initiator: boolean;
  /** Noise handshake hash: identical on both ends, usable for channel binding. */
  readonly handshakeHash: Buffer;
  /** Payload the remote attached to its handshake message (empty if none). */
  readonly remotePayload: Buffer;
  readonly closed: boolean;
  /** Largest frame `send` accepts. */
  readonly maxFrameBytes: number;
  /** Encrypt and queue one frame; false = back-pressure, 'drain' follows. */
  send(frame: Uint8Array): boolean;
  /** Tell the peer why, then close. Idempotent. */
  close(reason?: string): void;
}

/**
 * What a dial that reached this very node resolves with. Not an error: the
 * caller learns that the address is its own and should not retry it.
 */
export interface SelfConnection {
  readonly self: true;
  readonly peerId: string;
  readonly address: string;
}

export type DialOutcome = { readonly self: false; readonly link: Link } | SelfConnection;

export interface DialOptions {
  /** Required: aborting it cancels the dial (ERR_ABORTED). */
  signal: AbortSignal;
  /** Abort with reason `peer_mismatch` unless the remote proves this peer_id. */
  expectPeerId?: string;
}
