/**
 * The gossip machine's public types: what a node publishes, the inputs it
 * takes, the actions and events it returns, and its counters.
 */
import type { DropReason, KindName } from './constants.js';
import type { PeerRecord } from './messages.js';
import type { ObservedAddress } from './observed.js';

/** What a broadcasting node publishes about itself. A node without it is silent: it never announces and never has a record. */
export interface BroadcastInfo {
  readonly addrs: readonly string[];
  readonly topics: readonly string[];
  readonly capabilities: number;
}

export type GossipInput =
  | { readonly type: 'link-up'; readonly link: string; readonly peerKey?: Uint8Array; readonly observed?: ObservedAddress }
  | { readonly type: 'link-down'; readonly link: string }
  | { readonly type: 'frame'; readonly link: string; readonly frame: Uint8Array }
  | { readonly type: 'timeout' }
  | { readonly type: 'announce' }
  | { readonly type: 'update'; readonly info: BroadcastInfo }
  | { readonly type: 'request'; readonly topic: string; readonly maxResults?: number };

export type GossipEvent =
  | { readonly type: 'originated'; readonly kind: KindName; readonly mid: string }
  | { readonly type: 'delivered'; readonly kind: KindName; readonly originHex: string; readonly mid: string; readonly hops: number }
  | { readonly type: 'peer'; readonly change: 'new' | 'updated'; readonly record: PeerRecord }
  | { readonly type: 'response'; readonly requestIdHex: string; readonly records: readonly PeerRecord[] }
  | { readonly type: 'dropped'; readonly reason: DropReason; readonly link: string; readonly detail: string };

export type GossipAction =
  | { readonly type: 'send'; readonly link: string; readonly frame: Uint8Array }
  | { readonly type: 'event'; readonly event: GossipEvent };

export interface GossipCounters {
  framesIn: number;
  accepted: number;
  /** Copies of a message already accepted, from another link: normal in gossip. */
  duplicates: number;
  dropped: Record<DropReason, number>;
  framesOut: number;
  /** Full announce/update frames sent (the dissemination cost). */
  payloadsOut: number;
  ihavesOut: number;
  graftsOut: number;
  prunesOut: number;
  /** Responses whose request route was unknown or expired. */
  unroutable: number;
  /** Frames from links that were never brought up (or are down). */
  unknownLink: number;
  linksRefused: number;
  /** Payloads sent again for want of an ACK. */
  resends: number;
  /** Re-attachments to the tree (lost our upstream link, or joined a running mesh). */
  attaches: number;
}
