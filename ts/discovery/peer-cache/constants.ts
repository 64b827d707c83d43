/**
 * Peer cache and cache gossip: wire numbers, bounds and configuration. Every
 * field says what it does, its unit, its default and what it costs. Protocol
 * prose in docs/peer-cache.md.
 */
import { LagoonError } from '../../core/errors.js';

/**
 * First byte of every cache-gossip frame ('C'). Taken elsewhere: HELLO 0x48
 * ('H'), gossip 0x47 ('G'), mesh node 0x4D ('M'), VDF 0x01..0x03.
 */
export const FRAME_CACHE = 0x43;
/** Codec version (second byte); another version is dropped as malformed. */
export const CACHE_WIRE_VERSION = 1;

/** Frame kinds (third byte). */
export const KIND = Object.freeze({
  /** Our best records, sent once when a link comes up. */
  sync: 1,
  /** Records that changed since the last flush. */
  delta: 2,
  /** Ask for the best records now (u32 nonce, u8 max). */
  request: 3,
  /** Answer to a request (u32 nonce echoed, records). */
  response: 4,
  /** RTT probe (u32 nonce). */
  ping: 5,
  pong: 6,
} as const);
export type CacheFrameKind = (typeof KIND)[keyof typeof KIND];

/** Domain separation for signed address records (never sent; prefixed to the signed bytes). */
export const RECORD_DOMAIN = 'lagoon/peer-record/v1\0';
export const RECORD_VERSION = 1;

/** What a node knows of a peer's NAT (the value travels as a u8). */
export const NAT_TYPES = ['unknown', 'none', 'full-cone', 'restricted', 'port-restricted', 'symmetric'] as const;
export type NatType = (typeof NAT_TYPES)[number];

export const LIMITS = Object.freeze({
  /** Addresses in one record or cache entry. */
  maxAddrs: 8,
  maxAddrBytes: 255,
  /** Records in one frame, whatever `gossipMax` says. */
  maxRecordsPerFrame: 64,
  /** Whole cache-gossip frame; larger ones are dropped as `oversize`. */
  maxFrameBytes: 64 * 1024,
  /** One encoded record (version, key, seq, caps, nat, addresses, signature). */
  maxRecordBytes: 1 + 32 + 8 + 4 + 1 + 1 + 8 * 256 + 64,
});

/** Why an incoming frame or record was dropped: a small fixed set, used as a metric label. */
export type CacheDropReason = 'malformed' | 'oversize' | 'forged' | 'stale' | 'future' | 'expired' | 'rate_limited' | 'unsolicited';
export const CACHE_DROP_REASONS: readonly CacheDropReason[] = ['malformed', 'oversize', 'forged', 'stale', 'future', 'expired', 'rate_limited', 'unsolicited'];

export interface CacheGossipConfig {
  /** Records sent in one exchange (sync, delta flush, response). Default 16. More = faster spread, bigger frames; never grows with the mesh. */
  readonly gossipMax: number;
  /** Delta flush period, ms. Default 2 s. Shorter = fresher caches, more frames. */
  readonly deltaIntervalMs: number;
  /** Changed records queued per link between flushes; the oldest is dropped beyond it. Default 64. */
  readonly deltaQueueMax: number;
  /** RTT probe period per link, ms. Default 30 s. */
  readonly pingIntervalMs: number;
  /** A ping or request unanswered after this is forgotten, ms. Default 10 s. */
  readonly probeTimeoutMs: number;
  /** Least time between two requests (or pings) we answer for one peer, ms. Default 1 s: a hostile peer cannot make us sign or send more than this allows. */
  readonly answerMinIntervalMs: number;
  /** Largest accepted record timestamp ahead of our clock, ms. Default 30 s (as HELLO). */
  readonly maxClockSkewMs: number;
  /** A record older than this is dropped on receipt and no longer passed on, ms. Default 24 h. */
  readonly recordMaxAgeMs: number;
  /** A broadcasting node re-signs its own record this often, ms. Default 1 h (well inside recordMaxAgeMs). */
  readonly recordRefreshMs: number;
  /** Links tracked; more are ignored and counted. Default 256. */
  readonly maxLinks: number;
}

export const DEFAULT_CACHE_GOSSIP_CONFIG: CacheGossipConfig = Object.freeze({
  gossipMax: 16,
  deltaIntervalMs: 2_000,
  deltaQueueMax: 64,
  pingIntervalMs: 30_000,
  probeTimeoutMs: 10_000,
  answerMinIntervalMs: 1_000,
  maxClockSkewMs: 30_000,
  recordMaxAgeMs: 24 * 3600_000,
  recordRefreshMs: 3600_000,
  maxLinks: 256,
});

/** Merge, validate and freeze; unknown keys and bad values are ERR_CONFIG. */
export function cacheGossipConfig(partial: Partial<CacheGossipConfig> = {}): CacheGossipConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_CACHE_GOSSIP_CONFIG)) throw LagoonError.config(`unknown cache gossip config key ${k}`);
  }
  const c = { ...DEFAULT_CACHE_GOSSIP_CONFIG, ...partial };
  const check = (name: keyof CacheGossipConfig, min: number, max: number): void => {
    const v = c[name];
    if (!Number.isSafeInteger(v) || v < min || v > max) throw LagoonError.config(`cache gossip ${name} must be an integer in ${min}..${max}, got ${v}`);
  };
  check('gossipMax', 1, LIMITS.maxRecordsPerFrame);
  check('deltaIntervalMs', 10, 3600_000);
  check('deltaQueueMax', 1, 100_000);
  check('pingIntervalMs', 100, 86_400_000);
  check('probeTimeoutMs', 10, 600_000);
  check('answerMinIntervalMs', 0, 600_000);
  check('maxClockSkewMs', 0, 3600_000);
  check('recordMaxAgeMs', 60_000, 365 * 86_400_000);
  check('recordRefreshMs', 1_000, c.recordMaxAgeMs);
  check('maxLinks', 1, 100_000);
  return Object.freeze(c);
}
