/** What the mesh node machine (machine.ts) hands its driver, and what it counts. */
import type { PutOutcome } from '../spore/store.js';

export type SlotReason = 'first' | 'offer' | 'conflict' | 'hole' | 'stranded' | 'resumed';

export type MeshNodeEvent =
  | { e: 'slot'; slot: number; why: SlotReason }
  /** Neighbours that became so while linked (`added`), and every one that stopped being one, linked or not (`removed`). */
  | { e: 'neighbours'; added: { peerId: string; publicKey: Uint8Array }[]; removed: string[] }
  | { e: 'conflict'; slot: number; winner: string; loser: string }
  | { e: 'pruned'; peerId: string; slot: number }
  | { e: 'offered'; to: string; slot: number; bytes: number }
  /** Check a linked peer's VDF proofs though it is not a neighbour (one we keep out under a penalty), until its link goes. */
  | { e: 'watch'; peerId: string; publicKey: Uint8Array };

export type MeshNodeAction =
  | { type: 'send'; peerId: string; frame: Uint8Array }
  | { type: 'dial'; peerId: string; addrs: readonly string[] }
  | { type: 'close'; peerId: string; reason: string }
  /** Link to one configured entry point for a while (linkUp with entry=true): how split clumps find each other again. */
  | { type: 'probe-entry' }
  | { type: 'event'; event: MeshNodeEvent };

export type RecordOutcome = PutOutcome | 'buried' | 'outOfScope' | 'expired' | 'unparsable';

export interface MeshNodeCounters {
  framesMalformed: number;
  records: Record<RecordOutcome, number>;
  tombstonesForged: number;
  tombstonesRefuted: number;
  /** Tombstones naming a record seq further ahead of our clock than tombstoneClockSlackMs: dropped. */
  tombstonesImplausible: number;
  attestationsRejected: number;
  joinsServed: number;
  /** Of those, joiners that got their own slot back (they restarted while their record still held it). */
  slotsReturned: number;
  /** Joins this node could not place from its scope and passed uphill. */
  joinsForwarded: number;
  /** Holes this node reported uphill to the frontier node. */
  holesReported: number;
  bytesToJoiners: number;
  syncBytesOut: number;
  /**
   * Recomputations that found our slot lost to another claim while no answer for a new slot was awaited: a loser
   * that waits past the scope counts again after each BUSY answer, so in a merge this runs ahead of the slots lost.
   */
  conflictsLost: number;
  holesFilled: number;
  /** Newer records of nodes that moved out of our scope, passed on to links that may still hold their old claim. */
  movesPassedOn: number;
  /** Records of a node new on its slot (a join, a move, a return), passed on by a first-hand receiver to neighbours near that slot. */
  occupantsPassedOn: number;
  /** Ids of first-hand records whose claims or grants changed, announced to neighbours near their origin. */
  splicesAnnounced: number;
  /** Holes not moved into because joiners we (or a frontier we relayed) placed above us were on their way (each hole once). */
  holeMovesDeferred: number;
  /** Our highest joiners given up for not arriving within arrivalMs (their slots offered again). */
  noShowsGivenUp: number;
  /** Times this node, cut off from every SPIRAL neighbour for strandedMs, asked an entry point for a new slot. */
  strandedRejoins: number;
  /** Dials to the highest occupant we know, made because we had holes to report and no link uphill. */
  reachedAbove: number;
  /** Slots we placed as the frontier although records of lattice cells below them were still missing after tickMs. */
  placedUnseen: number;
  /** Frontier answers we relayed and also handed straight to the joiner's entry point, which we are linked to. */
  answersShortened: number;
  /** Verified work handed to `verdict` that is not steps within a height range (not kept; it cannot be attested). */
  workInconsistent: number;
  pruned: number;
}

export function newCounters(): MeshNodeCounters {
  return {
    framesMalformed: 0,
    records: { accepted: 0, replaced: 0, stale: 0, replayed: 0, forged: 0, equivocation: 0, malformed: 0, buried: 0, outOfScope: 0, expired: 0, unparsable: 0 },
    tombstonesForged: 0, tombstonesRefuted: 0, tombstonesImplausible: 0, attestationsRejected: 0, joinsServed: 0, slotsReturned: 0, joinsForwarded: 0, holesReported: 0, bytesToJoiners: 0,
    syncBytesOut: 0, conflictsLost: 0, holesFilled: 0, movesPassedOn: 0, occupantsPassedOn: 0, splicesAnnounced: 0, holeMovesDeferred: 0, noShowsGivenUp: 0, strandedRejoins: 0, reachedAbove: 0, answersShortened: 0, placedUnseen: 0, workInconsistent: 0, pruned: 0,
  };
}
