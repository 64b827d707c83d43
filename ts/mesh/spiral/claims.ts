/**
 * Slot assignment and conflict resolution for the concierge.
 *
 * A joiner gets the lowest slot its concierge knows to be free. Two concierges
 * may hand out the same slot at once; that is an ordinary conflict, decided
 * here by verified VDF work and nothing a claimant reports about itself.
 */
import { LagoonError } from '../../core/errors.js';

/** The smallest slot index not in `occupied`. O(|occupied|). */
export function lowestFreeSlot(occupied: Iterable<number>): number {
  const set = occupied instanceof Set ? (occupied as ReadonlySet<number>) : new Set(occupied);
  let s = 0;
  while (set.has(s)) s++;
  return s;
}

export interface SlotClaimant {
  /** `b3b3/` + hex(BLAKE3(BLAKE3(public key))), proven in HELLO. */
  readonly peerId: string;
  /**
   * VDF work as verified from signed attestations of this claimant's
   * neighbours (sequential steps since their fresh nonces), never a number the
   * claimant reported about itself.
   */
  readonly verifiedWork: bigint;
}

export interface ConflictResult<T extends SlotClaimant> {
  winner: T;
  loser: T;
}

/**
 * Decide who keeps a contested slot:
 *  1. more verified work wins;
 *  2. on exactly equal work, the lexicographically smaller peer id wins.
 * The peer id is a BLAKE3 digest of the public key, fixed when the key was
 * made: a claimant cannot pick it per conflict, and grinding keys for a small
 * id only ever matters on an exact tie of verified work. The loser re-joins at
 * `lowestFreeSlot` of the winner's view (which now includes the contested
 * slot). Deterministic and symmetric: both sides compute the same answer.
 */
export function resolveSlotConflict<T extends SlotClaimant>(a: T, b: T): ConflictResult<T> {
  if (a.peerId === b.peerId) throw LagoonError.invalidArgument('a peer cannot conflict with itself');
  if (a.verifiedWork < 0n || b.verifiedWork < 0n) throw LagoonError.invalidArgument('verifiedWork must be ≥ 0');
  let aWins: boolean;
  if (a.verifiedWork !== b.verifiedWork) aWins = a.verifiedWork > b.verifiedWork;
  else aWins = a.peerId < b.peerId;
  return aWins ? { winner: a, loser: b } : { winner: b, loser: a };
}
