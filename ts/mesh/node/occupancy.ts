/**
 * Who holds each slot in a node's view: one winner per slot among the records
 * it holds, conflicts decided by `resolveSlotConflict` (attested VDF work,
 * then the smaller peerId). Pure: every node that holds the same signed
 * records decides the same way.
 */
import { resolveSlotConflict } from '../spiral/claims.js';
import type { PeerRecord } from './records.js';

export interface Occupancy {
  readonly occupants: Map<number, PeerRecord>;
  /** Occupied slots, ascending. */
  readonly occupied: number[];
  /** Set when `self` held a slot and lost it. */
  readonly lost: { slot: number; winner: string } | undefined;
  /** Slots claimed only by records left out (`excluded`), with one such record each: not ours to link to, not free either. */
  readonly withheld: Map<number, PeerRecord>;
  /** Slots more than one record claims (decided by their attested work, which a record's next version may change). */
  readonly contested: Set<number>;
}

export function decideOccupancy(
  records: Iterable<PeerRecord>, self: string, weight: (r: PeerRecord) => bigint, excluded: (origin: string) => boolean,
): Occupancy {
  const occupants = new Map<number, PeerRecord>();
  let lost: Occupancy['lost'];
  const withheld = new Map<number, PeerRecord>();
  const contested = new Set<number>();
  for (const r of records) {
    if (excluded(r.origin)) { withheld.set(r.info.slot, r); continue; }
    const held = occupants.get(r.info.slot);
    if (held === undefined) { occupants.set(r.info.slot, r); continue; }
    contested.add(r.info.slot);
    const { winner, loser } = resolveSlotConflict(
      { peerId: held.origin, verifiedWork: weight(held), r: held },
      { peerId: r.origin, verifiedWork: weight(r), r },
    );
    occupants.set(r.info.slot, winner.r);
    if (loser.peerId === self) lost = { slot: r.info.slot, winner: winner.peerId };
  }
  for (const s of occupants.keys()) withheld.delete(s);
  return { occupants, occupied: [...occupants.keys()].sort((a, b) => a - b), lost, withheld, contested };
}
