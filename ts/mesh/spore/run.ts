/**
 * An in-memory driver for one SPORE exchange between two item sets: the
 * simulator's, the tests' and the bench's way to run the machine. Counts
 * every message byte in both directions.
 */
import type { ItemSet } from './items.js';
import { SporeSession, type SporeOptions } from './session.js';

export interface RunResult {
  /** Ids side A holds that B lacks, and B holds that A lacks. */
  aOnly: Uint8Array[];
  bOnly: Uint8Array[];
  messages: number;
  bytes: number;
  rounds: number;
}

/** `optionsB` is B's shape when it differs from A's: each side's options are its own choice, not part of the protocol. */
export function runReconciliation(a: ItemSet, b: ItemSet, options: SporeOptions = {}, maxRounds = 64, optionsB: SporeOptions = options): RunResult {
  const sa = new SporeSession(a, options);
  const sb = new SporeSession(b, optionsB);
  const aOnly: Uint8Array[] = [];
  const bOnly: Uint8Array[] = [];
  let msg: Uint8Array | undefined = sa.initiate();
  let bytes = msg.length;
  let messages = 1;
  let rounds = 0;
  let toB = true;
  while (msg !== undefined) {
    if (++rounds > maxRounds) throw new Error(`SPORE did not finish in ${maxRounds} rounds`);
    const res = (toB ? sb : sa).reconcile(msg);
    if (res.error !== undefined) throw res.error;
    (toB ? bOnly : aOnly).push(...res.have);
    (toB ? aOnly : bOnly).push(...res.need);
    msg = res.reply;
    if (msg !== undefined) {
      bytes += msg.length;
      messages++;
    }
    toB = !toB;
  }
  return { aOnly, bOnly, messages, bytes, rounds };
}
