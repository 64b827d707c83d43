/**
 * Mesh HELLO wire numbers, bounds and machine configuration. Every field:
 * meaning, unit, default, trade-off. Protocol prose in docs/mesh-hello.md.
 */
import { LagoonError } from '../../core/errors.js';

/** First byte of a HELLO frame ('H'); no other mesh frame may start with it. */
export const FRAME_HELLO = 0x48;
/** The version we speak. A different major is refused; a higher minor may only add TLV extensions. */
export const HELLO_VERSION = Object.freeze({ major: 1, minor: 0 });

/** Bytes in the HELLO nonce. */
export const HELLO_NONCE_LEN = 16;
/** Bytes in an Ed25519 public key. */
export const HELLO_KEY_LEN = 32;

/**
 * Size bounds. The whole HELLO fits in 1 KiB so it can also ride as a Noise
 * handshake payload; every string and the tail are checked against these
 * before anything is copied.
 */
export const HELLO_LIMITS = Object.freeze({
  /** Whole encoded HELLO, type byte included. */
  maxHelloBytes: 1024,
  /** `b3b3/` + 64 hex = 69; a little room for a future prefix. */
  maxPeerIdBytes: 80,
  maxNodeNameBytes: 64,
  /** A DNS name is at most 253 characters. */
  maxSiteNameBytes: 253,
  /** An IPv6 address in text is at most 45 characters. */
  maxYggAddrBytes: 64,
  maxYggPeerUriBytes: 255,
  /** TLV extensions a HELLO may carry. */
  maxExtensions: 16,
});

/** Capability bits (u32 on the wire). Unknown bits are kept and ignored. */
export const CAPABILITY = Object.freeze({
  /** Serves IRC clients. */
  irc: 1 << 0,
  /** Answers VDF challenges (docs/vdf.md). */
  vdf: 1 << 1,
  /** Speaks SPORE set reconciliation. */
  spore: 1 << 2,
  /** Runs a Yggdrasil node (yggAddr / yggPeerUri are meaningful). */
  ygg: 1 << 3,
  /** Acts as an anycast switchboard. */
  switchboard: 1 << 4,
});

/** Why the HELLO machine closed a link: a small fixed set, used as a metric label. */
export type HelloCloseReason =
  | 'hello_malformed' | 'hello_expected' | 'hello_version' | 'hello_key_mismatch'
  | 'hello_clock_skew' | 'hello_replay' | 'hello_duplicate' | 'hello_timeout';

export const HELLO_CLOSE_REASONS: readonly HelloCloseReason[] = [
  'hello_malformed', 'hello_expected', 'hello_version', 'hello_key_mismatch',
  'hello_clock_skew', 'hello_replay', 'hello_duplicate', 'hello_timeout',
];

export interface HelloConfig {
  /** Time the remote has to deliver its HELLO after the link is up, ms. Default 10 s. Longer tolerates slow links; shorter frees half-open links sooner. */
  readonly helloTimeoutMs: number;
  /** Largest accepted |remote timestamp − our wall clock|, ms. Default 30 s. Wider tolerates bad clocks; narrower shortens the replay window (and the replay cache's memory). */
  readonly maxClockSkewMs: number;
  /** Entries kept in the per-node replay cache (peer, nonce). Default 4096 (≈ 0.5 KiB per entry, ≈ 2 MiB). When full the oldest entry is dropped and counted. */
  readonly replayCacheMax: number;
}

export const DEFAULT_HELLO_CONFIG: HelloConfig = Object.freeze({
  helloTimeoutMs: 10_000,
  maxClockSkewMs: 30_000,
  replayCacheMax: 4096,
});

/** Merge, validate and freeze; bad values are ERR_CONFIG. */
export function helloConfig(partial: Partial<HelloConfig> = {}): HelloConfig {
  const c = { ...DEFAULT_HELLO_CONFIG, ...partial };
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_HELLO_CONFIG)) throw LagoonError.config(`unknown hello config key ${k}`);
  }
  const positive = (name: keyof HelloConfig, max: number): void => {
    const v = c[name];
    if (!Number.isSafeInteger(v) || v <= 0 || v > max) throw LagoonError.config(`hello ${name} must be an integer in 1..${max}, got ${v}`);
  };
  positive('helloTimeoutMs', 600_000);
  positive('maxClockSkewMs', 3_600_000);
  positive('replayCacheMax', 1_000_000);
  return Object.freeze(c);
}
