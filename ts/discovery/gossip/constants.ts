/**
 * Gossip wire numbers, bounds and machine configuration. Every field says
 * what it does, its unit, its default and what it costs. Protocol prose in
 * docs/gossip.md.
 */
import { LagoonError } from '../../core/errors.js';

/**
 * First byte of every gossip frame ('G'). Other mesh frames: HELLO 0x48 ('H'),
 * VDF 0x01..0x03; a driver routes on this byte alone.
 */
export const FRAME_GOSSIP = 0x47;
/** Codec version (byte 3, after the frame byte, ttl and hops). A frame of another version is dropped as malformed. */
export const GOSSIP_VERSION = 1;

/** Signed message kinds (the six of seed 004). */
export const KIND = Object.freeze({
  hello: 1,
  announce: 2,
  request: 3,
  response: 4,
  heartbeat: 5,
  update: 6,
} as const);
export type SignedKind = (typeof KIND)[keyof typeof KIND];
export type KindName = keyof typeof KIND;

/** One-hop control frames of the push-lazy-push tree; unsigned because the Noise link authenticates them and they never travel further. */
export const CONTROL = Object.freeze({
  ihave: 0x10,
  graft: 0x11,
  prune: 0x12,
  ack: 0x13,
  pending: 0x14,
} as const);
export type ControlKind = (typeof CONTROL)[keyof typeof CONTROL];

export const KEY_BYTES = 32;
export const ID_BYTES = 16;
export const SIG_BYTES = 64;
/** A message key: origin key ‖ id. Unique per message because only the origin can sign under its key. */
export const MID_BYTES = KEY_BYTES + ID_BYTES;

/** Size bounds, checked before anything is copied. */
export const GOSSIP_LIMITS = Object.freeze({
  /** Whole frame, type byte included; larger frames are dropped as `oversize`. */
  maxFrameBytes: 8192,
  /** Addresses in one peer record. */
  maxAddrs: 8,
  maxAddrBytes: 255,
  /** Topics (e.g. repositories a peer serves) in one record. */
  maxTopics: 16,
  maxTopicBytes: 64,
  /** Records in one PEER_LIST_RESPONSE: a constant, so no answer grows with the mesh. */
  maxResponseRecords: 16,
  /** Message keys in one IHAVE or GRAFT. */
  maxControlIds: 64,
});

/** Why an incoming frame was dropped: a small fixed set, used as a metric label. */
export type DropReason = 'forged' | 'stale' | 'future' | 'replay' | 'malformed' | 'oversize';
export const DROP_REASONS: readonly DropReason[] = ['forged', 'stale', 'future', 'replay', 'malformed', 'oversize'];

export interface TtlConfig {
  /** PEER_ANNOUNCEMENT hops. Default 32. */
  readonly announce: number;
  /** PEER_REQUEST hops. Default 16. */
  readonly request: number;
  /** PEER_LIST_RESPONSE hops on its way back. Default 16. */
  readonly response: number;
  /** HEARTBEAT hops. Default 0: with senders all over the mesh it makes the shared tree oscillate (measured in docs/gossip.md). */
  readonly heartbeat: number;
  /** PEER_UPDATE hops. Default 32. */
  readonly update: number;
}

export interface GossipConfig {
  /** Random links a PEER_REQUEST or HEARTBEAT is forwarded to. Default 3 (seed 004). More = faster, more copies. */
  readonly fanout: number;
  readonly ttl: TtlConfig;
  /** Largest accepted |message timestamp − our clock|, ms, both ways. Default 30 s. Wider tolerates bad clocks but needs a longer Bloom memory. */
  readonly maxClockSkewMs: number;
  /** Message keys one Bloom generation holds before it rotates early. Default 100,000 (seed 004). Memory ≈ 2 × capacity × 28.8 bits at 1e-6 (≈ 720 KiB). */
  readonly bloomCapacity: number;
  /** False-positive rate of one generation at capacity. Default 1e-6; a query sees ≤ 2× this. A false positive drops one copy of a new message. */
  readonly bloomFalsePositiveRate: number;
  /** Generation lifetime, ms. Default 60 s = 2 × maxClockSkewMs, so every key is remembered as long as its timestamp is acceptable. */
  readonly bloomRotateMs: number;
  /** Broadcasting peers kept in the table; the lowest score is evicted. Default 1024. */
  readonly maxPeers: number;
  /** A peer not heard from (announcement, update, heartbeat) for this long is dropped, ms. Default 2 h (seed 004). */
  readonly peerExpiryMs: number;
  /** HEARTBEAT period of a broadcasting node, ms. Default 30 s. */
  readonly heartbeatIntervalMs: number;
  /** Least wait after the first IHAVE for the payload to arrive by the tree before sending GRAFT, ms (the wait adapts upward, see graftTimeoutMaxMs). Default 1 s. Must exceed the extra delay of a tree path over the shortest path, or nodes GRAFT copies they were about to get; loss is repaired by ACKs and lost parents by re-attachment, so this is the last resort. */
  readonly graftTimeoutMs: number;
  /** Upper bound of the adaptive GRAFT wait (tree.ts learns how late tree copies run at this node), ms. Default 3 s. */
  readonly graftTimeoutMaxMs: number;
  /** Wait between further GRAFTs for one message (to the next announcer), ms. Default 200. */
  readonly graftRetryMs: number;
  /** Wait for a payload's ACK (or PRUNE) before sending it again, ms. Default 1 s. Shorter repairs loss faster; must exceed a link round trip. */
  readonly ackTimeoutMs: number;
  /** Sends of one payload on one link, first included. Default 2: one resend covers ordinary loss, and every resend to a dead neighbour is a wasted copy. */
  readonly ackMaxTries: number;
  /** Unacknowledged payloads tracked at once; beyond it payloads go untracked. Default 4096. */
  readonly maxPendingAcks: number;
  /** Messages waited for at once (IHAVE seen, payload missing); beyond it new IHAVEs are ignored. Default 1024. */
  readonly maxPendingGrafts: number;
  /** Recent payload frames kept to answer GRAFTs. Default 1024. */
  readonly messageCacheMax: number;
  /** How long a payload stays answerable, ms. Default 60 s. */
  readonly messageCacheMs: number;
  /** PEER_REQUESTs remembered to route responses back (request → previous hop). Default 1024. */
  readonly maxRequestRoutes: number;
  /** Direct links tracked; more are ignored and counted. Default 256. */
  readonly maxLinks: number;
  /** Records put in one PEER_LIST_RESPONSE (≤ GOSSIP_LIMITS.maxResponseRecords). Default 16. */
  readonly maxResponseRecords: number;
}

