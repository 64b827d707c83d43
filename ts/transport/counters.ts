/**
 * Plain counters of the link layer. Hot paths bump numbers; the node exports
 * them (lagoon_link_* metrics) at scrape time. One struct per transport.
 */
import { CLOSE_REASONS, type CloseReason, type LinkKind } from './types.js';

export type SniffOutcome = 'tcp' | 'ws' | 'tls' | 'rejected' | 'timeout';

export interface TransportCounters {
  /** Links whose handshake completed, by direction. */
  linksOpened: { inbound: number; outbound: number };
  /** Links closed after opening, by reason. */
  linksClosed: Record<CloseReason, number>;
  /** Handshakes that did not produce a link, by reason (self-connections counted separately). */
  handshakeFailures: Record<CloseReason, number>;
  /** Dials or accepts that reached ourselves (not a failure). */
  selfConnections: number;
  framesIn: number;
  framesOut: number;
  /** Plaintext application bytes. */
  bytesIn: number;
  bytesOut: number;
  /** Frames refused for exceeding the maximum size (either direction of detection). */
  oversizedFrames: number;
  keepalivesIn: number;
  /** First-byte classification at the listener. */
  sniffed: Record<SniffOutcome, number>;
  /** Opened links by carrier kind. */
  linksByKind: Partial<Record<LinkKind, number>>;
}

function byReason(): Record<CloseReason, number> {
  const r = {} as Record<CloseReason, number>;
  for (const k of CLOSE_REASONS) r[k] = 0;
  return r;
}

export function createCounters(): TransportCounters {
  return {
    linksOpened: { inbound: 0, outbound: 0 },
    linksClosed: byReason(),
    handshakeFailures: byReason(),
    selfConnections: 0,
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    oversizedFrames: 0,
    keepalivesIn: 0,
    sniffed: { tcp: 0, ws: 0, tls: 0, rejected: 0, timeout: 0 },
    linksByKind: {},
  };
}
