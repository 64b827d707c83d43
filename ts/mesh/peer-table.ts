/**
 * The mesh service's table of linked peers: at most one link per peer,
 * bounded in size, plus the rule that settles duplicate links the same way
 * on both ends. No I/O; the service (service.ts) owns the links.
 */
import { LagoonError } from '../core/errors.js';
import type { Hello } from './hello/messages.js';
import type { Link, LinkKind } from '../transport/types.js';

export type LinkDirection = 'inbound' | 'outbound';

export interface PeerEntry {
  readonly peerId: string;
  readonly nodeName: string;
  readonly siteName: string;
  /** Addresses we know for this peer: the configured address we dialled, if any, and the link's remote address. */
  readonly addresses: readonly string[];
  readonly kind: LinkKind;
  readonly direction: LinkDirection;
  /** The link was dialled to an entry point (LAGOON_PEERS or addEntryPoint), not to a peer we learned of in the mesh. */
  readonly viaEntry: boolean;
  readonly remoteAddress: string;
  /** Unix ms when the HELLO completed on this link. */
  readonly sinceMs: number;
  /** The remote's HELLO on this link. */
  readonly hello: Hello;
  readonly link: Link;
}

/**
 * Which of two links to the same peer survives. Both ends must agree without
 * talking, so the rule only uses what both ends see: who dialled each link.
 * The link dialled by the smaller peerId wins; if both (or neither) were
 * dialled by it, the older link stays.
 */
export function keepExisting(localPeerId: string, existing: LinkDirection, candidate: LinkDirection, remotePeerId: string): boolean {
  const preferredDialler = localPeerId < remotePeerId ? 'local' : 'remote';
  const diallerOf = (d: LinkDirection): 'local' | 'remote' => (d === 'outbound' ? 'local' : 'remote');
  if (diallerOf(existing) === preferredDialler) return true;
  return diallerOf(candidate) !== preferredDialler;
}

export class PeerTable {
  private readonly peers = new Map<string, PeerEntry>();

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max <= 0) throw LagoonError.invalidArgument(`peer table max must be a positive integer, got ${max}`);
  }

  get size(): number { return this.peers.size; }
  get full(): boolean { return this.peers.size >= this.max; }
  get(peerId: string): PeerEntry | undefined { return this.peers.get(peerId); }
  has(peerId: string): boolean { return this.peers.has(peerId); }
  values(): IterableIterator<PeerEntry> { return this.peers.values(); }

  /** Insert or replace the entry for `entry.peerId`. Refuses a new peer when full (returns false). */
  set(entry: PeerEntry): boolean {
    if (!this.peers.has(entry.peerId) && this.full) return false;
    this.peers.set(entry.peerId, entry);
    return true;
  }

  /** Remove the entry only if it still holds this link (a replaced duplicate must not remove its successor). */
  deleteLink(peerId: string, link: Link): PeerEntry | undefined {
    const e = this.peers.get(peerId);
    if (e === undefined || e.link !== link) return undefined;
    this.peers.delete(peerId);
    return e;
  }
}