export const DEFAULT_GOSSIP_CONFIG: GossipConfig = Object.freeze({
  fanout: 3,
  ttl: Object.freeze({ announce: 32, request: 16, response: 16, heartbeat: 2, update: 32 }),
  maxClockSkewMs: 30_000,
  bloomCapacity: 100_000,
  bloomFalsePositiveRate: 1e-6,
  bloomRotateMs: 60_000,
  maxPeers: 1024,
  peerExpiryMs: 2 * 3600_000,
  heartbeatIntervalMs: 30_000,
  graftTimeoutMs: 1000,
  graftTimeoutMaxMs: 3000,
  graftRetryMs: 200,
  ackTimeoutMs: 1000,
  ackMaxTries: 2,
  maxPendingAcks: 4096,
  maxPendingGrafts: 1024,
  messageCacheMax: 1024,
  messageCacheMs: 60_000,
  maxRequestRoutes: 1024,
  maxLinks: 256,
  maxResponseRecords: 16,
});

type Partialish = Partial<Omit<GossipConfig, 'ttl'>> & { ttl?: Partial<TtlConfig> };

/** Merge, validate and freeze; unknown keys and bad values are ERR_CONFIG. */
export function gossipConfig(partial: Partialish = {}): GossipConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_GOSSIP_CONFIG)) throw LagoonError.config(`unknown gossip config key ${k}`);
  }
  for (const k of Object.keys(partial.ttl ?? {})) {
    if (!(k in DEFAULT_GOSSIP_CONFIG.ttl)) throw LagoonError.config(`unknown gossip ttl key ${k}`);
  }
  const ttl = Object.freeze({ ...DEFAULT_GOSSIP_CONFIG.ttl, ...partial.ttl });
  const c: GossipConfig = Object.freeze({ ...DEFAULT_GOSSIP_CONFIG, ...partial, ttl });
  const int = (name: string, v: number, min: number, max: number): void => {
    if (!Number.isSafeInteger(v) || v < min || v > max) throw LagoonError.config(`gossip ${name} must be an integer in ${min}..${max}, got ${v}`);
  };
  int('fanout', c.fanout, 1, 64);
  for (const [k, v] of Object.entries(ttl)) int(`ttl.${k}`, v, 0, 255);
  int('maxClockSkewMs', c.maxClockSkewMs, 1, 3_600_000);
  int('bloomCapacity', c.bloomCapacity, 16, 100_000_000);
  if (!(c.bloomFalsePositiveRate > 0 && c.bloomFalsePositiveRate < 0.5)) {
    throw LagoonError.config(`gossip bloomFalsePositiveRate must be in (0, 0.5), got ${c.bloomFalsePositiveRate}`);
  }
  int('bloomRotateMs', c.bloomRotateMs, 1, 86_400_000);
  if (c.bloomRotateMs < 2 * c.maxClockSkewMs) {
    throw LagoonError.config(`gossip bloomRotateMs (${c.bloomRotateMs}) must be at least 2 × maxClockSkewMs, or replays inside the skew window pass`);
  }
  int('maxPeers', c.maxPeers, 1, 10_000_000);
  int('peerExpiryMs', c.peerExpiryMs, 1, 30 * 86_400_000);
  int('heartbeatIntervalMs', c.heartbeatIntervalMs, 1, 86_400_000);
  int('graftTimeoutMs', c.graftTimeoutMs, 1, 600_000);
  int('graftTimeoutMaxMs', c.graftTimeoutMaxMs, c.graftTimeoutMs, 600_000);
  int('graftRetryMs', c.graftRetryMs, 1, 600_000);
  int('ackTimeoutMs', c.ackTimeoutMs, 1, 600_000);
  int('ackMaxTries', c.ackMaxTries, 1, 16);
  int('maxPendingAcks', c.maxPendingAcks, 1, 10_000_000);
  int('maxPendingGrafts', c.maxPendingGrafts, 1, 10_000_000);
  int('messageCacheMax', c.messageCacheMax, 1, 10_000_000);
  int('messageCacheMs', c.messageCacheMs, 1, 86_400_000);
  int('maxRequestRoutes', c.maxRequestRoutes, 1, 10_000_000);
  int('maxLinks', c.maxLinks, 1, 1_000_000);
  int('maxResponseRecords', c.maxResponseRecords, 1, GOSSIP_LIMITS.maxResponseRecords);
  return c;
}
